"""Steps of the single sign-on round trip on the world, as a student's browser and a relying party make them."""

from __future__ import annotations

from tests.integration.helpers import NEW_PASSWORD, active_student
from tests.support.oidc import ISSUER, Rp, RpBrowser, query_of, register

LOGIN_PATH = "/connexion"


def sso_world(world, **client):
    """The world (its signer: KMS on moto) with the client `ent-occitanie` registered, and jdupont12 active (a
    validated address)."""
    active_student(world)
    registered, secret = register(world.store, **client)
    return Rp(world, registered, secret)


def signed_in(world, identifier="jdupont12", password=NEW_PASSWORD) -> RpBrowser:
    """A browser with a session opened through the login page."""
    browser = RpBrowser(world)
    browser.get(LOGIN_PATH)
    answer = browser.post(LOGIN_PATH, {"identifier": identifier, "password": password})
    assert answer.status == 200, answer.text
    return browser


def log_in_on_the_page(browser, identifier="jdupont12", password=NEW_PASSWORD):
    """The login form as a person fills it, on the page the browser is on."""
    return browser.post(LOGIN_PATH, {"identifier": identifier, "password": password})


def code_from(browser, rp: Rp) -> str:
    """The code the browser brought back to the relying party, after checking the answer's state and iss."""
    assert browser.left_to is not None, (browser.page.status, browser.page.text[:300])
    assert browser.left_to.startswith(rp.redirect_uri + "?"), browser.left_to
    answer = query_of(browser.left_to)
    assert answer["state"] == rp.state and answer["iss"] == ISSUER, answer
    return answer["code"]


def sign_in(world, rp: Rp, browser: RpBrowser | None = None, **params) -> tuple[RpBrowser, str]:
    """The whole round trip for an active account: authorize, the login page when needed, the code."""
    browser = browser or RpBrowser(world)
    browser.get(rp.authorize_url(**params))
    if browser.left_to is None:
        assert browser.page.status == 200 and "Connexion à" in browser.page.text, browser.page.text[:300]
        log_in_on_the_page(browser)
    return browser, code_from(browser, rp)


def tokens(world, rp: Rp, **params):
    """A sign-in through the pages, then the token exchange: (browser, token answer JSON, ID token claims)."""
    browser, code = sign_in(world, rp, **params)
    answer = rp.token(code)
    assert answer.status == 200, answer.text
    return browser, answer.json(), rp.id_token(answer)


def confirmed(browser, page):
    """The answer "Se déconnecter" on the page that asks (RP-Initiated Logout §2: a request without an ID token of
    this session is confirmed by the person first; tests/integration/test_oidc_attacks.py)."""
    import html
    import re

    assert page.status == 200 and "Se déconnecter ?" in page.text, page.text[:300]
    found = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page.text)
    return browser.post("/oidc/logout", {name: html.unescape(value) for name, value in found})
