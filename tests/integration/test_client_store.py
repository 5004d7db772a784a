"""The store's contract for the client registry (moto and DynamoDB Local): every field read back as written, the
conditions of each write with or without its audit event, and the requests each operation costs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ent_accounts.sso.clients import AuthMethod, Client, hash_secret
from ent_accounts.store import AuditEvent, ClientExists, Conflict, ServiceUrlTaken
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


def cas_client(client_id: str, *urls: str) -> Client:
    return Client(client_id=client_id, name="Pronote", redirect_uris=(), service_urls=urls, all_schools=True)


def test_each_service_url_is_claimed_by_one_client_and_released_with_it(world):
    a, b = "https://pronote.example.fr/pronote/", "https://pronote.example.fr/parents/"
    stored, calls = world.dynamodb_requests(lambda: world.store.create_client(cas_client("pronote", a, b)))
    assert calls == ["TransactWriteItems"]  # the client and its claims, together
    assert world.store.service_holder(a) == "pronote" and world.store.service_holder(b) == "pronote"
    with pytest.raises(ServiceUrlTaken) as taken:
        world.store.create_client(
            cas_client("autre", "https://ok.example.fr/", "https://PRONOTE.example.fr:443/parents/")
        )
    assert taken.value.urls == ("https://PRONOTE.example.fr:443/parents/",) and world.store.get_client("autre") is None
    assert world.store.service_holder("https://ok.example.fr/") is None  # nothing of the lost transaction stayed

    # A replacement not told what the client was reads it, and releases what it no longer lists.
    world.store.replace_client(replace(stored, service_urls=(a,)), 1)
    assert world.store.service_holder(b) is None and world.store.service_holder(a) == "pronote"
    other = world.store.create_client(cas_client("autre", b))
    with pytest.raises(ServiceUrlTaken):
        world.store.replace_client(replace(other, service_urls=(b, a)), 1, previous=other)
    assert world.store.get_client("autre").service_urls == (b,)
    with pytest.raises(Conflict):  # based on an older version: refused before anything is written
        world.store.replace_client(replace(stored, name="Perdu"), 1)

    _, calls = world.dynamodb_requests(lambda: world.store.delete_client("pronote", None))
    assert calls == ["GetItem", "TransactWriteItems"]
    assert world.store.service_holder(a) is None
    assert world.store.create_client(cas_client("troisieme", a)).service_urls == (a,)


def test_a_client_holding_one_url_written_twice_claims_it_once(world):
    spelt_twice = cas_client("pronote", "https://pronote.example.fr/", "https://PRONOTE.example.fr:443/")
    world.store.create_client(spelt_twice, AuditEvent("client_registered", "r"))
    assert world.store.service_holder("https://pronote.example.fr") == "pronote"
    assert world.store.delete_client("pronote", AuditEvent("client_deleted", "r"))
    assert world.store.service_holder("https://pronote.example.fr") is None


def test_a_deletion_that_meets_a_change_reads_again_and_releases_what_was_added(world, monkeypatch):
    from ent_accounts.store import clients as registry

    a, b = "https://a.example.fr/", "https://b.example.fr/"
    stored = world.store.create_client(cas_client("pronote", a))
    real, reads = registry.get_client, []

    def read(table, client_id):
        reads.append(client_id)
        if len(reads) == 1:  # b is added between the deletion's first read and its write
            world.store.replace_client(replace(stored, service_urls=(a, b)), 1, previous=stored)
            return stored
        return real(table, client_id)

    monkeypatch.setattr(registry, "get_client", read)
    assert world.store.delete_client("pronote", AuditEvent("client_deleted", "r")) is True
    assert len(reads) == 2
    monkeypatch.undo()
    assert world.store.get_client("pronote") is None
    assert world.store.service_holder(a) is None and world.store.service_holder(b) is None
