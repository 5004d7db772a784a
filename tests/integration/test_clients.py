"""The client registry through the admin routes (moto and DynamoDB Local): register, list, show, replace, rotate the
secret, delete; what each answer shows and never shows; the rotation's grace period; conflicts; audit events."""

from __future__ import annotations

import json
import re

import pytest

from ent_accounts.sso.clients import CLIENT_ID_PATTERN, hash_secret
from local.events import LambdaContext, api_event
from tests.integration.clients import CLIENTS, REDIRECT, register, registration, replace, rotate, show, works
from tests.support.store_helpers import client_events

FULL = registration(
    token_endpoint_auth_method="client_secret_post",
    redirect_uris=[REDIRECT, "http://127.0.0.1:8080/retour"],
    post_logout_redirect_uris=["https://ent.example.fr/au-revoir"],
    backchannel_logout_uri="https://ent.example.fr/oidc/deconnexion",
    initiate_login_uri="https://ent.example.fr/connexion-eleves",
    schools=["0341234a", "0751234B"],
    pairwise_subject=True,
)


def test_a_registered_client_is_listed_and_shown_without_its_secret(world):
    created = register(world, **FULL)
    secret = created.pop("client_secret")
    assert len(secret) >= 43  # 256 random bits
    assert created == {
        "client_id": "ent-occitanie",
        "name": "ENT Occitanie",
        "redirect_uris": [REDIRECT, "http://127.0.0.1:8080/retour"],
        "token_endpoint_auth_method": "client_secret_post",
        "post_logout_redirect_uris": ["https://ent.example.fr/au-revoir"],
        "backchannel_logout_uri": "https://ent.example.fr/oidc/deconnexion",
        "initiate_login_uri": "https://ent.example.fr/connexion-eleves",
        "schools": ["0341234A", "0751234B"],  # UAIs in capitals, as the accounts hold them
        "all_schools": False,
        "pairwise_subject": True,
        "service_urls": [],
        "cas_attributes": [],
        "cas_single_logout": True,
        "has_secret": True,
        "previous_secret_expires_at": None,
        "created_at": "2026-11-30T14:37:00Z",
        "updated_at": "2026-11-30T14:37:00Z",
        "version": 1,
    }
    assert show(world).json() == created
    assert world.call("GET", CLIENTS).json() == {"clients": [created]}
    assert works(world, secret) and not works(world, secret[:-1] + "x")
    stored = world.store.get_client("ent-occitanie")
    assert stored.serves("0341234A") and not stored.serves("0130001A")
    assert stored.accepts_redirect_uri(REDIRECT) and not stored.accepts_redirect_uri(REDIRECT + "/")
    assert len(stored.subject_salt) >= 43
    for answer in (show(world), world.call("GET", CLIENTS)):
        for hidden in (secret, stored.secret_hashes[0], stored.subject_salt, "salt", "hash"):
            assert hidden not in answer.text


def test_without_a_client_id_one_is_made_from_the_name(world):
    first = register(world, client_id=..., name="ENT Hauts-de-France — Lycées")
    second = register(world, client_id=..., name="ENT Hauts-de-France — Lycées")
    assert re.fullmatch(r"ent-hauts-de-france-lycees-[0-9a-f]{8}", first["client_id"])
    assert CLIENT_ID_PATTERN.fullmatch(first["client_id"]) and first["client_id"] != second["client_id"]
    assert [c["client_id"] for c in world.call("GET", CLIENTS).json()["clients"]] == sorted(
        [first["client_id"], second["client_id"]]
    )


def test_every_school_is_granted_only_explicitly(world):
    created = register(world, schools=[], all_schools=True)
    assert created["all_schools"] and created["schools"] == []
    assert world.store.get_client("ent-occitanie").serves("9999999Z")


def test_a_public_client_has_no_secret_to_show_or_rotate(world):
    created = register(world, token_endpoint_auth_method="none")
    assert created["client_secret"] is None and created["has_secret"] is False
    assert world.store.get_client("ent-occitanie").secret_hashes == ()
    refused = rotate(world)
    assert refused.status == 400 and "public" in refused.json()["message"]


def test_the_list_reads_every_page(world):
    world.store.page_size = 2
    for n in range(5):
        register(world, client_id=f"service-{n}")
    listed = world.call("GET", CLIENTS).json()["clients"]
    assert [c["client_id"] for c in listed] == [f"service-{n}" for n in range(5)]


def test_an_existing_client_id_is_refused_and_the_first_client_kept(world):
    secret = register(world)["client_secret"]
    again = world.call("POST", CLIENTS, registration(name="Autre service", redirect_uris=["https://autre.fr/cb"]))
    assert again.status == 409 and again.json()["error"] == "client_exists"
    assert "déjà enregistré" in again.json()["message"]
    assert show(world).json()["name"] == "ENT Occitanie" and works(world, secret)
    assert [e["type"] for e in client_events(world.store, "ent-occitanie")] == ["client_registered"]


# --- replacing a registration (PUT) -------------------------------------------------------------------------------


def test_a_replacement_keeps_the_secret_the_salt_and_the_creation_date(world):
    secret = register(world, **FULL)["client_secret"]
    salt = world.store.get_client("ent-occitanie").subject_salt
    world.clock.advance(hours=2)
    body = registration(
        name="ENT Occitanie (lycées)", redirect_uris=["https://lycees.ent.example.fr/cb"], pairwise_subject=True
    )
    answer = replace(world, body)
    assert answer.status == 200, answer.text
    changed = answer.json()
    assert "client_secret" not in changed and secret not in answer.text
    assert changed["name"] == "ENT Occitanie (lycées)"
    assert changed["redirect_uris"] == ["https://lycees.ent.example.fr/cb"]
    # Every field is replaced: those left out go back to their defaults.
    assert changed["post_logout_redirect_uris"] == [] and changed["backchannel_logout_uri"] is None
    assert changed["token_endpoint_auth_method"] == "client_secret_basic" and changed["schools"] == ["0341234A"]
    assert changed["created_at"] == "2026-11-30T14:37:00Z" and changed["updated_at"] == "2026-11-30T16:37:00Z"
    assert changed["version"] == 2 and changed["has_secret"]
    assert works(world, secret) and world.store.get_client("ent-occitanie").subject_salt == salt
    assert not world.store.get_client("ent-occitanie").accepts_redirect_uri(REDIRECT)


def test_the_same_registration_sent_again_changes_nothing(world):
    register(world)
    answer = replace(world, registration())
    assert answer.status == 200 and answer.json()["version"] == 1
    assert [e["type"] for e in client_events(world.store, "ent-occitanie")] == ["client_registered"]


def test_a_replacement_based_on_an_older_read_is_refused(world):
    register(world)
    assert replace(world, registration(name="Premier", version=1)).status == 200
    stale = replace(world, registration(name="Second", version=1))
    assert stale.status == 409 and stale.json()["error"] == "conflict"
    assert "modifié pendant la demande" in stale.json()["message"]
    assert show(world).json()["name"] == "Premier"
    assert replace(world, registration(name="Second", version=2)).json()["version"] == 3


def test_the_pairwise_choice_is_fixed_at_registration(world):
    register(world)
    answer = replace(world, registration(pairwise_subject=True))
    assert answer.status == 400 and "pairwise_subject" in answer.json()["fields"]
    assert show(world).json()["pairwise_subject"] is False


def test_a_client_made_public_loses_its_secret_and_needs_a_rotation_to_be_confidential_again(world):
    secret = register(world)["client_secret"]
    public = replace(world, registration(token_endpoint_auth_method="none")).json()
    assert public["has_secret"] is False and not works(world, secret)
    confidential = replace(world, registration()).json()
    assert confidential["has_secret"] is False  # a PUT never shows nor makes a secret
    rotated = rotate(world).json()
    assert rotated["has_secret"] and works(world, rotated["client_secret"]) and not works(world, secret)
    assert rotated["previous_secret_expires_at"] is None  # nothing to keep working


# --- rotating the secret ---------------------------------------------------------------------------------------------


def test_after_a_rotation_the_old_secret_works_for_24_hours_then_only_the_new_one(world):
    old = register(world)["client_secret"]
    world.clock.advance(days=30)
    answer = rotate(world)  # no body: the default grace
    assert answer.status == 200, answer.text
    rotated = answer.json()
    new = rotated["client_secret"]
    assert new != old and rotated["previous_secret_expires_at"] == "2026-12-31T14:37:00Z"
    assert works(world, new) and works(world, old)
    assert show(world).json()["previous_secret_expires_at"] == "2026-12-31T14:37:00Z"
    assert new not in show(world).text
    world.clock.advance(hours=23, minutes=59, seconds=59)
    assert works(world, old)
    world.clock.advance(seconds=1)
    assert works(world, new) and not works(world, old)
    assert show(world).json()["previous_secret_expires_at"] is None


def test_a_grace_of_zero_stops_a_leaked_secret_at_once(world):
    old = register(world)["client_secret"]
    rotated = rotate(world, body={"grace_hours": 0}).json()
    assert rotated["previous_secret_expires_at"] is None
    assert works(world, rotated["client_secret"]) and not works(world, old)


def test_a_longer_grace_and_a_second_rotation(world):
    first = register(world)["client_secret"]
    second = rotate(world, body={"grace_hours": 168}).json()
    assert second["previous_secret_expires_at"] == "2026-12-07T14:37:00Z"
    world.clock.advance(days=6)
    assert works(world, first)
    third = rotate(world, body={"grace_hours": 1}).json()["client_secret"]
    # Two secrets work at most: the current one and the one just replaced; an older one stops at once.
    assert works(world, third) and works(world, second["client_secret"]) and not works(world, first)
    world.clock.advance(hours=1)
    assert works(world, third) and not works(world, second["client_secret"])


def test_a_replacement_during_the_grace_keeps_both_secrets(world):
    old = register(world)["client_secret"]
    new = rotate(world).json()["client_secret"]
    replace(world, registration(name="ENT Occitanie 2"))
    assert works(world, old) and works(world, new)
    world.clock.advance(hours=25)
    replace(world, registration(name="ENT Occitanie 3"))  # the expired one is dropped
    assert world.store.get_client("ent-occitanie").secret_hashes == (hash_secret(new),)


@pytest.mark.parametrize("grace", [-1, 169, 1000, "24h", None, True, 2.5, [], {}])
def test_a_grace_out_of_bounds_is_refused(world, grace):
    old = register(world)["client_secret"]
    answer = rotate(world, body={"grace_hours": grace})
    assert answer.status == 400, answer.text
    assert answer.json()["fields"]["grace_hours"][0].isupper()
    assert works(world, old) and show(world).json()["version"] == 1


# --- deletion and unknown clients -------------------------------------------------------------------------------------


def test_a_deleted_client_is_gone_and_its_id_may_be_registered_anew(world):
    old = register(world)["client_secret"]
    old_salt = world.store.get_client("ent-occitanie").subject_salt
    assert world.call("DELETE", f"{CLIENTS}/ent-occitanie").status == 204
    assert show(world).status == 404 and world.call("GET", CLIENTS).json() == {"clients": []}
    assert world.call("DELETE", f"{CLIENTS}/ent-occitanie").status == 404
    new = register(world)["client_secret"]
    assert works(world, new) and not works(world, old)
    assert world.store.get_client("ent-occitanie").subject_salt != old_salt  # nothing carried over


@pytest.mark.parametrize("client_id", ["personne", "x" * 300, "%00", "..", "ent%2F..", "é", "ENT", "a"])
def test_an_unknown_client_is_not_found_on_every_route(world, client_id):
    register(world)
    for method, path, body in [
        ("GET", f"{CLIENTS}/{client_id}", None),
        ("PUT", f"{CLIENTS}/{client_id}", {k: v for k, v in registration().items() if k != "client_id"}),
        ("DELETE", f"{CLIENTS}/{client_id}", None),
        ("POST", f"{CLIENTS}/{client_id}/secret", {"grace_hours": 1}),
    ]:
        answer = world.call(method, path, body)
        assert answer.status == 404, (method, path, answer.text)
        assert answer.json() == {"error": "not_found", "message": "Aucun client n'est enregistré sous cet identifiant."}
    assert world.store.get_client("ent-occitanie").version == 1


# --- audit ------------------------------------------------------------------------------------------------------------


def test_every_change_is_audited_with_who_made_it_and_never_a_secret(world):
    secrets = [register(world, **FULL)["client_secret"]]
    replace(world, registration(name="ENT Occitanie 2", pairwise_subject=True))
    secrets.append(rotate(world, body={"grace_hours": 2}).json()["client_secret"])
    world.call("DELETE", f"{CLIENTS}/ent-occitanie")
    refused = world.call("DELETE", f"{CLIENTS}/ent-occitanie")  # nothing changed: nothing audited
    assert refused.status == 404

    events = client_events(world.store, "ent-occitanie")
    assert [e["type"] for e in events] == [
        "client_registered",
        "client_updated",
        "client_secret_rotated",
        "client_deleted",
    ]
    assert all(e["by"] == world.admin_caller and e["request_id"] and e["time"] for e in events)
    assert events[0]["redirect_uris"] == f"{REDIRECT} http://127.0.0.1:8080/retour"
    assert events[0]["schools"] == "2" and events[0]["auth_method"] == "client_secret_post"
    assert events[1]["changed"] == (
        "name,redirect_uris,token_endpoint_auth_method,post_logout_redirect_uris,backchannel_logout_uri,"
        "initiate_login_uri,schools"
    )
    assert events[2]["grace_hours"] == "2" and events[2]["previous_secret_expires_at"] == "2026-11-30T16:37:00Z"
    text = str(events)
    for secret in secrets:
        assert secret not in text and hash_secret(secret) not in text
    # The events stay after the client is gone, for the retention period, as an account's do.
    world.clock.advance(days=365, hours=1)
    assert client_events(world.store, "ent-occitanie") == []


def test_the_iam_identity_that_signed_the_request_is_audited(world):
    arn = "arn:aws:sts::123456789012:assumed-role/ent-ops/marie.curie"  # a session of ops' role (AdminPrincipals)
    body = json.dumps(registration())
    event = api_event("POST", CLIENTS, resource=CLIENTS, headers={"Content-Type": "application/json"}, body=body)
    event["requestContext"]["identity"]["userArn"] = arn
    answer = world.functions.handler("AdminFunction")(event, LambdaContext("AdminFunction"))
    assert answer["statusCode"] == 201, answer
    (registered,) = client_events(world.store, "ent-occitanie")
    assert registered["by"] == arn and registered["request_id"] == event["requestContext"]["requestId"]
