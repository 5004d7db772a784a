"""CAS services in the client registry, through the admin routes (moto and DynamoDB Local): a service registered
with its URLs, attributes and single logout; no secret without redirect URIs; one client per service URL (named when
another holds it), released by a change or a deletion; what CAS finds at once; bad input a French 400."""

from __future__ import annotations

import pytest

from ent_accounts.cas.services import parse_service, registered_service
from ent_accounts.store import ServiceUrlTaken
from tests.integration.clients import CLIENTS, register, registration, replace, rotate, show
from tests.integration.test_bad_input import assert_clear_400
from tests.support.store_helpers import client_events

PRONOTE = "https://pronote.example.fr/pronote/"


def cas_fields(**extra) -> dict:
    """The fields of `registration` (tests/integration/clients.py) for a CAS service alone (... : left out)."""
    fields = {
        "client_id": "pronote",
        "name": "Pronote",
        "redirect_uris": ...,
        "service_urls": [PRONOTE],
        "cas_attributes": ["uid", "nom", "prenom", "categories"],
    }
    return {**fields, **extra}


def cas_service(**extra) -> dict:
    return registration(**cas_fields(**extra))


def replace_cas(world, body):
    return replace(world, body, client_id="pronote")


def post(world, body):
    return world.call("POST", CLIENTS, body)


def refused(answer, field, words=""):
    assert_clear_400(answer, field)
    assert words in answer.json()["fields"][field], answer.json()
    return answer.json()


def found(world, service: str):
    client = registered_service(world.store, world.clock.now(), parse_service(service))
    return client and client.client_id


def test_a_cas_service_alone_is_registered_without_a_secret(world):
    created = register(world, **cas_fields())
    assert created["client_secret"] is None and created["has_secret"] is False
    assert created["token_endpoint_auth_method"] == "none" and created["redirect_uris"] == []
    assert created["service_urls"] == [PRONOTE]
    assert created["cas_attributes"] == ["uid", "nom", "prenom", "categories"] and created["cas_single_logout"]
    shown = show(world, "pronote").json()
    assert shown == {name: value for name, value in created.items() if name != "client_secret"}
    stored = world.store.get_client("pronote")
    assert stored.speaks_cas and not stored.speaks_oidc and stored.secret_hashes == ()
    # Registered through this container: CAS finds it at once (the registry's copy was forgotten).
    assert found(world, f"{PRONOTE}eleve.html?login=true") == "pronote"
    assert found(world, "https://pronote.example.fr/autre/") is None


def test_a_cas_service_has_no_secret_to_rotate(world):
    register(world, **cas_fields())
    answer = rotate(world, "pronote")
    assert answer.status == 400 and "ne parle que CAS" in answer.json()["message"]
    assert show(world, "pronote").json()["version"] == 1


def test_a_client_may_speak_both_and_keeps_its_secret(world):
    created = register(world, service_urls=["https://ent.example.fr/cas/"], cas_single_logout=False)
    assert created["client_secret"] and created["token_endpoint_auth_method"] == "client_secret_basic"
    assert created["cas_single_logout"] is False and created["cas_attributes"] == []
    assert found(world, "https://ent.example.fr/cas/accueil") == "ent-occitanie"


def test_an_oidc_client_becomes_a_cas_service_and_back(world):
    secret = register(world)["client_secret"]
    cas_only = replace(world, registration(redirect_uris=[], service_urls=[PRONOTE])).json()
    assert cas_only["token_endpoint_auth_method"] == "none" and cas_only["has_secret"] is False
    assert world.store.get_client("ent-occitanie").secret_hashes == ()  # its secret stopped with its redirect URIs
    events = client_events(world.store, "ent-occitanie")
    assert events[-1]["removed"] == "secret" and events[-1]["service_urls"] == PRONOTE
    both = replace(world, registration(service_urls=[PRONOTE])).json()
    assert both["token_endpoint_auth_method"] == "client_secret_basic" and both["has_secret"] is False
    rotated = rotate(world).json()
    assert rotated["client_secret"] and rotated["client_secret"] != secret


def test_a_service_url_held_by_another_client_is_refused_naming_it(world):
    register(world, **cas_fields())
    for url in (PRONOTE, "https://PRONOTE.example.fr:443/pronote/"):  # the same URL, spelt otherwise
        answer = refused(
            post(world, registration(service_urls=["https://ent.example.fr/cas/", url])),
            "service_urls",
            f"l'adresse {url} (client « pronote ») est déjà à un autre client",
        )
        assert "plus précis" in answer["fields"]["service_urls"]
    assert world.store.get_client("ent-occitanie") is None
    register(world)
    refused(replace(world, registration(service_urls=[PRONOTE])), "service_urls", "pronote")
    assert show(world).json()["service_urls"] == [] and show(world).json()["version"] == 1
    # A URL that overlaps is another URL: the more specific one answers for what is below it.
    assert replace(world, registration(service_urls=[f"{PRONOTE}eleve/"])).status == 200
    assert found(world, f"{PRONOTE}eleve/accueil") == "ent-occitanie" and found(world, PRONOTE) == "pronote"


def test_a_service_url_is_released_by_a_change_and_by_a_deletion(world):
    register(world, **cas_fields(service_urls=[PRONOTE, "https://pronote.example.fr/parents/"]))
    assert replace_cas(world, cas_service(service_urls=["https://pronote.example.fr/parents/"])).status == 200
    assert register(world, service_urls=[PRONOTE])["service_urls"] == [PRONOTE]
    refused(
        post(world, registration(client_id="autre", service_urls=["https://pronote.example.fr/parents/"])),
        "service_urls",
    )
    assert world.call("DELETE", f"{CLIENTS}/pronote").status == 204
    assert register(world, client_id="autre", service_urls=["https://pronote.example.fr/parents/"])
    assert found(world, "https://pronote.example.fr/parents/") == "autre"


def test_the_same_registration_sent_again_keeps_its_own_urls(world):
    register(world, **cas_fields())
    assert replace_cas(world, cas_service()).json()["version"] == 1
    changed = replace_cas(world, cas_service(name="Pronote (lycée)")).json()
    assert changed["version"] == 2 and changed["service_urls"] == [PRONOTE]


def test_the_store_refuses_a_url_another_client_holds_even_past_the_registrys_read(world):
    """What a registration racing with another one meets when both passed the read: the store's claim."""
    register(world, **cas_fields())
    late = world.store.get_client("pronote")
    with pytest.raises(ServiceUrlTaken) as taken:
        world.store.create_client(
            type(late)(client_id="autre", name="Autre", redirect_uris=(), service_urls=(PRONOTE,))
        )
    assert taken.value.urls == (PRONOTE,) and world.store.get_client("autre") is None
    assert world.store.service_holder("https://pronote.example.fr:443/pronote/") == "pronote"


def test_a_registration_that_lost_the_race_is_told_who_won(world, monkeypatch):
    register(world, **cas_fields())
    # The registry as read before the other registration was written: the claim alone decides.
    monkeypatch.setattr(type(world.store), "list_clients", lambda store: [])
    answer = post(world, registration(service_urls=[PRONOTE]))
    refused(answer, "service_urls", "client « pronote »")
    assert world.store.get_client("ent-occitanie") is None
    assert [e["type"] for e in client_events(world.store, "ent-occitanie")] == []


def test_changes_of_a_cas_service_are_audited_with_its_urls_and_attributes(world):
    register(world, **cas_fields())
    replace_cas(world, cas_service(cas_attributes=["uid"], cas_single_logout=False))
    registered, updated = client_events(world.store, "pronote")
    assert registered["service_urls"] == PRONOTE and registered["cas_attributes"] == "uid nom prenom categories"
    assert registered["auth_method"] == "none" and registered["redirect_uris"] == ""
    assert updated["changed"] == "cas_attributes,cas_single_logout" and updated["cas_attributes"] == "uid"


# --- bad input --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://pronote.example.fr/pronote/?login=true", "pas de paramètres"),
        ("https://pronote.example.fr/pronote/#eleve", "mal formée"),
        ("https://pronote.example.fr/pronote/../admin/", "mal formée"),
        ("https://pronote.example.fr/pronote/%2E%2E/admin/", "mal formée"),
        ("https://pronote.example.fr/pronote%2Fadmin/", "mal formée"),
        ("https://ent.example.fr@evil.example/", "mal formée"),
        ("https://pronote.example.fr\\@evil.example/", "mal formée"),
        ("http://pronote.example.fr/", "http:// uniquement"),
        ("http://127.0.0.1.evil.example/", "http:// uniquement"),
        ("https://*.example.fr/", "jokers"),
        ("javascript:alert(1)", "mal formée"),
        ("/pronote/", "mal formée"),
        ("https://pronote.example.fr:99999/", "mal formée"),
        ("https://pronote.example.fr/élève", "mal formée"),
        ("", "vide"),
        ("https://pronote.example.fr/" + "a" * 2000, "trop long"),
    ],
)
def test_every_service_url_is_one_cas_can_match_without_doubt(world, url, words):
    refused(post(world, cas_service(service_urls=[PRONOTE, url])), "service_urls[1]", words)
    assert world.call("GET", CLIENTS).json() == {"clients": []}


def test_attributes_come_from_the_catalog(world):
    answer = refused(post(world, cas_service(cas_attributes=["uid", "displayName"])), "cas_attributes[1]", "inconnu")
    assert "FrEduCtEleveUAI, ENTEleveClasses" in answer["fields"]["cas_attributes[1]"]
    refused(post(world, cas_service(cas_attributes=["uid"] * 13)), "cas_attributes")  # more than the catalog has
    refused(post(world, registration(cas_attributes=["uid"])), "cas_attributes", "service_urls")


def test_wrong_types_of_the_cas_fields_are_named(world):
    for name, bad in [
        ("service_urls", "https://pronote.example.fr/"),
        ("service_urls", [12]),
        ("service_urls", [PRONOTE] * 21),
        ("cas_attributes", "uid"),
        ("cas_attributes", [None]),
        ("cas_single_logout", "true"),
        ("cas_single_logout", 1),
        ("cas_single_logout", None),
    ]:
        answer = post(world, {**cas_service(), name: bad})
        assert_clear_400(answer)
        assert all(field.startswith(name) for field in answer.json()["fields"]), (name, bad, answer.json())
    assert world.call("GET", CLIENTS).json() == {"clients": []}


def test_a_cas_service_alone_takes_no_oidc_field(world):
    answer = post(
        world,
        cas_service(
            token_endpoint_auth_method="client_secret_basic",
            post_logout_redirect_uris=["https://pronote.example.fr/au-revoir"],
            backchannel_logout_uri="https://pronote.example.fr/bcl",
        ),
    )
    fields = refused(answer, "token_endpoint_auth_method", "pas de secret")["fields"]
    assert set(fields) == {"token_endpoint_auth_method", "post_logout_redirect_uris", "backchannel_logout_uri"}
    refused(post(world, registration(service_urls=[PRONOTE], pairwise_subject=True)), "pairwise_subject", "identifiant")
