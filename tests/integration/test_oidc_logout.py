"""Logout: RP-initiated (id_token_hint, a registered post_logout_redirect_uri, state), the service's own logout, and
what single logout must tell the services signed in through the session (sso.logout.ending_session)."""

from __future__ import annotations

import pytest

from ent_accounts.sso.logout import ending_session
from local.harness import LOGOUT_QUEUE
from tests.integration.helpers import login
from tests.integration.oidc import code_from, confirmed, sign_in, signed_in, sso_world, tokens
from tests.support.oidc import ISSUER, Rp, TestSigner, query_of, register
from tests.support.store_helpers import audit_events

POST_LOGOUT = "https://ent.example.fr/au-revoir"


@pytest.fixture
def rp(world):
    return sso_world(world, post_logout_redirect_uris=(POST_LOGOUT,))


def session_lives(world, browser, rp) -> bool:
    """Whether the browser's session still signs it in to the service without a page."""
    browser.get(rp.authorize_url(prompt="none"))
    return "code" in query_of(browser.left_to)


def logout_url(**params) -> str:
    from urllib.parse import urlencode

    return "/oidc/logout" + (f"?{urlencode(params)}" if params else "")


def test_rp_initiated_logout_ends_the_session_and_returns_to_the_registered_page_with_state(world, rp):
    browser, answer, _ = tokens(world, rp)
    page = browser.get(logout_url(id_token_hint=answer["id_token"], post_logout_redirect_uri=POST_LOGOUT, state="s1"))
    assert page.status == 302 and browser.left_to == POST_LOGOUT + "?state=s1"
    assert not session_lives(world, browser, rp)
    events = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "logged_out"]
    assert events[-1]["client_id"] == "ent-occitanie" and events[-1]["clients"] == "ent-occitanie"


def test_an_expired_id_token_hint_still_names_the_client(world, rp):
    browser, answer, _ = tokens(world, rp)
    world.clock.advance(hours=2)
    browser.get(logout_url(id_token_hint=answer["id_token"], post_logout_redirect_uri=POST_LOGOUT))
    assert browser.left_to == POST_LOGOUT


def test_client_id_and_a_registered_page_are_enough_to_return_once_confirmed(world, rp):
    browser = signed_in(world)
    confirmed(browser, browser.get(logout_url(client_id="ent-occitanie", post_logout_redirect_uri=POST_LOGOUT)))
    assert browser.left_to == POST_LOGOUT


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"post_logout_redirect_uri": POST_LOGOUT},  # whose? nobody named the client
        {"client_id": "ent-occitanie", "post_logout_redirect_uri": "https://pirate.example/"},
        {"client_id": "ent-occitanie", "post_logout_redirect_uri": POST_LOGOUT + "/"},
        {"id_token_hint": "pas.un.jeton", "post_logout_redirect_uri": POST_LOGOUT},
        {"client_id": "inconnu", "post_logout_redirect_uri": POST_LOGOUT},
    ],
)
def test_without_a_valid_hint_or_registered_page_the_session_ends_on_a_french_page(world, rp, params):
    browser = signed_in(world)
    page = confirmed(browser, browser.get(logout_url(**params)))
    assert page.status == 200 and browser.left_to is None and "Vous êtes déconnecté" in page.text
    assert not session_lives(world, browser, rp)


def test_a_hint_signed_by_another_key_or_naming_another_client_is_not_believed(world, rp):
    browser = signed_in(world)
    forged = TestSigner("autre").sign({"iss": ISSUER, "aud": "ent-occitanie", "sub": "x"})
    confirmed(browser, browser.get(logout_url(id_token_hint=forged, post_logout_redirect_uri=POST_LOGOUT)))
    assert browser.left_to is None
    browser = signed_in(world)
    ours = world.services.signer.sign({"iss": ISSUER, "aud": "autre-ent", "sub": "x"})
    asked = browser.get(logout_url(id_token_hint=ours, client_id="ent-occitanie", post_logout_redirect_uri=POST_LOGOUT))
    confirmed(browser, asked)
    assert browser.left_to is None  # the hint and client_id disagree
    browser = signed_in(world)
    elsewhere = world.services.signer.sign({"iss": "https://ailleurs.example", "aud": "ent-occitanie"})
    confirmed(browser, browser.get(logout_url(id_token_hint=elsewhere, post_logout_redirect_uri=POST_LOGOUT)))
    assert browser.left_to is None


def test_a_parameter_given_twice_ends_the_session_on_the_french_page(world, rp):
    browser, _, _ = tokens(world, rp)
    hint = world.services.signer.sign({"iss": ISSUER, "aud": "ent-occitanie", "sub": "x"})
    query = logout_url(id_token_hint=hint, post_logout_redirect_uri=POST_LOGOUT) + "&client_id=a-b-c&client_id=d-e-f"
    page = confirmed(browser, browser.get(query))  # nothing it says is believed: asked first
    assert page.status == 200 and browser.left_to is None and "Vous êtes déconnecté" in page.text
    assert not session_lives(world, browser, rp)


def test_a_logout_post_from_another_site_is_carried_out_as_a_get(world, rp):
    from urllib.parse import urlencode

    browser = signed_in(world)
    form = urlencode({"client_id": "ent-occitanie", "post_logout_redirect_uri": POST_LOGOUT, "state": "s2"})
    answer = world.call(
        "POST", "/oidc/logout", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )  # no cookie: SameSite=Lax keeps it out of a cross-site POST
    assert answer.status == 303
    location = answer.header("Location")
    confirmed(browser, browser.get(location.removeprefix(ISSUER)))  # no ID token of this session: asked first
    assert browser.left_to == POST_LOGOUT + "?state=s2"
    assert not session_lives(world, browser, rp)


def test_the_services_own_logout_ends_the_sso_session(world, rp):
    browser, _ = sign_in(world, rp)
    browser.get("/bureau")
    browser.post("/deconnexion", {})
    assert not session_lives(world, browser, rp)


def test_ending_a_session_says_which_services_to_tell(world, rp):
    from ent_accounts.codes import hash_token

    client, secret = register(
        world.store, "appli-pairwise", pairwise_subject=True, backchannel_logout_uri="https://appli.example/bcl"
    )
    other = Rp(world, client, secret)
    silent, quiet_secret = register(world.store, "sans-bcl", name="Sans logout")
    browser, _, first = tokens(world, rp)
    browser.get(other.authorize_url())
    pairwise = other.id_token(other.token(code_from(browser, other)))
    quiet = Rp(world, silent, quiet_secret)
    browser.get(quiet.authorize_url())
    quiet.token(code_from(browser, quiet))
    token = browser.cookies["__Host-session"]
    assert world.store.get_session(hash_token(token)).clients == {"ent-occitanie", "appli-pairwise", "sans-bcl"}
    ended = ending_session(world.services, token, "req-1", ISSUER)
    assert ended.sid == first["sid"] and ended.clients == {"ent-occitanie", "appli-pairwise", "sans-bcl"}
    # Only the clients with a back-channel logout URI are told, each with its own sub (and sid) for the account.
    [notice] = ended.notices
    assert notice.kind == "oidc_backchannel" and notice.client_id == "appli-pairwise" and notice.issuer == ISSUER
    assert notice.subject == pairwise["sub"] != first["sub"]
    assert notice.sid == pairwise["sid"] != first["sid"]  # a pairwise client's own sid, as its ID tokens said
    assert ended.queued == 1 and world.queued(LOGOUT_QUEUE) == [notice.to_message()]
    assert ending_session(world.services, token, "req-2", ISSUER) is None  # ended once


def test_a_client_not_yet_given_tokens_is_not_recorded(world, rp):
    from ent_accounts.codes import hash_token

    browser, _ = sign_in(world, rp)  # a code, never redeemed
    ended = ending_session(world.services, browser.cookies["__Host-session"], "req", ISSUER)
    assert ended.clients == frozenset() and ended.notices == ()
    assert world.store.get_session(hash_token(browser.cookies["__Host-session"])) is None


def test_the_api_logout_ends_the_session_too(world, rp):
    token = login(world, "jdupont12", "Soleil-Vert-2026").json()["session_token"]
    assert world.call("POST", "/api/logout", headers={"Authorization": f"Bearer {token}"}).status == 204
    assert [e["type"] for e in audit_events(world.store, "jdupont12")][-1] == "logged_out"


def test_a_login_taking_the_session_over_keeps_the_services_and_their_sid(world, rp):
    from ent_accounts.codes import hash_token
    from tests.integration.oidc import log_in_on_the_page

    browser, _, first = tokens(world, rp)
    old = browser.cookies["__Host-session"]
    browser.get(rp.authorize_url(prompt="login"))
    log_in_on_the_page(browser)
    claims = rp.id_token(rp.token(code_from(browser, rp)))
    assert browser.cookies["__Host-session"] != old and world.store.get_session(hash_token(old)) is None
    ended = ending_session(world.services, browser.cookies["__Host-session"], "req", ISSUER)
    assert claims["sid"] == first["sid"] == ended.sid and ended.clients == {"ent-occitanie"}


def test_a_service_signed_in_through_the_old_session_while_it_is_taken_over_is_still_told(world, rp, monkeypatch):
    """The login reads the browser's session, then replaces it: a token exchange through it in between (another
    service, at that instant) must not be lost from the new session, or that service is never told of the logout."""
    from ent_accounts.codes import hash_token
    from tests.integration.oidc import log_in_on_the_page

    browser, _ = sign_in(world, rp)
    old_hash = hash_token(browser.cookies["__Host-session"])
    browser.get(rp.authorize_url(prompt="login"))
    read = world.store.get_session

    def read_then_a_service_signs_in(token_hash):
        session = read(token_hash)
        if token_hash == old_hash and "appli-pronote" not in session.clients:
            world.store.transaction().sign_client_in(old_hash, "appli-pronote", world.clock.now()).commit()
        return session

    monkeypatch.setattr(world.store, "get_session", read_then_a_service_signs_in)
    log_in_on_the_page(browser)
    assert code_from(browser, rp)
    ended = ending_session(world.services, browser.cookies["__Host-session"], "req", ISSUER)
    assert ended.clients == {"appli-pronote"}
