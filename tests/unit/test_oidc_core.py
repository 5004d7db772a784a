"""The protocol core's pure rules: the claims each scope releases (EduConnect's names and shapes), pairwise
subjects, S256, the Basic credentials of RFC 6749 §2.3.1, and the CSP origin a page may add."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.oidc.claims import scope_claims, subject_for
from ent_accounts.oidc.tokens import TokenError, presented_credentials, s256
from ent_accounts.sso.clients import AuthMethod, Client
from ent_accounts.web.pages import content_security_policy

ALL = ("openid", "profile", "email", "ent")


def account(**changes) -> Account:
    values = dict(identifier="jdupont12", uai="0341234A", role=Role.STUDENT, first_name="Jeanne", last_name="Dupont")
    values.update(changes)
    return Account(**values, status=Status.ACTIVE)


def test_a_student_gets_educonnect_names_and_shapes():
    claims = scope_claims(account(school_class="4e B", email="j@laposte.net", email_verified=True), ALL)
    assert claims == {
        "given_name": "Jeanne",
        "family_name": "Dupont",
        "preferred_username": "jdupont12",
        "email": "j@laposte.net",
        "email_verified": True,
        "FrEduCtPersonAffiliation": ["eleve2d"],
        "FrEduCtEleveUAI": "0341234A",
        "ENTEleveClasses": ["4e B"],
    }


def test_a_parent_is_resp2d_without_a_students_school_or_class():
    claims = scope_claims(account(role=Role.PARENT, school_class="4e B"), ("openid", "ent"))
    assert claims == {"FrEduCtPersonAffiliation": ["resp2d"]}  # the children (and their schools): issue 17


def test_an_unvalidated_address_is_never_released():
    pending = account(email="j@laposte.net", email_verified=False, pending_email="k@laposte.net")
    assert scope_claims(pending, ("openid", "email")) == {}


def test_openid_alone_releases_nothing_but_sub():
    assert scope_claims(account(), ("openid",)) == {}


def test_pairwise_sub_is_the_sha256_of_the_salt_and_subject_and_public_sub_the_subject():
    public = Client("a-ent", "A", ("https://a/cb",))
    pairwise = Client("b-ent", "B", ("https://b/cb",), pairwise_subject=True, subject_salt="sel")
    assert subject_for(public, "sujet") == "sujet"
    expected = base64.urlsafe_b64encode(hashlib.sha256(b"selsujet").digest()).rstrip(b"=").decode()
    assert subject_for(pairwise, "sujet") == expected
    other = Client("c-ent", "C", ("https://c/cb",), pairwise_subject=True, subject_salt="autre")
    assert subject_for(other, "sujet") != expected


def test_s256_matches_rfc_7636_appendix_b():
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_basic_credentials_are_form_urldecoded():
    raw = base64.b64encode(b"ent%2Eoccitanie:s%3Acr+t").decode()
    credentials = presented_credentials({}, f"Basic {raw}")
    assert (credentials.client_id, credentials.secret) == ("ent.occitanie", "s:cr t")
    assert credentials.method is AuthMethod.CLIENT_SECRET_BASIC


@pytest.mark.parametrize("header", ["Basic pas-du-base64!", "Basic " + base64.b64encode(b"sans-deux-points").decode()])
def test_malformed_basic_credentials_are_invalid_client_with_www_authenticate(header):
    with pytest.raises(TokenError) as refused:
        presented_credentials({}, header)
    assert refused.value.status == 401 and refused.value.headers["WWW-Authenticate"].startswith("Basic")


def test_a_page_adds_only_a_plain_origin_to_form_action():
    assert "form-action 'self' https://ent.example.fr;" in content_security_policy(("https://ent.example.fr",))
    injected = content_security_policy(("https://x.fr; script-src *",))
    assert "script-src *" not in injected and "form-action 'self';" in injected
