"""/cas/login as CAS services and students meet it (CAS 3.0 §2.1, §2.2): a ticket at once through a live session,
the pages first without one (the request waiting server-side), `renew` and `gateway`, single sign-on with the OpenID
Connect services, and every refusal on a French page, never a redirect to an address the registry does not hold."""

from __future__ import annotations

import html

import pytest

from tests.integration.cas import (
    SERVICE,
    cas_world,
    log_in_on_the_page,
    login_url,
    register_service,
    sign_in,
    ticket_from,
    validation,
)
from tests.integration.helpers import first_connection, login
from tests.integration.oidc import code_from, signed_in
from tests.integration.oidc import sign_in as oidc_sign_in
from tests.support.oidc import ISSUER, Rp, RpBrowser, register
from tests.support.store_helpers import audit_events


@pytest.fixture
def service(world):
    return cas_world(world)


def is_new_login(world, ticket: str) -> str:
    answer = validation(world, "/cas/p3/serviceValidate", ticket)
    assert "<cas:authenticationSuccess>" in answer.text, answer.text
    return answer.text.split("<cas:isFromNewLogin>")[1].split("<")[0]


def test_without_a_session_the_request_waits_and_the_login_page_names_the_service(world, service):
    first = world.call("GET", login_url())
    assert first.status == 302 and first.header("Location") == ISSUER + "/connexion"  # nothing of the request
    [cookie] = [c for c in first.headers["set-cookie"] if c.startswith("__Host-sign_in=")]
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"))
    assert "pronote" not in cookie  # an opaque reference
    browser = RpBrowser(world)
    page = browser.get(login_url())
    assert page.status == 200 and "Connexion à : <strong>Pronote</strong>" in page.text
    # The login's redirects end at the service: its origin (and that one only) is a form destination.
    assert "form-action 'self' https://pronote.example.fr;" in page.header("Content-Security-Policy")
    log_in_on_the_page(browser)
    ticket = ticket_from(browser)  # back to the exact service URL, its query kept
    assert "__Host-sign_in" not in browser.cookies  # answered: the reference is gone
    assert is_new_login(world, ticket) == "true"  # the password was typed for this sign-in


def test_with_a_session_the_ticket_comes_at_once_and_is_audited(world, service):
    browser = signed_in(world)
    answer = browser.get(login_url())
    assert answer.status == 302 and browser.left_to
    ticket = ticket_from(browser)
    assert is_new_login(world, ticket) == "false"  # single sign-on: no password typed for it
    event = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "signed_in_to_client"][-1]
    assert event["client_id"] == "pronote" and event["protocol"] == "cas"
    assert not any(ticket in str(value) for e in audit_events(world.store, "jdupont12") for value in e.values())


def test_a_student_signed_in_to_an_oidc_service_opens_the_cas_one_without_the_password(world, service):
    client, secret = register(world.store)
    rp = Rp(world, client, secret)
    browser, code = oidc_sign_in(world, rp)
    assert rp.token(code).status == 200
    browser.get(login_url())
    assert is_new_login(world, ticket_from(browser)) == "false"


def test_a_student_signed_in_through_cas_opens_an_oidc_service_without_the_password(world, service):
    client, secret = register(world.store)
    rp = Rp(world, client, secret)
    browser, _ = sign_in(world)
    page = browser.get(rp.authorize_url())
    assert page.status == 302 and code_from(browser, rp)


def test_renew_asks_the_password_even_with_a_session_and_its_ticket_passes_renew(world, service):
    browser = signed_in(world)
    world.clock.advance(minutes=5)
    page = browser.get(login_url(renew="true"))
    assert page.status == 200 and "Connexion à : <strong>Pronote</strong>" in page.text and browser.left_to is None
    log_in_on_the_page(browser)
    ticket = ticket_from(browser)
    answer = validation(world, "/cas/serviceValidate", ticket, renew="true")
    assert "<cas:user>jdupont12</cas:user>" in answer.text


def test_renew_wins_over_gateway(world, service):
    browser = signed_in(world)
    page = browser.get(login_url(renew="true", gateway="true"))
    assert page.status == 200 and "Connexion à" in page.text and browser.left_to is None


def test_gateway_without_a_session_goes_back_to_the_service_without_a_ticket_or_a_waiting_request(world, service):
    answer = world.call("GET", login_url(gateway="true"))
    assert answer.status == 302 and answer.header("Location") == SERVICE
    assert not any(c.startswith("__Host-sign_in=") for c in answer.headers.get("set-cookie", []))
    assert not [item for item in world.items() if item["pk"]["S"].startswith("SIGNIN#")]


def test_gateway_with_a_session_gives_a_ticket(world, service):
    browser = signed_in(world)
    browser.get(login_url(gateway="true"))
    assert ticket_from(browser)


@pytest.mark.parametrize(
    "url",
    [
        "https://pronote.example.fr/autre/",  # not below the registered path
        "https://pronote.example.fr.pirate.example/pronote/",  # a host that begins like the registered one
        "https://pronote.example.fr:8443/pronote/",  # another port
        "http://pronote.example.fr/pronote/",  # another scheme
        "https://pirate.example/",
        "https://pronote.example.fr/pronote/../admin",  # read two ways
        "https://ent@pronote.example.fr/pronote/",
        "https://pronote.example.fr/pronote/#fragment",
        "javascript:alert(1)",
        "pas une adresse",
    ],
)
def test_a_service_no_one_registered_gets_a_french_page_and_no_redirect(world, service, url):
    answer = world.call("GET", login_url(url))
    assert answer.status == 400 and answer.header("Location") is None
    assert answer.header("Content-Type").startswith("text/html") and '<html lang="fr"' in answer.text
    assert "Ce service n'est pas reconnu" in html.unescape(answer.text)
    gateway = world.call("GET", login_url(url, gateway="true"))  # gateway redirects only to a registered service
    assert gateway.status == 400 and gateway.header("Location") is None


def test_a_service_given_twice_gets_a_french_page(world, service):
    answer = world.call("GET", login_url() + "&service=https%3A%2F%2Fpronote.example.fr%2Fpronote%2Fautre")
    assert answer.status == 400 and answer.header("Location") is None


def test_without_a_service_the_login_page_then_the_services_page(world, service):
    answer = world.call("GET", "/cas/login")
    assert answer.status == 302 and answer.header("Location") == ISSUER + "/connexion"
    browser = signed_in(world)
    answer = world.call("GET", "/cas/login", headers=browser._headers())
    assert answer.status == 302 and answer.header("Location") == ISSUER + "/bureau"


def test_a_student_of_a_school_the_service_does_not_serve_gets_a_french_page_and_no_ticket(world, service):
    register_service(world.store, "ailleurs", service_urls=("https://ailleurs.example/cas",), schools={"0759999Z"})
    browser = signed_in(world)
    page = browser.get(login_url("https://ailleurs.example/cas"))
    assert page.status == 403 and browser.left_to is None
    assert "Ce service n'est pas ouvert aux comptes de ton établissement" in html.unescape(page.text)
    event = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "sign_in_refused"][-1]
    assert event["reason"] == "school_not_served" and event["client_id"] == "ailleurs" and event["protocol"] == "cas"
    browser.get(login_url("https://ailleurs.example/cas", gateway="true"))
    assert browser.left_to == "https://ailleurs.example/cas"  # back without a ticket


def test_a_locked_account_gets_no_ticket(world, service):
    browser = signed_in(world)
    for _ in range(5):
        login(world, "jdupont12", "Mauvais-Mot-1")
    page = browser.get(login_url())
    assert page.status == 429 and browser.left_to is None and "Trop de tentatives" in page.text
    assert int(page.header("Retry-After")) > 0
    event = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "sign_in_refused"][-1]
    assert event["reason"] == "account_locked"
    browser.get(login_url(gateway="true"))
    assert browser.left_to == SERVICE


def test_a_pending_account_gets_the_pending_page_then_the_ticket_once_validated(world):
    register_service(world.store)
    world.provision("jdupont12")
    first_connection(world, "jdupont12", world.provisional_of["jdupont12"], email="jeanne@laposte.net")
    browser = RpBrowser(world)
    browser.get(login_url())
    page = log_in_on_the_page(browser)
    assert browser.left_to is None and "doit d'abord être validé" in html.unescape(page.text)
    assert "Pronote" in page.text
    page = browser.get("/cas/continue")  # no ticket for a pending account, even straight through continue
    assert browser.left_to is None and "Compte en attente de validation" in page.text
    page = browser.get(f"/valider-adresse-mail?code={world.last_code('jeanne@laposte.net')}")
    assert "Continuer vers Pronote" in page.text
    page = browser.get("/oidc/continue")  # the page's link: the password again (the session was a pending one)
    assert page.status == 200 and "Connexion à : <strong>Pronote</strong>" in page.text
    log_in_on_the_page(browser)
    assert (
        "<cas:mail>jeanne@laposte.net</cas:mail>"
        in validation(world, "/cas/p3/serviceValidate", ticket_from(browser)).text
    )


def test_the_oidc_continue_hop_sends_a_cas_sign_in_on_and_writes_nothing(world, service):
    browser = RpBrowser(world)
    browser.get(login_url())
    answer, calls = world.dynamodb_requests(lambda: world.call("GET", "/oidc/continue", headers=browser._headers()))
    assert answer.status == 303 and answer.header("Location") == ISSUER + "/cas/continue"
    assert calls == ["BatchGetItem"]  # the pending sign-in read, nothing written, its cookie kept
    assert not answer.headers.get("set-cookie")


def test_a_service_removed_while_the_person_signs_in_gets_a_french_page(world, service):
    browser = RpBrowser(world)
    browser.get(login_url())
    world.store.delete_client("pronote")
    page = log_in_on_the_page(browser)
    assert page.status == 400 and browser.left_to is None and "Ce service n'est pas reconnu" in html.unescape(page.text)
    assert "__Host-sign_in" not in browser.cookies


def test_continue_without_a_pending_sign_in_is_a_french_page(world, service):
    page = RpBrowser(world).get("/cas/continue")
    assert page.status == 400 and "Cette demande de connexion a expiré ou a déjà servi" in page.text


def test_an_oidc_pending_sign_in_is_not_answered_by_cas_continue(world, service):
    client, secret = register(world.store)
    browser = RpBrowser(world)
    browser.get(Rp(world, client, secret).authorize_url())
    page = browser.get("/cas/continue")
    assert page.status == 400 and browser.left_to is None


def test_a_login_page_submitted_twice_gives_one_ticket(world, service):
    browser = RpBrowser(world)
    browser.get(login_url())
    sign_in_cookie = browser.cookies["__Host-sign_in"]
    log_in_on_the_page(browser)
    assert ticket_from(browser)
    browser.cookies["__Host-sign_in"] = sign_in_cookie  # the reference replayed: already answered
    page = browser.get("/cas/continue")
    assert page.status == 400 and browser.left_to is None
