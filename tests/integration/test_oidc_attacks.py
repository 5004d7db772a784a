"""Attacks on the OpenID Connect provider that were found to work, each kept as the test that failed before its fix:
what an attacker (or a relying party gone wrong) tried, and what the service must answer instead."""

from __future__ import annotations

import pytest

from tests.integration.oidc import sign_in, sso_world


@pytest.fixture
def rp(world):
    return sso_world(world)


def _error(answer) -> str:
    assert answer.header("Content-Type").startswith("application/json"), answer.text[:200]
    return answer.json()["error"]


# --- a code outliving the account's credentials ------------------------------------------------------------------
# A code is issued through a session of an ACTIVE account; until the token exchange (60 s), the school may reset the
# account (a stolen password: every session must end), the person may change the password elsewhere, or the school
# may delete the account. The service would still hand over an ID token saying the account signed in.


def test_a_code_issued_before_the_school_resets_the_account_gives_no_tokens(world, rp):
    from ent_accounts.flows.school import reset_by_school

    _, code = sign_in(world, rp)
    reset_by_school(world.services, "0341234A", "jdupont12", "req", "arn:aws:iam::1:user/ops")
    answer = rp.token(code)
    assert answer.status == 400 and _error(answer) == "invalid_grant"


def test_a_code_issued_before_a_password_change_gives_no_tokens(world, rp):
    from tests.integration.helpers import NEW_PASSWORD, session_token

    _, code = sign_in(world, rp)
    token = session_token(world, "jdupont12")  # another device of the same person
    changed = world.call(
        "POST",
        "/api/account/password",
        {"current_password": NEW_PASSWORD, "new_password": "Un-Autre-Mot-De-Passe-7"},
        {"Authorization": f"Bearer {token}"},
    )
    assert changed.status == 200, changed.text
    answer = rp.token(code)
    assert answer.status == 400 and _error(answer) == "invalid_grant"


def test_a_code_issued_before_the_account_is_deleted_gives_no_tokens(world, rp):
    from ent_accounts.flows.school import delete_by_school

    _, code = sign_in(world, rp)
    delete_by_school(world.services, "0341234A", "jdupont12", "req", "arn:aws:iam::1:user/ops")
    answer = rp.token(code)
    assert answer.status == 400 and _error(answer) == "invalid_grant"


def test_the_code_still_works_when_nothing_changed_meanwhile(world, rp):
    _, code = sign_in(world, rp)
    assert rp.token(code).status == 200


# --- pairwise subjects correlated through `sid` ----------------------------------------------------------------------
# Two services registered with pairwise_subject get different `sub`s for one student (OIDC Core §8.1: they must not
# be able to match their users), but the session's `sid` in every ID token was the same value for all of them: two
# such services (or one of them and any public one, which knows the name) joined their records on it.


def _pairwise(world, client_id):
    from tests.support.oidc import Rp, register

    client, secret = register(
        world.store, client_id, pairwise_subject=True, backchannel_logout_uri=f"https://{client_id}.example/bcl"
    )
    return Rp(world, client, secret)


def _id_token(browser, rp) -> dict:
    from tests.integration.oidc import code_from

    browser.get(rp.authorize_url())
    return rp.id_token(rp.token(code_from(browser, rp)))


def test_two_pairwise_services_get_different_sids_for_the_same_session(world, rp):
    from tests.integration.oidc import tokens

    browser, _, public = tokens(world, rp)
    first, second = _id_token(browser, _pairwise(world, "appli-a")), _id_token(browser, _pairwise(world, "appli-b"))
    assert first["sub"] != second["sub"]
    assert len({first["sid"], second["sid"], public["sid"]}) == 3


def test_a_pairwise_sid_is_the_same_for_every_sign_in_of_the_session(world, rp):
    from tests.integration.oidc import tokens

    browser, _, _ = tokens(world, rp)
    appli = _pairwise(world, "appli-a")
    assert _id_token(browser, appli)["sid"] == _id_token(browser, appli)["sid"]


def test_a_pairwise_service_is_told_of_the_logout_by_the_sid_of_its_own_id_tokens(world, rp):
    from ent_accounts.sso.logout import ending_session
    from tests.integration.oidc import tokens
    from tests.support.oidc import ISSUER

    browser, _, public = tokens(world, rp)
    own = _id_token(browser, _pairwise(world, "appli-a"))
    ended = ending_session(world.services, browser.cookies["__Host-session"], "req", ISSUER)
    [notice] = ended.notices
    assert notice.client_id == "appli-a" and notice.sid == own["sid"] != public["sid"]
    assert notice.subject == own["sub"]


# --- a form with more fields than the parser takes ------------------------------------------------------------------
# parse_qs(max_num_fields=…) raises ValueError beyond its limit: every form endpoint answered 500.

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MANY_FIELDS = "&".join(f"p{number}=1" for number in range(150))


@pytest.mark.parametrize("path", ["/oidc/token", "/oidc/userinfo"])
def test_a_relying_party_posting_too_many_fields_gets_invalid_request(world, rp, path):
    answer = world.call("POST", path, MANY_FIELDS, FORM)
    assert answer.status == 400 and _error(answer) == "invalid_request"


@pytest.mark.parametrize("path", ["/oidc/authorize", "/oidc/logout", "/connexion", "/deconnexion"])
def test_a_page_posted_with_too_many_fields_gets_a_french_page_not_a_500(world, rp, path):
    answer = world.call("POST", path, MANY_FIELDS, {**FORM, "Cookie": "__Host-session=" + "a" * 43})
    if answer.status in (302, 303):  # the logout page: nobody signed out, back to the login page
        return
    assert 400 <= answer.status < 500, (answer.status, answer.text[:300])
    assert answer.header("Content-Type").startswith("text/html")


# --- logout CSRF: any site ended the session, and every service's with it ------------------------------------------
# /oidc/logout ended the browser's session at once whatever it carried: a link or a redirect from any site (no
# id_token_hint, or an ID token of somebody else's session) signed the student out of the service and, through
# back-channel logout, of every ENT service. RP-Initiated Logout 1.0 §2: "the OP MUST ask the End-User this question
# if an id_token_hint was not provided or if the supplied ID Token does not belong to the current OP session".

POST_LOGOUT = "https://ent.example.fr/au-revoir"


@pytest.fixture
def logout_rp(world):
    return sso_world(world, post_logout_redirect_uris=(POST_LOGOUT,))


def _lives(browser, rp) -> bool:
    from tests.support.oidc import query_of

    browser.get(rp.authorize_url(prompt="none"))
    return "code" in query_of(browser.left_to)


def _logout_url(**params) -> str:
    from urllib.parse import urlencode

    return "/oidc/logout" + (f"?{urlencode(params)}" if params else "")


def _hidden_fields(page) -> dict[str, str]:
    import html
    import re

    found = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page.text)
    return {name: html.unescape(value) for name, value in found}


def _asks(page) -> bool:
    return page.status == 200 and "Se déconnecter ?" in page.text and 'action="/oidc/logout"' in page.text


@pytest.mark.parametrize(
    "params",
    [{}, {"client_id": "ent-occitanie", "post_logout_redirect_uri": POST_LOGOUT}, {"id_token_hint": "pas.un.jeton"}],
)
def test_a_logout_request_without_a_hint_of_this_session_asks_first(world, logout_rp, params):
    from tests.integration.oidc import signed_in

    browser = signed_in(world)
    page = browser.get(_logout_url(**params))
    assert _asks(page) and browser.left_to is None
    assert _lives(browser, logout_rp)


def test_an_id_token_of_another_session_asks_first(world, logout_rp):
    from tests.integration.oidc import signed_in, tokens

    _, answer, _ = tokens(world, logout_rp)  # another browser's session (here of the same account)
    browser = signed_in(world)
    page = browser.get(_logout_url(id_token_hint=answer["id_token"], post_logout_redirect_uri=POST_LOGOUT))
    assert _asks(page) and browser.left_to is None
    assert _lives(browser, logout_rp)


def test_the_logout_confirmed_ends_the_session_and_returns_to_the_registered_page(world, logout_rp):
    from tests.integration.oidc import signed_in

    browser = signed_in(world)
    page = browser.get(_logout_url(client_id="ent-occitanie", post_logout_redirect_uri=POST_LOGOUT, state="s1"))
    # Chromium applies form-action to the redirect after the post: the page allows the registered page's origin.
    assert "form-action 'self' https://ent.example.fr;" in page.header("Content-Security-Policy")
    browser.post("/oidc/logout", _hidden_fields(page))
    assert browser.left_to == POST_LOGOUT + "?state=s1"
    assert not _lives(browser, logout_rp)


def test_the_logout_confirmed_without_a_registered_page_says_so_in_french(world, logout_rp):
    from tests.integration.oidc import signed_in

    browser = signed_in(world)
    page = browser.post("/oidc/logout", _hidden_fields(browser.get("/oidc/logout")))
    assert page.status == 200 and "Vous êtes déconnecté" in page.text
    assert not _lives(browser, logout_rp)


def test_a_forged_confirmation_ends_nothing(world, logout_rp):
    from tests.integration.oidc import signed_in

    browser = signed_in(world)
    fields = _hidden_fields(browser.get("/oidc/logout"))
    fields.pop("csrf_token")
    page = browser.post("/oidc/logout", fields, csrf=False)
    assert _asks(page)
    assert _lives(browser, logout_rp)


def test_the_hint_of_this_very_session_ends_it_at_once_pairwise_included(world, logout_rp):
    from tests.integration.oidc import code_from, tokens
    from tests.support.oidc import Rp, register

    client, secret = register(
        world.store, "appli-a", pairwise_subject=True, post_logout_redirect_uris=("https://appli.example/bye",)
    )
    appli = Rp(world, client, secret)
    browser, _, _ = tokens(world, logout_rp)
    browser.get(appli.authorize_url())
    hint = appli.token(code_from(browser, appli)).json()["id_token"]
    browser.get(_logout_url(id_token_hint=hint, post_logout_redirect_uri="https://appli.example/bye"))
    assert browser.left_to == "https://appli.example/bye"
    assert not _lives(browser, logout_rp)


def test_without_a_session_nothing_is_asked(world, logout_rp):
    from tests.support.oidc import RpBrowser

    browser = RpBrowser(world)
    browser.get(_logout_url(client_id="ent-occitanie", post_logout_redirect_uri=POST_LOGOUT))
    assert browser.left_to == POST_LOGOUT


# --- a pending sign-in planted by a sibling domain ------------------------------------------------------------------
# The `sign_in` cookie was a plain host cookie: a page on any sibling subdomain (another site of the académie's
# domain) can set one for the whole domain, so that the victim's next login answers the attacker's pending sign-in
# (the service and the PKCE challenge of the attacker's choosing). With the `__Host-` prefix the browser takes the
# cookie only from this host, Secure, on Path=/ and without Domain (RFC 6265bis §4.1.3.2), as the CSRF cookie is.


def test_the_pending_sign_in_cookie_is_host_only_by_its_prefix(world, rp):
    from http.cookies import SimpleCookie

    first = world.call("GET", rp.authorize_url())
    [raw] = [cookie for cookie in first.headers["set-cookie"] if "sign_in" in cookie]
    [(name, morsel)] = SimpleCookie(raw).items()
    assert name == "__Host-sign_in" and morsel["path"] == "/" and morsel["secure"] and not morsel["domain"]


def test_a_sign_in_cookie_without_the_prefix_is_not_read(world, rp):
    from tests.integration.oidc import signed_in
    from tests.support.oidc import query_of

    planted = world.call("GET", rp.authorize_url())  # the attacker's own pending sign-in
    reference = next(c for c in planted.headers["set-cookie"] if "sign_in" in c).split(";", 1)[0].split("=", 1)[1]
    browser = signed_in(world)  # the victim, signed in, whose browser got a domain cookie from a sibling
    browser.cookies["sign_in"] = reference
    browser.get("/oidc/continue")
    assert browser.left_to is None or "code" not in query_of(browser.left_to)


# --- a session planted by a sibling domain (login CSRF across every service) ------------------------------------------
# The session cookie was a plain host cookie too: a sibling subdomain could set its own `session` (the attacker's
# session token) for the whole domain, and the victim's browser was then signed in as the attacker, silently, at
# every ENT service through single sign-on. The `__Host-` prefix makes the browser refuse such a cookie.


def test_the_session_cookie_is_host_only_by_its_prefix(world, rp):
    from http.cookies import SimpleCookie

    from tests.integration.helpers import NEW_PASSWORD, login

    answer = login(world, "jdupont12", NEW_PASSWORD)
    [(name, morsel)] = SimpleCookie(answer.header("Set-Cookie")).items()
    assert name == "__Host-session" and morsel["path"] == "/" and morsel["secure"] and not morsel["domain"]


def test_a_session_cookie_without_the_prefix_signs_nobody_in(world, rp):
    from tests.integration.helpers import session_token
    from tests.support.oidc import RpBrowser

    browser = RpBrowser(world)
    browser.cookies["session"] = session_token(world, "jdupont12")  # the attacker's, set for the whole domain
    page = browser.get(rp.authorize_url())
    assert browser.left_to is None and page.status == 200 and "Connexion à" in page.text  # the login page


# --- a login over another account's session leaves it alive, its services never told ----------------------------------
# On a shared computer, a parent signed in to the ENT; a child then signs in at /connexion. The browser's cookie is
# replaced, but the parent's session lived on, unreachable, and the ENT (told of nothing) kept the parent's own
# session open in that same browser: the child opening the ENT saw the parent's. The session the browser drops is
# now ended as a logout would end it, and its services told.


def test_a_login_over_another_accounts_session_ends_it_and_tells_its_services(world):
    from ent_accounts.codes import hash_token
    from local.harness import LOGOUT_QUEUE
    from tests.integration.oidc import log_in_on_the_page, tokens

    rp = sso_world(world, backchannel_logout_uri="https://ent.example.fr/bcl")
    world.provision("amartin")
    world.activate("amartin")
    browser, _, first = tokens(world, rp)  # jdupont12 signed in to the ENT through this browser
    dropped = browser.cookies["__Host-session"]
    browser.get("/connexion")
    log_in_on_the_page(browser, "amartin")  # another person, same browser
    assert browser.cookies["__Host-session"] != dropped
    assert world.store.get_session(hash_token(dropped)) is None
    [notice] = world.queued(LOGOUT_QUEUE)
    assert notice["client_id"] == "ent-occitanie" and notice["sid"] == first["sid"]


def test_a_login_over_the_same_accounts_session_still_takes_it_over_silently(world):
    from local.harness import LOGOUT_QUEUE
    from tests.integration.oidc import log_in_on_the_page, tokens

    rp = sso_world(world, backchannel_logout_uri="https://ent.example.fr/bcl")
    browser, _, first = tokens(world, rp)
    browser.get("/connexion")
    log_in_on_the_page(browser)  # the password again (prompt=login, say): the same session goes on
    assert world.queued(LOGOUT_QUEUE) == []
    browser.get(rp.authorize_url(prompt="none"))
    assert rp.id_token(rp.token(_code(browser, rp)))["sid"] == first["sid"]


def _code(browser, rp):
    from tests.integration.oidc import code_from

    return code_from(browser, rp)


def test_the_first_connection_challenge_cookie_is_host_only_too(world, rp):
    """A sibling domain must not plant another account's first-connection challenge either."""
    from tests.support.oidc import RpBrowser

    world.provision("amartin")
    browser = RpBrowser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "amartin", "password": world.provisional_of["amartin"]})
    assert "__Host-first_connection" in browser.cookies and "first_connection" not in browser.cookies
