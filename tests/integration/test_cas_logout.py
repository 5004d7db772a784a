"""/cas/logout (CAS 3.0 §2.3): the single sign-on session ends as every logout ends it (audited, the OpenID Connect
services told), then back to a registered service only, or a French page; never a redirect to an address no
service registered."""

from __future__ import annotations

import html
from urllib.parse import quote

import pytest

from tests.integration.cas import SERVICE, cas_world, login_url, sign_in, validation
from tests.integration.oidc import sign_in as oidc_sign_in
from tests.integration.oidc import signed_in
from tests.support.oidc import Rp, RpBrowser, register
from tests.support.store_helpers import audit_events


@pytest.fixture
def service(world):
    return cas_world(world)


def logout(browser, service: str | None = None):
    return browser.world.call(
        "GET", "/cas/logout" + (f"?service={quote(service, safe='')}" if service else ""), headers=browser._headers()
    )


def cleared(answer) -> set[str]:
    return {c.split("=", 1)[0] for c in answer.headers.get("set-cookie", []) if "Max-Age=0" in c}


def test_logout_with_a_registered_service_ends_the_session_and_goes_back_to_it(world, service):
    browser, _ = sign_in(world, signed_in(world))
    answer = logout(browser, SERVICE)
    assert answer.status == 302 and answer.header("Location") == SERVICE
    assert {"__Host-session", "__Host-sign_in"} <= cleared(answer)
    event = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "logged_out"][-1]
    assert event["client_id"] == "pronote"  # the logout came through this service
    # The session is gone: the same browser's next sign-in asks the password.
    page = browser.get(login_url())
    assert page.status == 200 and "Connexion à : <strong>Pronote</strong>" in page.text and browser.left_to is None


@pytest.mark.parametrize(
    "target", ["https://pirate.example/", "https://pronote.example.fr.pirate.example/pronote/", "pas une adresse"]
)
def test_logout_with_a_service_no_one_registered_shows_the_french_page(world, service, target):
    browser = signed_in(world)
    answer = logout(browser, target)
    assert answer.status == 200 and answer.header("Location") is None
    text = html.unescape(answer.text)
    assert '<html lang="fr"' in answer.text and "Déconnexion réussie" in text and "La session est terminée" in text
    assert "__Host-session" in cleared(answer)
    assert [e["type"] for e in audit_events(world.store, "jdupont12")].count("logged_out") == 1


def test_logout_without_a_session_or_a_service_shows_the_page_too(world, service):
    answer = logout(RpBrowser(world))
    assert answer.status == 200 and "Déconnexion réussie" in html.unescape(answer.text)


def test_a_service_given_twice_is_not_followed(world, service):
    browser = signed_in(world)
    answer = world.call(
        "GET",
        f"/cas/logout?service={quote(SERVICE, safe='')}&service=https%3A%2F%2Fpirate.example%2F",
        headers=browser._headers(),
    )
    assert answer.status == 200 and answer.header("Location") is None


def test_a_cas_logout_tells_the_oidc_services_of_the_session(world, service):
    client, secret = register(world.store, backchannel_logout_uri="https://ent.example.fr/oidc/deconnexion")
    rp = Rp(world, client, secret)
    browser, code = oidc_sign_in(world, rp)
    assert rp.token(code).status == 200
    logout(browser, SERVICE)
    notices = world.queued("LogoutQueue")
    assert [(n["kind"], n["client_id"]) for n in notices] == [("oidc_backchannel", "ent-occitanie")]


def test_a_ticket_issued_before_the_logout_no_longer_validates(world, service):
    browser, ticket = sign_in(world, signed_in(world))
    logout(browser)
    assert 'code="INVALID_TICKET"' in validation(world, "/cas/serviceValidate", ticket).text
