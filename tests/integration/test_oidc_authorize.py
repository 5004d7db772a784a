"""The authorization endpoint as relying parties and students meet it: discovery, the request's rules (RFC 9700:
code flow, PKCE S256, exact redirect URI; RFC 9207: iss), OIDC Core's nonce, prompt, max_age, login_hint, and
single sign-on across services."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pytest

from tests.integration.helpers import login
from tests.integration.oidc import code_from, log_in_on_the_page, sign_in, signed_in, sso_world, tokens
from tests.support.oidc import ISSUER, OTHER_REDIRECT_URI, REDIRECT_URI, Rp, RpBrowser, pkce, query_of, register
from tests.support.store_helpers import audit_events


@pytest.fixture
def rp(world):
    return sso_world(world)


def redirected_error(world, rp: Rp, **params) -> dict[str, str]:
    answer = world.call("GET", rp.authorize_url(**params))
    assert answer.status == 302, answer.text[:300]
    location = answer.header("Location")
    assert location.startswith(rp.redirect_uri + "?"), location
    return query_of(location)


def test_discovery_names_the_exact_issuer_and_only_what_is_supported(world, rp):
    answer = world.call("GET", "/.well-known/openid-configuration")
    assert answer.status == 200 and answer.header("Content-Type").startswith("application/json")
    meta = answer.json()
    assert meta["issuer"] == ISSUER  # exactly the base URL, no trailing slash
    for name, path in {
        "authorization_endpoint": "/oidc/authorize",
        "token_endpoint": "/oidc/token",
        "userinfo_endpoint": "/oidc/userinfo",
        "jwks_uri": "/oidc/jwks.json",
        "end_session_endpoint": "/oidc/logout",
    }.items():
        assert meta[name] == ISSUER + path
    assert meta["response_types_supported"] == ["code"]
    assert meta["response_modes_supported"] == ["query"]
    assert meta["grant_types_supported"] == ["authorization_code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["subject_types_supported"] == ["public", "pairwise"]
    assert meta["scopes_supported"] == ["openid", "profile", "email", "ent"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post", "none"}
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["backchannel_logout_supported"] is True and meta["backchannel_logout_session_supported"] is True
    assert {"sub", "sid", "auth_time", "nonce", "FrEduCtPersonAffiliation", "FrEduCtEleveUAI"} <= set(
        meta["claims_supported"]
    )
    # What Discovery 1.0 §3 assumes when a field is absent must not be claimed by silence: request_uri defaults to
    # supported, so it is said false, as the request object and the claims parameter.
    assert meta["request_parameter_supported"] is False and meta["request_uri_parameter_supported"] is False
    assert meta["claims_parameter_supported"] is False
    assert not meta.get("frontchannel_logout_supported")


def test_every_claim_released_is_announced_and_the_metadata_and_keys_are_cached_briefly(world, rp):
    import re

    _, answer, id_claims = tokens(world, rp)
    released = set(id_claims) | set(rp.userinfo(answer["access_token"]).json())
    announced = set(world.call("GET", "/.well-known/openid-configuration").json()["claims_supported"])
    assert released <= announced, released - announced
    assert {"given_name", "email_verified", "FrEduCtEleveUAI", "sid", "auth_time"} <= released
    for path in ("/.well-known/openid-configuration", "/oidc/jwks.json"):
        cache = world.call("GET", path).header("Cache-Control")
        # A relying party refetches within the hour: the rotation's one-day wait (README) is more than enough.
        assert "public" in cache and 0 < int(re.search(r"max-age=(\d+)", cache).group(1)) <= 3600, cache


def test_the_issuer_is_the_public_base_url_when_one_is_set(world, rp, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(
        world.services, "settings", replace(world.services.settings, public_base_url="https://comptes.ent.fr")
    )
    meta = world.call("GET", "/.well-known/openid-configuration").json()
    assert meta["issuer"] == "https://comptes.ent.fr" and meta["token_endpoint"] == "https://comptes.ent.fr/oidc/token"


@pytest.mark.parametrize(
    "params, error",
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),  # PKCE required
        ({"code_challenge_method": "plain"}, "invalid_request"),  # plain refused
        ({"code_challenge_method": None}, "invalid_request"),  # absent means plain
        ({"code_challenge": "trop-court"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),  # no implicit
        ({"response_type": "code id_token"}, "unsupported_response_type"),  # no hybrid
        ({"response_type": None}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),  # OpenID Connect only
        ({"response_mode": "fragment"}, "invalid_request"),
        ({"response_mode": "form_post"}, "invalid_request"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
        ({"request_uri": "https://ent.example.fr/r/1"}, "request_uri_not_supported"),
        ({"registration": '{"redirect_uris": ["https://ailleurs.example/"]}'}, "registration_not_supported"),
        ({"id_token_hint": "pas.un.jeton"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "jamais"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
    ],
)
def test_requests_outside_the_rules_are_refused_to_the_client_with_state_and_iss(world, rp, params, error):
    answer = redirected_error(world, rp, **params)
    assert answer["error"] == error
    assert answer["state"] == rp.state and answer["iss"] == ISSUER
    assert "code" not in answer and "error_description" in answer


def test_a_parameter_given_twice_is_refused(world, rp):
    url = rp.authorize_url() + "&scope=openid"
    answer = query_of(world.call("GET", url).header("Location"))
    assert answer["error"] == "invalid_request" and answer["iss"] == ISSUER


def test_an_error_description_never_carries_a_parameter_name_the_request_made_up(world, rp):
    from urllib.parse import quote

    url = rp.authorize_url() + "&" + "&".join([f"{quote('x"é\\')}=1"] * 2)
    answer = query_of(world.call("GET", url).header("Location"))
    assert answer["error"] == "invalid_request"
    # RFC 6749 §4.1.2.1: printable ASCII without '"' or '\\'.
    assert all(" " <= c <= "~" and c not in '"\\' for c in answer["error_description"]), answer


def test_an_error_without_state_carries_iss_and_no_state(world, rp):
    answer = redirected_error(world, rp, state=None, response_type="token")
    assert answer["error"] == "unsupported_response_type" and answer["iss"] == ISSUER and "state" not in answer


@pytest.mark.parametrize(
    "params",
    [
        {"redirect_uri": REDIRECT_URI + "/"},  # exact match only: not a prefix, not a normalised form
        {"redirect_uri": REDIRECT_URI.upper()},
        {"redirect_uri": REDIRECT_URI + "?next=/"},
        {"redirect_uri": "https://pirate.example/oidc/callback"},
        {"redirect_uri": None},
        {"client_id": "inconnu"},
        {"client_id": None},
        {"client_id": "Pas Un Identifiant!"},
    ],
)
def test_a_bad_client_or_redirect_uri_gets_a_french_page_and_no_redirect(world, rp, params):
    answer = world.call("GET", rp.authorize_url(**params))
    assert answer.status == 400 and answer.header("Location") is None
    assert answer.header("Content-Type").startswith("text/html") and '<html lang="fr"' in answer.text
    assert "la connexion ne peut pas aboutir" in answer.text


def test_two_client_ids_get_a_french_page(world, rp):
    answer = world.call("GET", rp.authorize_url() + "&client_id=autre-ent")
    assert answer.status == 400 and answer.header("Location") is None


def test_without_a_session_the_request_waits_server_side_and_the_login_page_names_the_service(world, rp):
    browser = RpBrowser(world)
    first = world.call("GET", rp.authorize_url())
    assert first.status == 302 and first.header("Location") == ISSUER + "/connexion"  # nothing of the request
    [cookie] = [c for c in first.headers["set-cookie"] if c.startswith("__Host-sign_in=")]
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"))
    assert rp.state not in cookie and "ent-occitanie" not in cookie  # an opaque reference
    page = browser.get(rp.authorize_url())
    assert page.status == 200 and "Connexion à : <strong>ENT Occitanie</strong>" in page.text
    assert "form-action 'self' https://ent.example.fr;" in page.header("Content-Security-Policy")
    log_in_on_the_page(browser)
    assert code_from(browser, rp)


def test_the_login_page_without_a_service_allows_only_its_own_origin(world, rp):
    page = RpBrowser(world).get("/connexion")
    assert "Connexion à" not in page.text and "form-action 'self';" in page.header("Content-Security-Policy")


def test_a_stale_sign_in_reference_is_forgotten_by_the_login_page(world, rp):
    browser = RpBrowser(world)
    browser.get(rp.authorize_url())
    world.clock.advance(minutes=31)  # SIGN_IN_REQUEST_MINUTES
    page = browser.get("/connexion")
    assert "Connexion à" not in page.text and "__Host-sign_in" not in browser.cookies
    log_in_on_the_page(browser)
    assert browser.page.status == 200 and browser.left_to is None  # the desk: no service waited any more


def test_login_hint_prefills_the_identifier(world, rp):
    page = RpBrowser(world).get(rp.authorize_url(login_hint="JDupont12"))
    assert 'id="identifier" name="identifier" type="text" value="jdupont12"' in page.text


def test_the_code_gives_an_id_token_with_the_nonce_sid_auth_time_and_the_scopes_claims(world, rp):
    _, answer, claims = tokens(world, rp)
    assert claims["iss"] == ISSUER and claims["aud"] == "ent-occitanie"
    assert claims["nonce"] == rp.nonce
    assert claims["auth_time"] == int(world.clock.now().timestamp())
    assert claims["sid"] and claims["amr"] == ["pwd"]
    assert claims["exp"] - claims["iat"] == 5 * 60
    assert claims["sub"] != "jdupont12" and claims["sub"] == world.store.get_account("jdupont12").subject
    assert claims["given_name"] == "Jeanne" and claims["family_name"] == "Dupont"
    assert claims["preferred_username"] == "jdupont12"
    assert claims["email"] == "jeanne@laposte.net" and claims["email_verified"] is True
    assert claims["FrEduCtPersonAffiliation"] == ["eleve2d"] and claims["FrEduCtEleveUAI"] == "0341234A"
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 300 and "refresh_token" not in answer
    info = rp.userinfo(answer["access_token"]).json()
    assert info["sub"] == claims["sub"] and info["FrEduCtEleveUAI"] == "0341234A"


def test_without_a_nonce_the_id_token_has_none(world, rp):
    _, _, claims = tokens(world, rp, nonce=None)
    assert "nonce" not in claims


def test_prompt_none_without_a_session_answers_login_required_without_a_page(world, rp):
    answer = redirected_error(world, rp, prompt="none")
    assert answer["error"] == "login_required" and answer["state"] == rp.state and answer["iss"] == ISSUER


def test_prompt_none_with_a_session_answers_a_code_at_once(world, rp):
    browser = signed_in(world)
    browser.get(rp.authorize_url(prompt="none"))
    assert code_from(browser, rp)


def test_an_id_token_hint_of_the_person_signed_in_is_answered_at_once_even_expired(world, rp):
    browser, answer, _ = tokens(world, rp)
    world.clock.advance(minutes=10)  # the ID token expired 5 minutes ago: the person it names is what counts
    browser.get(rp.authorize_url(prompt="none", id_token_hint=answer["id_token"]))
    assert code_from(browser, rp)


def test_prompt_none_for_another_person_than_the_id_token_hint_is_login_required(world, rp):
    _, answer, _ = tokens(world, rp)  # jdupont12's ID token
    world.provision("amartin")
    world.activate("amartin")
    browser = signed_in(world, "amartin")  # the same browser is now someone else's
    browser.get(rp.authorize_url(prompt="none", id_token_hint=answer["id_token"]))
    assert query_of(browser.left_to)["error"] == "login_required" and "code" not in query_of(browser.left_to)


def test_an_id_token_hint_of_another_person_asks_the_password_and_gives_a_code_to_that_person_only(world, rp):
    _, answer, first = tokens(world, rp)
    world.provision("amartin")
    world.activate("amartin")
    browser = signed_in(world, "amartin")
    page = browser.get(rp.authorize_url(id_token_hint=answer["id_token"]))
    assert page.status == 200 and "Connexion à" in page.text and browser.left_to is None  # not amartin's code
    log_in_on_the_page(browser, "amartin")
    assert query_of(browser.left_to)["error"] == "login_required"
    browser.get(rp.authorize_url(id_token_hint=answer["id_token"]))
    log_in_on_the_page(browser, "jdupont12")
    assert rp.id_token(rp.token(code_from(browser, rp)))["sub"] == first["sub"]


def test_an_id_token_hint_issued_to_another_client_is_invalid_request(world, rp):
    _, answer, _ = tokens(world, rp)
    client, secret = register(world.store, "pronote-like", name="Vie scolaire")
    other = Rp(world, client, secret)
    error = redirected_error(world, other, id_token_hint=answer["id_token"])
    assert error["error"] == "invalid_request" and error["state"] == other.state


def test_a_second_service_signs_in_without_a_page(world, rp):
    browser, code = sign_in(world, rp)
    assert rp.token(code).status == 200
    other_client, other_secret = register(world.store, "pronote-like", name="Vie scolaire")
    other = Rp(world, other_client, other_secret)
    page = browser.get(other.authorize_url())
    assert page.status == 302 and browser.left_to  # straight back to the second service, no page
    second = other.token(code_from(browser, other))
    assert other.id_token(second)["aud"] == "pronote-like"


def test_both_services_see_the_same_session_id(world, rp):
    browser, _, first = tokens(world, rp)
    other_client, other_secret = register(world.store, "pronote-like", name="Vie scolaire")
    other = Rp(world, other_client, other_secret)
    browser.get(other.authorize_url())
    second = other.id_token(other.token(code_from(browser, other)))
    assert second["sid"] == first["sid"] and second["sub"] == first["sub"]  # public subject: the same


def test_a_pairwise_client_gets_its_own_sub(world, rp):
    browser, _, first = tokens(world, rp)
    client, secret = register(world.store, "appli-pairwise", pairwise_subject=True)
    other = Rp(world, client, secret)
    browser.get(other.authorize_url())
    second = other.id_token(other.token(code_from(browser, other)))
    assert second["sub"] != first["sub"] and len(second["sub"]) == 43
    browser.get(other.authorize_url())
    assert other.id_token(other.token(code_from(browser, other)))["sub"] == second["sub"]  # stable


def test_prompt_login_asks_the_password_again_and_auth_time_is_fresh(world, rp):
    browser, _, first = tokens(world, rp)
    world.clock.advance(minutes=10)
    page = browser.get(rp.authorize_url(prompt="login"))
    assert page.status == 200 and "Connexion à" in page.text and browser.left_to is None
    log_in_on_the_page(browser)
    claims = rp.id_token(rp.token(code_from(browser, rp)))
    assert claims["auth_time"] == first["auth_time"] + 600
    assert claims["sid"] == first["sid"]  # the same session, its password proven again


def test_max_age_asks_the_password_again_only_when_the_proof_is_older(world, rp):
    browser, _, first = tokens(world, rp)
    world.clock.advance(minutes=5)
    browser.get(rp.authorize_url(max_age="600"))
    assert rp.id_token(rp.token(code_from(browser, rp)))["auth_time"] == first["auth_time"]  # 300 s ≤ 600
    page = browser.get(rp.authorize_url(max_age="120"))
    assert page.status == 200 and "Connexion à" in page.text
    log_in_on_the_page(browser)
    assert rp.id_token(rp.token(code_from(browser, rp)))["auth_time"] == first["auth_time"] + 300


def test_max_age_with_prompt_none_and_an_old_session_is_login_required(world, rp):
    browser = signed_in(world)
    world.clock.advance(minutes=5)
    browser.get(rp.authorize_url(prompt="none", max_age="60"))
    assert query_of(browser.left_to)["error"] == "login_required"


def test_a_student_of_a_school_the_client_does_not_serve_gets_a_french_page_and_no_code(world, rp):
    client, secret = register(world.store, "ent-ailleurs", schools=frozenset({"0759999Z"}))
    other = Rp(world, client, secret)
    browser = signed_in(world)
    page = browser.get(other.authorize_url())
    assert page.status == 403 and browser.left_to is None
    assert "Ce service n'est pas ouvert aux comptes de ton établissement" in html.unescape(page.text)
    events = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "sign_in_refused"]
    assert events[-1]["reason"] == "school_not_served" and events[-1]["client_id"] == "ent-ailleurs"
    browser.get(other.authorize_url(prompt="none"))
    assert query_of(browser.left_to)["error"] == "access_denied"


def test_a_client_for_all_schools_serves_every_account(world, rp):
    client, secret = register(world.store, "national", schools=frozenset(), all_schools=True)
    other = Rp(world, client, secret)
    browser = signed_in(world)
    browser.get(other.authorize_url())
    assert code_from(browser, other)


def test_a_locked_account_gets_no_code(world, rp):
    browser = signed_in(world)
    for _ in range(5):
        login(world, "jdupont12", "Mauvais-Mot-1")
    page = browser.get(rp.authorize_url())
    assert page.status == 429 and browser.left_to is None and "Trop de tentatives" in page.text
    events = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "sign_in_refused"]
    assert events[-1]["reason"] == "account_locked"


def test_a_locked_account_under_prompt_none_is_login_required_without_a_page(world, rp):
    browser = signed_in(world)
    for _ in range(5):
        login(world, "jdupont12", "Mauvais-Mot-1")
    answer = browser.get(rp.authorize_url(prompt="none"))
    assert answer.status == 302 and query_of(browser.left_to)["error"] == "login_required"
    assert "code" not in query_of(browser.left_to)


def test_an_account_reset_by_its_school_gets_no_code_from_its_old_session(world, rp):
    from ent_accounts.flows.school import reset_by_school

    browser = signed_in(world)
    reset_by_school(world.services, "0341234A", "jdupont12", "req", "arn:aws:iam::1:user/ops")  # back to PROVISIONED
    page = browser.get(rp.authorize_url())
    assert page.status == 200 and "Connexion à" in page.text and browser.left_to is None  # the password again


def test_every_code_issued_is_audited_with_the_client_and_never_a_secret(world, rp):
    _, code = sign_in(world, rp)
    events = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "signed_in_to_client"]
    assert events[-1]["client_id"] == "ent-occitanie"
    assert not any(code in str(value) for event in audit_events(world.store, "jdupont12") for value in event.values())


def test_an_account_without_a_subject_gets_one_at_its_first_sign_in_and_keeps_it(world):
    install = sso_world(world)
    world.provision("ancien", subject=None)
    world.activate("ancien")
    assert world.store.get_account("ancien").subject is None
    browser = RpBrowser(world)
    browser.get(install.authorize_url())
    log_in_on_the_page(browser, "ancien")
    first = install.id_token(install.token(code_from(browser, install)))
    subject = world.store.get_account("ancien").subject
    assert subject and first["sub"] == subject
    browser.get(install.authorize_url())
    assert install.id_token(install.token(code_from(browser, install)))["sub"] == subject


def test_a_post_authorization_request_without_the_session_cookie_is_decided_after_a_get(world, rp):
    browser = signed_in(world)
    verifier, challenge = pkce()
    rp.verifier, rp.state = verifier, "etat-post"
    form = {
        "response_type": "code",
        "client_id": "ent-occitanie",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "etat-post",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    # A cross-site POST: SameSite=Lax keeps the session cookie out; the sign_in cookie comes back to /oidc/continue.
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}
    answer = world.call("POST", "/oidc/authorize", urlencode(form), headers)
    assert answer.status == 303 and answer.header("Location") == ISSUER + "/oidc/continue"
    browser._keep_cookies(answer)
    browser.get("/oidc/continue")
    assert rp.token(code_from(browser, rp)).status == 200


def test_the_other_registered_redirect_uri_works_exactly(world, rp):
    rp.redirect_uri = OTHER_REDIRECT_URI
    _, code = sign_in(world, rp)
    assert rp.token(code).status == 200
