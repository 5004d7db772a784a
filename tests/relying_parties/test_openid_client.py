"""openid-client (npm, OpenID-certified) against the local server: discovery, the code flow with PKCE S256, state and
nonce, the ID token validated by the library against the JWKS, userinfo, and the failures an RP must see.

The pages between the authorization request and the redirect back are walked by plain HTTP (tests/support/walker.py:
cookies, redirects, the forms with their CSRF token), up to the redirect to the registered redirect URI, which is
never served: the library gets that URL, as a web application would receive it.
"""

from __future__ import annotations

import secrets

import pytest

from tests.relying_parties.helpers import (
    NEW_PASSWORD,
    OTHER_SCHOOL,
    SCHOOL,
    create_student,
    is_french_page,
    provider_missing,
    register_client,
    response_parameters,
    walk_first_connection,
    walk_sign_in,
)
from tests.support import openid_client
from tests.support.openid_client import OpenIdClient
from tests.support.walker import Walker

pytestmark = [
    pytest.mark.skipif(bool(openid_client.unavailable()), reason=openid_client.unavailable() or ""),
    pytest.mark.skipif(bool(provider_missing()), reason=provider_missing() or ""),
]

REDIRECT_URI = "http://127.0.0.1:9/openid-client/callback"  # port 9 (discard): never served, nor need it be
CLIENT_NAME = "ENT de test (openid-client)"


@pytest.fixture(scope="module")
def rp(server):
    registered = register_client(
        server,
        "openid-client-rp",
        CLIENT_NAME,
        [REDIRECT_URI],
        token_endpoint_auth_method="client_secret_basic",
    )
    client = OpenIdClient(server.url, "openid-client-rp", registered["client_secret"])
    yield client
    client.clean()


@pytest.fixture(scope="module")
def active_student(server, rp):
    """A student who did the first connection (through the client)."""
    student, attempt, callback = first_connection_callback(server, rp)
    assert rp.finish(attempt, callback)["ok"]
    return student


def first_connection_callback(server, rp) -> tuple:
    """A new student's first sign-in through the client (provisional password, then the first connection without
    an e-mail): the student, the attempt and the URL the provider redirected to."""
    student = create_student(server)
    walker = Walker()
    attempt = rp.start(REDIRECT_URI)
    walker.get(attempt.authorization_url, stop_at=REDIRECT_URI)
    walk_sign_in(walker, student.identifier, student.provisional_password, REDIRECT_URI)
    back = walk_first_connection(walker, student, REDIRECT_URI)
    assert back.location and back.location.startswith(REDIRECT_URI), walker.trail()
    return student, attempt, back.location


def signed_in_callback(rp, student, **options) -> tuple:
    """A fresh sign-in with the personal password: the attempt and the URL the provider redirected to."""
    walker = Walker()
    attempt = rp.start(REDIRECT_URI, **options)
    walker.get(attempt.authorization_url, stop_at=REDIRECT_URI)
    back = walk_sign_in(walker, student.identifier, NEW_PASSWORD, REDIRECT_URI)
    assert back.status in (302, 303) and back.location.startswith(REDIRECT_URI), walker.trail()
    return attempt, back.location, walker


def test_discovery_says_what_the_provider_does(server, rp):
    metadata = rp.metadata()  # openid-client checked that its issuer is the URL it was given, exactly
    assert metadata["issuer"] == server.url
    assert metadata["authorization_endpoint"] == server.url + "/oidc/authorize"
    assert metadata["token_endpoint"] == server.url + "/oidc/token"
    assert metadata["userinfo_endpoint"] == server.url + "/oidc/userinfo"
    assert metadata["jwks_uri"] == server.url + "/oidc/jwks.json"
    assert metadata["end_session_endpoint"] == server.url + "/oidc/logout"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert {"implicit", "password", "refresh_token"}.isdisjoint(metadata.get("grant_types_supported", []))
    assert metadata["backchannel_logout_supported"] is True
    assert metadata["backchannel_logout_session_supported"] is True


def test_first_connection_then_single_sign_on_then_the_personal_password(server, rp):
    student = create_student(server)
    walker = Walker()
    attempt = rp.start(REDIRECT_URI)

    page = walker.get(attempt.authorization_url, stop_at=REDIRECT_URI)
    assert page.status == 200 and is_french_page(page), walker.trail()
    assert CLIENT_NAME in page.text  # "Connexion à : …": the person sees which service asks
    walk_sign_in(walker, student.identifier, student.provisional_password, REDIRECT_URI)
    back = walk_first_connection(walker, student, REDIRECT_URI)
    assert back.location and back.location.startswith(REDIRECT_URI), walker.trail()
    assert response_parameters(back.location)["iss"] == server.url  # RFC 9207 (the library checks it too)

    signed_in = rp.finish(attempt, back.location)
    assert signed_in["ok"], signed_in
    claims = signed_in["id_token_claims"]
    assert claims["iss"] == server.url and claims["aud"] in ("openid-client-rp", ["openid-client-rp"])
    assert signed_in["id_token_header"]["alg"] == "RS256" and signed_in["id_token_header"]["kid"]
    assert claims["sub"] and student.identifier not in claims["sub"]
    assert claims["preferred_username"] == student.identifier
    assert (claims["given_name"], claims["family_name"]) == (student.first_name, student.last_name)
    assert claims["FrEduCtPersonAffiliation"] == ["eleve2d"]  # as EduConnect releases it: a list
    assert claims["FrEduCtEleveUAI"] == SCHOOL
    assert claims["sid"] and isinstance(claims["auth_time"], int)
    assert "email" not in claims  # none given at the first connection
    userinfo = signed_in["userinfo"]
    assert userinfo["sub"] == claims["sub"] and userinfo["preferred_username"] == student.identifier
    assert signed_in["refresh_token"] is None  # no refresh token outlives the session and its logout

    # Single sign-on: the session answers the next request at once, with no page, for the same person and session.
    again = rp.start(REDIRECT_URI, prompt="none", max_age=600)
    back = walker.get(again.authorization_url, stop_at=REDIRECT_URI)
    assert back.status in (302, 303) and back.location.startswith(REDIRECT_URI), walker.trail()
    silent = rp.finish(again, back.location)
    assert silent["ok"], silent
    assert silent["id_token_claims"]["sub"] == claims["sub"]
    assert silent["id_token_claims"]["sid"] == claims["sid"]
    assert silent["id_token_claims"]["auth_time"] == claims["auth_time"]  # no new sign-in happened

    # Later, on another machine: the personal password.
    attempt, callback, _ = signed_in_callback(rp, student)
    later = rp.finish(attempt, callback)
    assert later["ok"], later
    assert later["id_token_claims"]["sub"] == claims["sub"] and later["id_token_claims"]["sid"] != claims["sid"]


def test_prompt_none_without_a_session_answers_login_required_without_a_page(server, rp):
    walker = Walker()
    attempt = rp.start(REDIRECT_URI, prompt="none")
    back = walker.get(attempt.authorization_url, stop_at=REDIRECT_URI)
    assert len(walker.history) == 1, walker.trail()  # straight back: no sign-in page on the way
    refused = rp.finish(attempt, back.location)
    assert refused["ok"] is False and refused["name"] == "AuthorizationResponseError", refused
    assert refused["error"] == "login_required"


def test_a_code_presented_twice_is_refused_and_revokes_what_it_issued(server, rp, active_student):
    attempt, callback, _ = signed_in_callback(rp, active_student)
    first = rp.finish(attempt, callback)
    assert first["ok"], first
    assert rp.userinfo(first["access_token"], first["id_token_claims"]["sub"])["ok"]

    second = rp.finish(attempt, callback)
    assert second["ok"] is False and second["stage"] == "grant", second
    assert (second["status"], second["error"]) == (400, "invalid_grant")
    revoked = rp.userinfo(first["access_token"], first["id_token_claims"]["sub"])
    assert revoked["ok"] is False and revoked["status"] == 401, revoked


def test_a_wrong_verifier_gets_no_token(server, rp, active_student):
    attempt, callback, _ = signed_in_callback(rp, active_student)
    refused = rp.finish(attempt, callback, wrong_verifier=True)
    assert refused["ok"] is False and refused["stage"] == "grant", refused
    assert (refused["status"], refused["error"]) == (400, "invalid_grant")


def test_a_redirect_uri_other_than_the_codes_gets_no_token(server, rp, active_student):
    attempt, callback, _ = signed_in_callback(rp, active_student)
    refused = rp.finish(attempt, callback, token_redirect_uri="http://127.0.0.1:9/openid-client/other")
    assert refused["ok"] is False and refused["stage"] == "grant", refused
    assert (refused["status"], refused["error"]) == (400, "invalid_grant")


def test_an_unregistered_redirect_uri_gets_a_french_page_and_no_redirect(server, rp):
    walker = Walker()
    attempt = rp.start("http://127.0.0.1:9/not-registered")
    page = walker.get(attempt.authorization_url, stop_at="http://127.0.0.1:9/")
    assert page.status == 400 and not page.location, walker.trail()
    assert is_french_page(page)


def test_an_expired_code_gets_no_token(server, rp, active_student):
    attempt, callback, _ = signed_in_callback(rp, active_student)
    try:
        moved = server.request("POST", "/_dev/clock", {"advance": "PT90S"})
        assert moved.status == 200, moved.text
        refused = rp.finish(attempt, callback)
    finally:
        server.request("POST", "/_dev/clock", {"reset": True})
    assert refused["ok"] is False and refused["stage"] == "grant", refused
    assert (refused["status"], refused["error"]) == (400, "invalid_grant")


def test_a_wrong_client_secret_gets_no_token(server, rp, active_student):
    attempt, callback, _ = signed_in_callback(rp, active_student)
    refused = rp.finish(attempt, callback, secret=secrets.token_urlsafe(32))
    assert refused["ok"] is False and refused["stage"] == "grant", refused
    assert (refused["status"], refused["error"]) == (401, "invalid_client")


def test_a_student_of_a_school_the_client_does_not_serve_gets_a_page_and_no_code(server, rp):
    student = create_student(server, uai=OTHER_SCHOOL)
    walker = Walker()
    attempt = rp.start(REDIRECT_URI)
    walker.get(attempt.authorization_url, stop_at=REDIRECT_URI)
    walk_sign_in(walker, student.identifier, student.provisional_password, REDIRECT_URI)
    page = walker.page
    if page.status == 200 and 'name="new_password"' in page.text:  # the first connection may come before the refusal
        page = walk_first_connection(walker, student, REDIRECT_URI)
    assert not (page.location or "").startswith(REDIRECT_URI), walker.trail()
    assert page.status == 403 and is_french_page(page), walker.trail()


def test_a_public_client_signs_in_with_pkce_alone(server):
    register_client(
        server,
        "openid-client-public",
        "Application de test (publique)",
        [REDIRECT_URI],
        token_endpoint_auth_method="none",
    )
    public = OpenIdClient(server.url, "openid-client-public", auth="none")
    try:
        student, attempt, callback = first_connection_callback(server, public)
        assert public.finish(attempt, callback, wrong_verifier=True)["error"] == "invalid_grant"

        attempt, callback, _ = signed_in_callback(public, student)
        signed_in = public.finish(attempt, callback)
        assert signed_in["ok"], signed_in
        assert signed_in["id_token_claims"]["aud"] in ("openid-client-public", ["openid-client-public"])
    finally:
        public.clean()
