"""Bad input on the client registry routes: a clear French 400 naming the field, nothing stored, never a 500."""

from __future__ import annotations

import pytest

from tests.integration.clients import CLIENTS, register, registration, replace, show
from tests.integration.test_bad_input import NOT_AN_OBJECT, assert_clear_400

BAD_URIS = {
    "ent.example.fr/retour": "commencer par https://",
    "/oidc/retour": "commencer par https://",
    "ftp://ent.example.fr/retour": "commencer par https://",
    "javascript:alert(1)": "commencer par https://",
    "https:///retour": "commencer par https://",
    "http://ent.example.fr/retour": "http:// uniquement sur la machine locale",
    "http://127.0.0.1.evil.example/retour": "http:// uniquement sur la machine locale",
    "https://ent.example.fr/retour#fragment": "fragment",
    "https://*.example.fr/retour": "jokers",
    "https://ent.example.fr/*": "jokers",
    "https://user:pass@ent.example.fr/retour": "identifiant ni de mot de passe",
    "http://localhost@evil.example/retour": "identifiant ni de mot de passe",
    "https://ent.example.fr/ret our": "encodez-les",
    "https://ent.example.fr/élève": "encodez-les",
    "https://ent.example.fr/\nretour": "encodez-les",
    "https://ent.example.fr\\@evil.example/": "encodez-les",
    "https://ent.example.fr:99999/retour": "mal formée",
    "https://[::1/retour": "mal formée",
    "": "vide",
    "https://ent.example.fr/" + "a" * 2000: "trop long",
}


def post(world, body):
    return world.call("POST", CLIENTS, body, headers={"Content-Type": "application/json"})


def refused(answer, field, words=""):
    assert_clear_400(answer, field)
    assert words in answer.json()["fields"][field], answer.json()
    return answer.json()


@pytest.mark.parametrize("raw", NOT_AN_OBJECT)
def test_bodies_that_are_not_json_objects(world, raw):
    register(world)
    body = raw.encode("utf-8", "surrogateescape") if raw == "\udcff" else raw
    for method, path in [("POST", CLIENTS), ("PUT", f"{CLIENTS}/ent-occitanie")]:
        assert_clear_400(world.call(method, path, body, headers={"Content-Type": "application/json"}))
    if raw not in ("", "null"):  # no body (or null) asks the default grace
        answer = world.call(
            "POST", f"{CLIENTS}/ent-occitanie/secret", body, headers={"Content-Type": "application/json"}
        )
        assert_clear_400(answer)
    assert show(world).json()["version"] == 1


def test_wrong_types_are_named_and_nothing_is_stored(world):
    for name in registration() | {"post_logout_redirect_uris": [], "backchannel_logout_uri": None}:
        optional = name in ("client_id", "backchannel_logout_uri")  # null: none asked (made up, or none wanted)
        for bad in [12, {}, True, ["x"] * 21, [12], [None], [{}]] + ([] if optional else [None]):
            answer = post(world, {**registration(), name: bad})
            assert_clear_400(answer)
            assert all(field.startswith(name) for field in answer.json()["fields"]), (name, bad, answer.json())
    for name in ("all_schools", "pairwise_subject"):
        for bad in ["true", 1, None, [], "oui"]:
            refused(post(world, {**registration(), name: bad}), name, "true ou false")
    assert world.call("GET", CLIENTS).json() == {"clients": []}


def test_an_unknown_field_is_refused_rather_than_ignored(world):
    body = {**registration(), "post_logout_redirect_uri": "https://ent.example.fr/au-revoir"}  # a typo
    refused(post(world, body), "post_logout_redirect_uri", "pas accepté")
    refused(post(world, {**registration(), "client_secret": "choisi-par-moi"}), "client_secret")
    assert world.call("GET", CLIENTS).json() == {"clients": []}


@pytest.mark.parametrize(
    "client_id", ["ab", "x" * 65, "ENT-Occitanie", "-ent", ".ent", "_ent", "ent occitanie", "ent/occ", "énergie", ""]
)
def test_a_client_id_out_of_its_pattern(world, client_id):
    refused(post(world, registration(client_id=client_id)), "client_id")


def test_client_ids_at_the_bounds_of_the_pattern(world):
    for client_id in ["abc", "a" * 64, "0ent", "ent.occ_itanie-2"]:
        assert post(world, registration(client_id=client_id)).status == 201, client_id


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "ENT\nOccitanie", "ENT\tOccitanie", "ENT\u202eOccitanie"])
def test_a_name_students_could_not_read_on_one_line(world, name):
    refused(post(world, registration(name=name)), "name")


def test_a_name_is_tidied(world):
    assert register(world, name="  ENT   Occitanie ")["name"] == "ENT Occitanie"
    assert register(world, client_id="b" * 64, name="É" * 80)["name"] == "É" * 80


@pytest.mark.parametrize("uri", sorted(BAD_URIS))
def test_every_uri_field_takes_only_an_exact_absolute_https_address(world, uri):
    words = BAD_URIS[uri]
    refused(post(world, registration(redirect_uris=["https://ok.example.fr/cb", uri])), "redirect_uris[1]", words)
    refused(post(world, registration(post_logout_redirect_uris=[uri])), "post_logout_redirect_uris[0]", words)
    refused(post(world, registration(backchannel_logout_uri=uri)), "backchannel_logout_uri", words)
    refused(post(world, registration(initiate_login_uri=uri)), "initiate_login_uri", words)
    assert world.call("GET", CLIENTS).json() == {"clients": []}


def test_loopback_addresses_may_use_http_for_developers(world):
    uris = ["http://127.0.0.1:8080/retour", "http://[::1]:8080/retour", "http://localhost/retour?x=1"]
    created = register(world, redirect_uris=uris, backchannel_logout_uri="http://localhost:9000/bcl")
    assert created["redirect_uris"] == uris


def test_at_least_one_redirect_uri_and_duplicates_once(world):
    refused(post(world, registration(redirect_uris=[])), "redirect_uris", "au moins une")
    answer = refused(post(world, registration(redirect_uris=...)), "redirect_uris", "au moins une")
    assert "service_urls" in answer["fields"]  # or a CAS service URL
    created = register(
        world, redirect_uris=["https://a.example.fr/cb", "https://b.example.fr/cb", "https://a.example.fr/cb"]
    )
    assert created["redirect_uris"] == ["https://a.example.fr/cb", "https://b.example.fr/cb"]


def test_the_auth_method_is_one_of_three(world):
    for method in ["client_secret_jwt", "private_key_jwt", "CLIENT_SECRET_BASIC", "", "basic"]:
        refused(post(world, registration(token_endpoint_auth_method=method)), "token_endpoint_auth_method")


def test_schools_are_uais_or_all_explicitly(world):
    answer = refused(post(world, registration(schools=["0341234A", "341234A", "0341234AB"])), "schools[1]", "UAI")
    assert "schools[2]" in answer["fields"] and "schools[0]" not in answer["fields"]
    refused(post(world, registration(schools=[])), "schools", "all_schools")
    refused(post(world, registration(schools=...)), "schools", "all_schools")
    refused(post(world, registration(all_schools=True)), "all_schools", "pas les deux")
    refused(post(world, registration(schools=[], all_schools=False)), "schools")
    refused(post(world, registration(schools=["0341234A"] * 5001)), "schools")
    assert world.call("GET", CLIENTS).json() == {"clients": []}


def test_every_field_to_fix_is_named_at_once(world):
    body = registration(client_id="X", name="", redirect_uris=["http://evil.example/"], schools=["nope"])
    answer = post(world, body)
    assert set(refused(answer, "client_id")["fields"]) == {"client_id", "name", "redirect_uris[0]", "schools[0]"}
    assert answer.json()["message"].startswith("Le client n'a pas été enregistré")


def test_a_replacement_follows_the_same_rules_and_leaves_the_client_unchanged(world):
    register(world)
    for bad, field in [
        ({"redirect_uris": ["https://a.example.fr/#x"]}, "redirect_uris[0]"),
        ({"schools": [], "all_schools": False}, "schools"),
        ({"client_id": "autre"}, "client_id"),  # the path names the client
        ({"version": 0}, "version"),
        ({"version": "1"}, "version"),
    ]:
        body = {k: v for k, v in registration().items() if k != "client_id"} | bad
        refused(world.call("PUT", f"{CLIENTS}/ent-occitanie", body), field)
    assert show(world).json()["version"] == 1
    assert replace(world, registration()).status == 200
