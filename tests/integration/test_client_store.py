"""The store's contract for the client registry (moto and DynamoDB Local): every field read back as written, the
conditions of each write with or without its audit event, and the requests each operation costs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ent_accounts.sso.clients import AuthMethod, Client, hash_secret
from ent_accounts.store import AuditEvent, ClientExists, Conflict
from tests.support.store_helpers import client_events


def full_client(world, client_id="ent-occitanie") -> Client:
    now = world.clock.now()
    return Client(
        client_id=client_id,
        name="ENT Occitanie",
        redirect_uris=("https://b.example.fr/cb", "https://a.example.fr/cb"),  # in the order registered
        token_endpoint_auth_method=AuthMethod.CLIENT_SECRET_POST,
        post_logout_redirect_uris=("https://a.example.fr/bye",),
        backchannel_logout_uri="https://a.example.fr/bcl",
        initiate_login_uri="https://a.example.fr/login",
        schools=frozenset({"0341234A", "0751234B"}),
        pairwise_subject=True,
        subject_salt="sel",
        secret_hashes=(hash_secret("nouveau"), hash_secret("ancien")),  # current first
        previous_secret_expires_at=now + timedelta(hours=24),
        created_at=now,
        updated_at=now + timedelta(minutes=1),
    )


@pytest.mark.parametrize("audited", [False, True], ids=["alone", "with its event"])
def test_a_client_reads_back_as_written_and_each_write_has_its_condition(world, audited):
    event = (lambda kind: AuditEvent(kind, "req-1", {"by": "ops"})) if audited else (lambda kind: None)
    written = full_client(world)
    stored = world.store.create_client(written, event("client_registered"))
    assert stored.version == 1 and world.store.get_client("ent-occitanie") == stored
    assert stored == Client(**{**written.__dict__, "version": 1})
    with pytest.raises(ClientExists):
        world.store.create_client(full_client(world), event("client_registered"))

    renamed = Client(**{**stored.__dict__, "name": "Autre"})
    assert world.store.replace_client(renamed, 1, event("client_updated")).version == 2
    with pytest.raises(Conflict):
        world.store.replace_client(Client(**{**stored.__dict__, "name": "Perdu"}), 1, event("client_updated"))
    assert world.store.get_client("ent-occitanie").name == "Autre"

    assert world.store.delete_client("ent-occitanie", event("client_deleted")) is True
    assert world.store.delete_client("ent-occitanie", event("client_deleted")) is False
    with pytest.raises(Conflict):  # deleted meanwhile
        world.store.replace_client(renamed, 2, event("client_updated"))
    expected = ["client_registered", "client_updated", "client_deleted"] if audited else []
    assert [e["type"] for e in client_events(world.store, "ent-occitanie")] == expected


def test_a_minimal_client_reads_back_with_its_defaults(world):
    minimal = Client(client_id="app", name="Appli", redirect_uris=("http://127.0.0.1/cb",), all_schools=True)
    stored = world.store.create_client(minimal)
    assert world.store.get_client("app") == stored and stored.secret_hashes == () and stored.schools == frozenset()
    assert world.store.get_client("autre") is None


def test_one_request_reads_a_client_and_one_query_lists_them(world):
    for n in range(3):
        world.store.create_client(full_client(world, f"service-{n}"))
    world.store.record_event("service-1", "login_succeeded", "req")  # an account of that name: not a client
    got, calls = world.dynamodb_requests(lambda: world.store.get_client("service-1"))
    assert got.client_id == "service-1" and calls == ["GetItem"]
    listed, calls = world.dynamodb_requests(world.store.list_clients)
    assert [c.client_id for c in listed] == ["service-0", "service-1", "service-2"] and calls == ["Query"]
    _, calls = world.dynamodb_requests(
        lambda: world.store.create_client(full_client(world, "service-9"), AuditEvent("client_registered", "r"))
    )
    assert calls == ["TransactWriteItems"]  # the client and its event, together
