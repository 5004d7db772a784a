"""The person's path through the pages when a service asked for the sign-in (the leaflet's path, started from the
ENT): provisional password, first connection without e-mail straight back to the service, with an e-mail the
pending page, then the validation link and "Continuer vers …"; pending accounts never get a code."""

from __future__ import annotations

import html

import pytest

from local.harness import BIRTH_DATE, NEW_PASSWORD
from tests.integration.oidc import code_from, log_in_on_the_page, sign_in
from tests.support.oidc import ISSUER, RpBrowser, query_of, register
from tests.support.oidc import Rp as RelyingParty


@pytest.fixture
def rp(world):
    client, secret = register(world.store)
    return RelyingParty(world, client, secret)


def start_first_connection(world, rp, browser, identifier="jdupont12"):
    provisional = world.provision(identifier)
    page = browser.get(rp.authorize_url())
    assert "Connexion à : <strong>ENT Occitanie</strong>" in page.text
    page = log_in_on_the_page(browser, identifier, provisional)
    assert page.status == 200 and "Choisis ton mot de passe" in page.text and browser.left_to is None
    assert "Connexion à : <strong>ENT Occitanie</strong>" in page.text
    # The first connection's form ends at the service: its origin is allowed as the form's destination.
    assert "form-action 'self' https://ent.example.fr;" in page.header("Content-Security-Policy")
    return page


def first_connection_form(email=None):
    form = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": BIRTH_DATE}
    if email:
        form["email"] = email
    return form


def test_first_connection_without_an_email_goes_straight_back_to_the_service(world, rp):
    browser = RpBrowser(world)
    start_first_connection(world, rp, browser)
    browser.post("/premiere-connexion", first_connection_form())
    code = code_from(browser, rp)
    claims = rp.id_token(rp.token(code))
    assert claims["preferred_username"] == "jdupont12" and "email" not in claims
    assert "__Host-sign_in" not in browser.cookies  # answered: the reference is gone


def test_first_connection_with_an_email_waits_for_the_validation_then_continues(world, rp):
    browser = RpBrowser(world)
    start_first_connection(world, rp, browser)
    page = browser.post("/premiere-connexion", first_connection_form("jeanne@laposte.net"))
    text = html.unescape(page.text)
    assert browser.left_to is None and "Compte en attente de validation" in text
    assert "Tu veux te connecter à <strong>ENT Occitanie</strong> : ton compte doit d'abord être validé" in text
    # A pending account gets no code, even through /oidc/continue: back to its pending page.
    page = browser.get("/oidc/continue")
    assert browser.left_to is None and "Compte en attente de validation" in page.text
    # The validation link, opened in the same browser, offers to continue to the service …
    page = browser.get(f"/valider-adresse-mail?code={world.last_code('jeanne@laposte.net')}")
    assert "Ton compte a été validé" in page.text and "Continuer vers ENT Occitanie" in page.text
    assert 'href="' + ISSUER + '/oidc/continue"' in page.text
    # … which asks the password (the pending session was no full one), then answers the service.
    page = browser.get("/oidc/continue")
    assert page.status == 200 and "Connexion à : <strong>ENT Occitanie</strong>" in page.text
    log_in_on_the_page(browser)
    claims = rp.id_token(rp.token(code_from(browser, rp)))
    assert claims["email"] == "jeanne@laposte.net" and claims["email_verified"] is True


def test_a_validation_link_without_a_waiting_service_leads_to_the_services(world, rp):
    from tests.integration.helpers import first_connection

    world.provision("jdupont12")
    first_connection(world, "jdupont12", world.provisional_of["jdupont12"], email="jeanne@laposte.net")
    page = RpBrowser(world).get(f"/valider-adresse-mail?code={world.last_code('jeanne@laposte.net')}")
    assert "Ton compte a été validé" in page.text and "Continuer vers" not in page.text
    assert "Accéder aux services" in page.text


def test_a_pending_account_logging_in_for_a_service_gets_the_pending_page_and_no_code(world, rp):
    from tests.integration.helpers import first_connection

    world.provision("jdupont12")
    first_connection(world, "jdupont12", world.provisional_of["jdupont12"], email="jeanne@laposte.net")
    browser = RpBrowser(world)
    browser.get(rp.authorize_url())
    page = log_in_on_the_page(browser)
    assert browser.left_to is None and "doit d'abord être validé" in html.unescape(page.text)
    browser.get(rp.authorize_url(prompt="none"))
    assert "error=login_required" in browser.left_to


def test_continue_without_a_pending_sign_in_is_a_french_page(world, rp):
    page = RpBrowser(world).get("/oidc/continue")
    assert page.status == 400 and "Cette demande de connexion a expiré ou a déjà servi" in page.text


def test_a_pending_sign_in_answers_once(world, rp):
    world.provision("jdupont12")
    world.activate("jdupont12")
    browser, _ = sign_in(world, rp)
    page = browser.get("/oidc/continue")  # the cookie is gone, and the request with it
    assert page.status == 400 and browser.left_to is None


def test_a_login_failure_keeps_naming_the_service_and_its_origin(world, rp):
    world.provision("jdupont12")
    world.activate("jdupont12")
    browser = RpBrowser(world)
    browser.get(rp.authorize_url())
    page = log_in_on_the_page(browser, password="Mauvais-Mot-1")
    assert page.status == 401 and "Connexion à : <strong>ENT Occitanie</strong>" in page.text
    assert "form-action 'self' https://ent.example.fr;" in page.header("Content-Security-Policy")
    log_in_on_the_page(browser)
    assert code_from(browser, rp)


def test_a_client_removed_while_the_person_logs_in_gets_no_code(world, rp):
    world.provision("jdupont12")
    world.activate("jdupont12")
    browser = RpBrowser(world)
    browser.get(rp.authorize_url())
    world.ddb.delete_item(
        TableName=world.store.table_name, Key={"pk": {"S": "CLIENTS"}, "sk": {"S": "CLIENT#ent-occitanie"}}
    )
    page = log_in_on_the_page(browser)
    assert page.status == 400 and browser.left_to is None and "pas reconnu" in page.text


def test_the_service_named_is_escaped(world):
    client, secret = register(world.store, name="<script>alert(1)</script>")
    page = RpBrowser(world).get(RelyingParty(world, client, secret).authorize_url())
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text


def test_a_pending_sign_in_kept_by_the_browser_gives_no_second_code(world, rp):
    world.provision("jdupont12")
    world.activate("jdupont12")
    browser = RpBrowser(world)
    browser.get(rp.authorize_url())
    kept = browser.cookies["__Host-sign_in"]  # what a second tab, or someone replaying the request, would still hold
    log_in_on_the_page(browser)
    assert code_from(browser, rp)
    browser.cookies["__Host-sign_in"] = kept
    page = browser.get("/oidc/continue")
    assert page.status == 400 and browser.left_to is None and "a déjà servi" in page.text


def test_two_tabs_for_two_services_give_one_code_each_to_the_service_that_asked(world, rp):
    """The browser holds one pending sign-in (its cookie): the latest request is the one the login answers; the
    other tab's login then finds the session, and its service signs in at once when asked again."""
    world.provision("jdupont12")
    world.activate("jdupont12")
    client, secret = register(world.store, "vie-scolaire", name="Vie scolaire")
    other = RelyingParty(world, client, secret)
    browser = RpBrowser(world)
    first_tab = browser.get(rp.authorize_url())  # ENT Occitanie
    second_tab = browser.get(other.authorize_url())  # Vie scolaire
    assert "Connexion à : <strong>Vie scolaire</strong>" in second_tab.text
    browser.page = first_tab
    log_in_on_the_page(browser)
    assert query_of(browser.left_to)["state"] == other.state  # Vie scolaire's request, with its own state
    assert other.token(code_from(browser, other)).status == 200
    browser.page = second_tab
    page = log_in_on_the_page(browser)  # sent after: no service waits any more
    assert browser.left_to is None and page.status == 200 and "<h1>Bureau</h1>" in page.text
    browser.get(rp.authorize_url())  # ENT Occitanie asks again: single sign-on, no page
    assert rp.token(code_from(browser, rp)).status == 200
