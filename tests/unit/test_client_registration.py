"""The registry's rules, called as any caller of the layer would (the local demo registers its client this way)."""

from __future__ import annotations

import pytest

from ent_accounts.cas.services import parse_service
from ent_accounts.errors import InvalidRequest
from ent_accounts.sso.clients import AuthMethod, service_url_key
from ent_accounts.sso.registration import checked_registration, generated_client_id


def test_a_registration_is_tidied():
    registration = checked_registration(
        client_id=None,
        name=" ENT  démo ",
        redirect_uris=["http://localhost:8080/cb", "http://localhost:8080/cb"],
        token_endpoint_auth_method="none",
        schools=["0341234a"],
    )
    assert registration.name == "ENT démo" and registration.redirect_uris == ("http://localhost:8080/cb",)
    assert registration.token_endpoint_auth_method is AuthMethod.NONE and registration.schools == {"0341234A"}


def test_every_field_to_fix_is_named():
    with pytest.raises(InvalidRequest) as refused:
        checked_registration(
            client_id="A",
            name="\n",
            redirect_uris=["https://ok.example.fr/", "https://ok.example.fr/#x"],
            token_endpoint_auth_method="private_key_jwt",
            initiate_login_uri="http://ent.example.fr/",
            schools=["0341234A"],
            all_schools=True,
        )
    assert set(refused.value.fields) == {
        "client_id",
        "name",
        "redirect_uris[1]",
        "token_endpoint_auth_method",
        "initiate_login_uri",
        "all_schools",
    }
    assert all(message[0].isupper() and message.endswith(".") for message in refused.value.fields.values())


@pytest.mark.parametrize("name", ["ENT Occitanie", "日本語", "---", "É" * 200])
def test_a_made_up_client_id_always_fits_the_pattern(name):
    assert checked_registration(
        client_id=generated_client_id(name), name="x", redirect_uris=["https://a.fr/"], all_schools=True
    ).client_id


# --- CAS services ------------------------------------------------------------------------------------------------


def cas(**extra):
    fields = {"client_id": "pronote", "name": "Pronote", "schools": ["0341234A"]}
    fields.update(extra)
    return checked_registration(**fields)


def refusal(**extra) -> dict[str, str]:
    with pytest.raises(InvalidRequest) as refused:
        cas(**extra)
    messages = refused.value.fields
    assert all(message[0].isupper() and message.endswith(".") for message in messages.values()), messages
    return messages


def test_a_cas_service_alone_has_no_secret_method_and_its_attributes_in_the_catalogs_order():
    registration = cas(
        service_urls=["https://pronote.example.fr/pronote/", "https://PRONOTE.example.fr:443/pronote/"],
        cas_attributes=["categories", "uid", "nom", "uid"],
    )
    assert registration.redirect_uris == () and registration.token_endpoint_auth_method is AuthMethod.NONE
    assert registration.service_urls == ("https://pronote.example.fr/pronote/",)  # the same URL, written twice
    assert registration.cas_attributes == ("uid", "nom", "categories") and registration.cas_single_logout
    assert cas(service_urls=["https://a.fr/"], cas_single_logout=False).cas_single_logout is False
    assert cas(service_urls=["https://a.fr/"], token_endpoint_auth_method="none").service_urls == ("https://a.fr/",)


def test_a_client_speaking_both_keeps_its_secret_method():
    both = cas(redirect_uris=["https://ent.example.fr/cb"], service_urls=["https://ent.example.fr/cas/"])
    assert both.token_endpoint_auth_method is AuthMethod.CLIENT_SECRET_BASIC
    assert both.redirect_uris and both.service_urls


def test_a_client_needs_redirect_uris_or_service_urls():
    messages = refusal()
    assert set(messages) == {"redirect_uris", "service_urls"} and "ou les deux" in messages["service_urls"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://pronote.example.fr/pronote/?login=true", "pas de paramètres"),
        ("https://pronote.example.fr/pronote/#x", "mal formée"),
        ("https://pronote.example.fr/a/../admin/", "mal formée"),
        ("https://pronote.example.fr/a/%2e%2e/admin/", "mal formée"),
        ("https://ent@pronote.example.fr/", "mal formée"),
        ("http://pronote.example.fr/", "http:// uniquement sur la machine locale"),
        ("pronote.example.fr/pronote/", "mal formée"),
        ("ftp://pronote.example.fr/", "mal formée"),
        ("https://pronote.example.fr/*", "jokers"),
        ("https://pronote.example.fr/é", "mal formée"),
        ("", "vide"),
        ("https://pronote.example.fr/" + "a" * 2000, "trop longue"),
    ],
)
def test_a_service_url_follows_the_rules_cas_matches_with(url, words):
    messages = refusal(service_urls=["https://ok.example.fr/", url])
    assert set(messages) == {"service_urls[1]"} and words in messages["service_urls[1]"]


def test_at_most_twenty_service_urls():
    assert "Au plus 20" in refusal(service_urls=[f"https://s{n}.example.fr/" for n in range(21)])["service_urls"]


def test_an_unknown_attribute_is_named_with_the_allowed_ones():
    messages = refusal(service_urls=["https://a.fr/"], cas_attributes=["uid", "email", "NOM"])
    assert set(messages) == {"cas_attributes[1]", "cas_attributes[2]"}
    assert "uid, nom, prenom, mail, dateNaissance, FrEduCtPersonAffiliation" in messages["cas_attributes[1]"]
    from ent_accounts.cas.attributes import CATALOG

    too_many = refusal(service_urls=["https://a.fr/"], cas_attributes=["uid"] * (len(CATALOG) + 1))
    assert f"Au plus {len(CATALOG)} attributs" in too_many["cas_attributes"]


def test_what_belongs_to_one_protocol_needs_that_protocol():
    messages = refusal(
        service_urls=["https://a.fr/"],
        post_logout_redirect_uris=["https://a.fr/bye"],
        backchannel_logout_uri="https://a.fr/bcl",
        token_endpoint_auth_method="client_secret_post",
    )
    assert set(messages) == {"post_logout_redirect_uris", "backchannel_logout_uri", "token_endpoint_auth_method"}
    assert "pas de secret" in messages["token_endpoint_auth_method"]
    assert "redirect_uris" in messages["backchannel_logout_uri"]
    cas_attributes = refusal(redirect_uris=["https://a.fr/cb"], cas_attributes=["uid"])
    assert set(cas_attributes) == {"cas_attributes"} and "service_urls" in cas_attributes["cas_attributes"]
    # The initiate-login URI opens any service from /bureau: a CAS service may have one.
    assert cas(service_urls=["https://a.fr/"], initiate_login_uri="https://a.fr/login").initiate_login_uri


def test_a_pairwise_subject_and_cas_exclude_each_other():
    messages = refusal(redirect_uris=["https://a.fr/cb"], service_urls=["https://a.fr/"], pairwise_subject=True)
    assert set(messages) == {"pairwise_subject"} and "identifiant" in messages["pairwise_subject"]


def test_a_wrong_address_of_one_protocol_does_not_blame_the_other_fields():
    messages = refusal(redirect_uris=["https://a.fr/#x"], post_logout_redirect_uris=["https://a.fr/bye"])
    assert set(messages) == {"redirect_uris[0]"}
    messages = refusal(service_urls=["https://a.fr/?x"], cas_attributes=["uid"])
    assert set(messages) == {"service_urls[0]"}


@pytest.mark.parametrize(
    "url",
    [
        "https://pronote.example.fr/pronote/",
        "https://PRONOTE.Example.fr:443/pronote/",
        "https://pronote.example.fr",
        "http://127.0.0.1:3000/_dev/cas/",
        "http://[::1]:8080/cas",
        "http://localhost/cas",
    ],
)
def test_the_registrys_key_of_a_service_url_is_what_cas_matches_on(url):
    service = parse_service(url)
    host = f"[{service.host}]" if ":" in service.host else service.host
    assert service_url_key(url) == f"{service.scheme}://{host}:{service.port}{service.path}"
