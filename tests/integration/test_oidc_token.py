"""The token endpoint and userinfo as relying parties call them: codes single-use, 60 s, bound to the client, the
redirect URI and the PKCE verifier; client authentication by the registered method; opaque access tokens for
userinfo only; the DynamoDB requests and KMS calls each step costs."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus, urlencode

import pytest

from ent_accounts.sso.clients import AuthMethod, Client, hash_secret
from tests.integration.helpers import dynamodb_requests
from tests.integration.oidc import code_from, confirmed, log_in_on_the_page, sign_in, signed_in, sso_world
from tests.support.oidc import OTHER_REDIRECT_URI, REDIRECT_URI, Rp, RpBrowser, basic, register, verify_id_token
from tests.support.store_helpers import audit_events


@pytest.fixture
def rp(world):
    return sso_world(world)


def error_of(answer) -> str:
    assert answer.header("Content-Type").startswith("application/json"), answer.text[:200]
    return answer.json()["error"]


def test_a_token_answer_is_never_cached_and_holds_no_refresh_token(world, rp):
    _, code = sign_in(world, rp)
    answer = rp.token(code)
    assert answer.status == 200
    assert answer.header("Cache-Control") == "no-store" and answer.header("Pragma") == "no-cache"
    assert set(answer.json()) == {"access_token", "token_type", "expires_in", "id_token", "scope"}
    assert answer.json()["scope"] == "openid profile email ent"


def test_the_id_token_is_rs256_with_the_kid_of_a_published_key(world, rp):
    _, code = sign_in(world, rp)
    token = rp.token(code).json()["id_token"]
    jwks = world.call("GET", "/oidc/jwks.json").json()
    header, _ = verify_id_token(token, jwks)
    assert header["alg"] == "RS256" and header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert header["typ"] == "JWT"


def test_a_code_works_once_and_presenting_it_again_revokes_its_access_token(world, rp):
    _, code = sign_in(world, rp)
    first = rp.token(code)
    access_token = first.json()["access_token"]
    assert rp.userinfo(access_token).status == 200
    again = rp.token(code)
    assert again.status == 400 and error_of(again) == "invalid_grant"
    refused = rp.userinfo(access_token)
    assert refused.status == 401 and 'error="invalid_token"' in refused.header("WWW-Authenticate")
    reasons = [e.get("reason") for e in audit_events(world.store, "jdupont12") if e["type"] == "sign_in_refused"]
    assert reasons == ["code_presented_again"]


def test_a_code_presented_again_after_its_60_seconds_still_revokes(world, rp):
    _, code = sign_in(world, rp)
    access_token = rp.token(code).json()["access_token"]
    world.clock.advance(seconds=90)  # the code's 60 s are over; its record lives as long as its access token
    assert error_of(rp.token(code)) == "invalid_grant"
    assert rp.userinfo(access_token).status == 401


def test_a_code_lives_60_seconds(world, rp):
    _, code = sign_in(world, rp)
    world.clock.advance(seconds=60)
    answer = rp.token(code)
    assert answer.status == 400 and error_of(answer) == "invalid_grant"


def test_a_code_just_before_60_seconds_works(world, rp):
    _, code = sign_in(world, rp)
    world.clock.advance(seconds=59)
    assert rp.token(code).status == 200


def test_a_code_is_bound_to_its_client(world, rp):
    _, code = sign_in(world, rp)
    client, secret = register(world.store, "autre-ent")
    thief = Rp(world, client, secret, verifier=rp.verifier)
    assert error_of(thief.token(code)) == "invalid_grant"
    assert rp.token(code).status == 200  # the rightful client still can


def test_a_code_is_bound_to_its_redirect_uri(world, rp):
    _, code = sign_in(world, rp)
    assert error_of(rp.token(code, redirect_uri=OTHER_REDIRECT_URI)) == "invalid_grant"  # registered, but not its own
    assert error_of(rp.token(code, redirect_uri="")) == "invalid_request"
    assert rp.token(code).status == 200


def test_a_code_is_bound_to_its_pkce_verifier(world, rp):
    _, code = sign_in(world, rp)
    wrong = "x" * 43
    assert error_of(rp.token(code, verifier=wrong)) == "invalid_grant"
    assert error_of(rp.token(code, verifier="")) == "invalid_request"
    assert error_of(rp.token(code, verifier="court")) == "invalid_request"
    assert rp.token(code).status == 200


def test_a_real_code_refused_is_in_the_accounts_audit_trail_with_why(world, rp):
    _, code = sign_in(world, rp)
    rp.token(code, verifier="x" * 43)
    rp.token(code, redirect_uri=OTHER_REDIRECT_URI)
    refused = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "sign_in_refused"]
    assert [e["reason"] for e in refused] == ["pkce_mismatch", "redirect_uri_mismatch"]
    assert {e["client_id"] for e in refused} == {"ent-occitanie"}


@pytest.mark.parametrize("code", ["", "abc", "x" * 43])
def test_an_unknown_or_malformed_code_is_refused(world, rp, code):
    answer = rp.token(code)
    assert answer.status == 400 and error_of(answer) in ("invalid_grant", "invalid_request")


def test_client_secret_basic_form_urlencodes_the_id_and_secret(world, rp):
    secret = "s3cr+t/:é="  # what RFC 6749 §2.3.1's encoding exists for
    client = Client(
        "ent-special", "ENT", (REDIRECT_URI,), schools=frozenset({"0341234A"}), secret_hashes=(hash_secret(secret),)
    )
    world.store.create_client(client)
    special = Rp(world, client, secret)
    browser = signed_in(world)
    browser.get(special.authorize_url())
    code = code_from(browser, special)
    raw = base64.b64encode(f"ent-special:{secret}".encode()).decode()  # not form-urlencoded: '+' reads as a space
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": special.verifier,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {raw}"}
    refused = world.call("POST", "/oidc/token", urlencode(form), headers)
    assert refused.status == 401 and refused.header("WWW-Authenticate").startswith("Basic")
    headers["Authorization"] = basic("ent-special", secret)
    assert world.call("POST", "/oidc/token", urlencode(form), headers).status == 200
    assert quote_plus(secret) != secret


def test_a_wrong_secret_is_invalid_client_with_www_authenticate_for_basic(world, rp):
    _, code = sign_in(world, rp)
    rp.secret = "pas-le-bon-secret"
    answer = rp.token(code)
    assert answer.status == 401 and error_of(answer) == "invalid_client"
    assert answer.header("WWW-Authenticate") == 'Basic realm="ENT"'


def test_a_confidential_client_must_use_its_registered_method(world, rp):
    _, code = sign_in(world, rp)
    as_post = rp.token(code, auth="post")  # registered for client_secret_basic
    assert (
        as_post.status == 401 and error_of(as_post) == "invalid_client" and as_post.header("WWW-Authenticate") is None
    )
    assert error_of(rp.token(code, auth="none")) == "invalid_client"
    assert rp.token(code).status == 200


def test_client_secret_post(world):
    rp = sso_world(world, client_id="ent-post", method=AuthMethod.CLIENT_SECRET_POST)
    _, code = sign_in(world, rp)
    assert error_of(rp.token(code, auth="basic")) == "invalid_client"
    assert rp.token(code, auth="post").status == 200


def test_a_public_client_authenticates_with_pkce_alone(world):
    rp = sso_world(world, client_id="appli-mobile", method=AuthMethod.NONE)
    _, code = sign_in(world, rp)
    with_secret = rp.token(code, auth="none", client_secret="invente")
    assert error_of(with_secret) == "invalid_client"  # a public client has no secret to present
    assert error_of(rp.token(code, auth="none", verifier="y" * 43)) == "invalid_grant"
    assert rp.token(code, auth="none").status == 200


def test_two_authentication_methods_at_once_are_refused(world, rp):
    _, code = sign_in(world, rp)
    answer = rp.token(code, client_secret=rp.secret)  # Basic and the body at once
    assert answer.status == 400 and error_of(answer) == "invalid_request"


@pytest.mark.parametrize(
    "form, error",
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
    ],
)
def test_only_the_authorization_code_grant_exists(world, rp, form, error):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic("ent-occitanie", rp.secret)}
    answer = world.call("POST", "/oidc/token", urlencode(form), headers)
    assert answer.status == 400 and error_of(answer) == error


def test_a_repeated_parameter_is_invalid_request_with_a_description_in_plain_ascii(world, rp):
    _, code = sign_in(world, rp)
    form = urlencode({"grant_type": "authorization_code", "code": code}) + "&%22%C3%A9=1&%22%C3%A9=2"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic("ent-occitanie", rp.secret)}
    answer = world.call("POST", "/oidc/token", form, headers)
    assert answer.status == 400 and error_of(answer) == "invalid_request"
    assert all(" " <= c <= "~" and c not in '"\\' for c in answer.json()["error_description"]), answer.json()


def test_a_json_body_is_refused(world, rp):
    answer = world.call("POST", "/oidc/token", {"grant_type": "authorization_code"})
    assert answer.status == 400 and error_of(answer) == "invalid_request"


def test_an_unknown_client_is_invalid_client(world, rp):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic("inconnu", "secret")}
    form = urlencode({"grant_type": "authorization_code", "code": "x" * 43})
    answer = world.call("POST", "/oidc/token", form, headers)
    assert answer.status == 401 and error_of(answer) == "invalid_client"


def test_a_code_of_a_client_removed_since_gives_no_tokens(world, rp):
    from ent_accounts.flows import clients

    _, code = sign_in(world, rp)
    clients.delete(world.services, "ent-occitanie", "req", "arn:aws:iam::1:user/ops")
    answer = rp.token(code)
    assert answer.status == 401 and error_of(answer) == "invalid_client"
    assert "access_token" not in answer.json()


def test_a_code_of_a_session_that_ended_gives_no_tokens(world, rp):
    browser, code = sign_in(world, rp)
    browser.get("/bureau")
    browser.post("/deconnexion", {})  # the session ends before the service redeems the code
    answer = rp.token(code)
    assert answer.status == 400 and error_of(answer) == "invalid_grant"


def test_the_token_exchange_records_the_client_on_the_session(world, rp):
    from ent_accounts.codes import hash_token

    browser, code = sign_in(world, rp)
    session_hash = hash_token(browser.cookies["__Host-session"])
    assert world.store.get_session(session_hash).clients == frozenset()  # a code alone: not yet
    rp.token(code)
    assert world.store.get_session(session_hash).clients == {"ent-occitanie"}


# --- userinfo ------------------------------------------------------------------------------------------------------


def test_userinfo_answers_the_claims_of_the_scopes_granted(world, rp):
    _, code = sign_in(world, rp, scope="openid")
    answer = rp.token(code)
    info = rp.userinfo(answer.json()["access_token"])
    assert info.status == 200 and info.header("Cache-Control") == "no-store"
    assert set(info.json()) == {"sub"}


def test_userinfo_by_post_form_and_the_email_only_when_validated(world, rp):
    world.provision("amartin")
    world.activate("amartin")  # no e-mail at all
    browser = RpBrowser(world)
    browser.get(rp.authorize_url(scope="openid email profile"))
    log_in_on_the_page(browser, "amartin")
    token = rp.token(code_from(browser, rp)).json()["access_token"]
    form = urlencode({"access_token": token})
    answer = world.call("POST", "/oidc/userinfo", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200
    assert "email" not in answer.json() and "email_verified" not in answer.json()
    assert answer.json()["preferred_username"] == "amartin"


def test_userinfo_without_a_token_or_with_a_bad_one(world, rp):
    missing = world.call("GET", "/oidc/userinfo")
    assert missing.status == 401 and missing.header("WWW-Authenticate") == 'Bearer realm="ENT"'
    forged = world.call("GET", "/oidc/userinfo", headers={"Authorization": "Bearer " + "z" * 43})
    assert forged.status == 401 and 'error="invalid_token"' in forged.header("WWW-Authenticate")
    basic_auth = world.call("GET", "/oidc/userinfo", headers={"Authorization": "Basic eDp5"})
    assert basic_auth.status == 401


def test_an_access_token_expires_after_5_minutes_and_is_no_session_token(world, rp):
    _, code = sign_in(world, rp)
    access_token = rp.token(code).json()["access_token"]
    assert world.call("GET", "/api/account", headers={"Authorization": f"Bearer {access_token}"}).status == 401
    world.clock.advance(minutes=5)
    assert rp.userinfo(access_token).status == 401


def _userinfo_refused(rp, access_token) -> str:
    """The error_description of a refused userinfo call (401 invalid_token, as RFC 6750 §3.1 says)."""
    answer = rp.userinfo(access_token)
    assert answer.status == 401 and 'error="invalid_token"' in answer.header("WWW-Authenticate"), answer.text
    return answer.json()["error_description"]


@pytest.mark.parametrize("logout", ["/oidc/logout", "/deconnexion"])
def test_an_access_token_is_refused_at_once_when_its_session_ends(world, rp, logout):
    browser, code = sign_in(world, rp)
    access_token = rp.token(code).json()["access_token"]
    assert rp.userinfo(access_token).status == 200
    if logout == "/deconnexion":
        browser.get("/bureau")
        browser.post(logout, {})
    else:
        confirmed(browser, browser.get(logout))  # no ID token of this session: the person confirms
    assert "session" in _userinfo_refused(rp, access_token)  # not 5 minutes later: now


def test_an_access_token_is_refused_once_the_password_was_reset_by_the_school(world, rp):
    from ent_accounts.flows.school import reset_by_school

    _, code = sign_in(world, rp)
    access_token = rp.token(code).json()["access_token"]
    reset_by_school(world.services, "0341234A", "jdupont12", "req", "arn:aws:iam::1:user/ops")
    assert "session" in _userinfo_refused(rp, access_token)


def test_an_access_token_of_a_removed_client_is_refused(world, rp):
    from ent_accounts.flows import clients

    _, code = sign_in(world, rp)
    access_token = rp.token(code).json()["access_token"]
    clients.delete(world.services, "ent-occitanie", "req", "arn:aws:iam::1:user/ops")
    assert "client" in _userinfo_refused(rp, access_token)


def test_an_access_token_is_refused_once_its_client_stops_serving_the_school(world, rp):
    from dataclasses import replace

    _, code = sign_in(world, rp)
    access_token = rp.token(code).json()["access_token"]
    current = world.store.get_client("ent-occitanie")
    world.store.replace_client(replace(current, schools=frozenset({"0751234B"})), current.version)
    assert "client" in _userinfo_refused(rp, access_token)


# --- what each step costs ----------------------------------------------------------------------------------------


def test_requests_per_authorize_continue_and_token_exchange(world, rp):
    browser = RpBrowser(world)
    _, without_session = dynamodb_requests(world, lambda: world.call("GET", rp.authorize_url()))
    assert without_session == ["BatchGetItem", "PutItem"]  # the client; the pending sign-in
    answer = world.call("GET", rp.authorize_url())
    browser._keep_cookies(answer)
    browser.get("/connexion")
    _, login = dynamodb_requests(world, lambda: log_in_on_the_page(browser))
    # The login's own three (account + counter, the claim, the session), then /oidc/continue's three.
    assert login == [
        "BatchGetItem",
        "UpdateItem",
        "BatchWriteItem",
        "BatchGetItem",
        "BatchGetItem",
        "TransactWriteItems",
    ]
    code = code_from(browser, rp)
    (_, exchange), kms = _kms_calls(world, lambda: dynamodb_requests(world, lambda: rp.token(code)))
    assert exchange == ["BatchGetItem", "TransactWriteItems"]
    assert kms == ["Sign"]  # one KMS call per token exchange
    (_, with_session), kms = _kms_calls(
        world, lambda: dynamodb_requests(world, lambda: browser.get(rp.authorize_url()))
    )
    assert with_session == ["BatchGetItem", "BatchGetItem", "TransactWriteItems"]
    assert kms == []  # nothing is signed at the authorization endpoint
    access_token = rp.token(code_from(browser, rp)).json()["access_token"]
    (_, info), kms = _kms_calls(world, lambda: dynamodb_requests(world, lambda: rp.userinfo(access_token)))
    assert info == ["GetItem", "BatchGetItem"]  # the token, then its session, account and client
    assert kms == []


def _kms_calls(world, action):
    return world.kms_requests(action)
