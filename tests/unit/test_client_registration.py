"""The registry's rules, called as any caller of the layer would (the local demo registers its client this way)."""

from __future__ import annotations

import pytest

from ent_accounts.errors import InvalidRequest
from ent_accounts.sso.clients import AuthMethod, checked_registration, generated_client_id


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
