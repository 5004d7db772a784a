"""No dead end for a signed-in student or parent (issue 18): every page offers the way out and back, a pending
account's pages lead to its pending page, a validated one to the login with a word of why, and the first connection
can be left without leaving it open on a shared device."""

from __future__ import annotations

import html
import re

import pytest

from tests.integration.helpers import NEW_PASSWORD
from tests.support.browser import Browser
from tests.support.links import code_in

LOGOUT_FORM = 'action="/deconnexion"'
MANAGE = ">Gérer son compte</a>"
PAGES_THAT_READ_NO_SESSION = [
    "/aide",
    "/accessibilite",
    "/mentions-legales",
    "/donnees-personnelles",
    "/une-page-qui-n-existe-pas",
    "/connexion",
    "/mot-de-passe-oublie",
    "/identifiant-oublie",
]


def said(page) -> str:
    return html.unescape(page.text)


def header(page) -> str:
    return page.text.split("</header>", 1)[0]


def signed_in(world, identifier="ldupont"):
    world.provision(identifier, first_name="Léa")
    world.activate(identifier, None, password=NEW_PASSWORD)
    browser = Browser(world)
    browser.get("/connexion")
    assert "<h1>Bureau</h1>" in browser.post("/connexion", {"identifier": identifier, "password": NEW_PASSWORD}).text
    return browser


def pending(world, identifier="ldupont"):
    """A browser at the pending page of an account that gave an address at its first connection."""
    world.provision(identifier, first_name="Léa")
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": identifier, "password": world.provisional_of[identifier]})
    page = browser.post(
        "/premiere-connexion",
        {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": "14/05/2011",
         "email": "lea.dupont@laposte.net"},
    )  # fmt: skip
    assert "en attente de validation" in said(page)
    return browser


@pytest.mark.parametrize("path", PAGES_THAT_READ_NO_SESSION)
def test_every_page_offers_logout_and_the_account_to_a_signed_in_browser(world, path):
    browser = signed_in(world)
    page = browser.get(path)
    top = header(page)
    assert LOGOUT_FORM in top and MANAGE in top, path
    assert re.search(r'<a href="/bureau" title="Accueil – Services en ligne">', top)  # home is the desk
    if path == "/aide":
        assert ">Retour au bureau</a>" in page.text
    # Logging out from there works and lands on the login page saying so.
    after = browser.post("/deconnexion", {})
    assert "Déconnexion effectuée" in said(after)
    assert LOGOUT_FORM not in header(browser.get(path))  # signed out: no more offered


def test_a_browser_without_session_is_offered_neither(world):
    for path in PAGES_THAT_READ_NO_SESSION:
        top = header(Browser(world).get(path))
        assert LOGOUT_FORM not in top and MANAGE not in top, path


def test_a_pending_account_asking_for_the_desk_or_its_account_gets_its_pending_page(world):
    browser = pending(world)
    for path in ("/bureau", "/mon-compte"):
        page = browser.get(path)
        assert "<h1>Compte en attente de validation</h1>" in page.text, path
        assert "La session a pris fin" not in said(page)
    # The session was not lost on the way: the pending page still answers.
    assert browser.get("/compte-en-attente").status == 200
    top = header(browser.get("/aide"))
    assert LOGOUT_FORM in top  # (its "Gérer son compte" leads to the pending page, as above)


@pytest.mark.parametrize("path", ["/compte-en-attente", "/bureau"])
def test_validated_meanwhile_the_pending_tab_says_so_and_asks_for_the_password(world, path):
    browser = pending(world)
    # The link followed in the mail, here or on another device.
    elsewhere = Browser(world).get(f"/valider-adresse-mail?code={code_in(world.mails()[-1].html)}")
    assert "validé" in said(elsewhere)
    page = browser.get(path)
    assert "L'adresse mail est validée et le compte est prêt" in said(page)
    assert "<h1>Connexion</h1>" in page.text and "La session a pris fin" not in said(page)
    assert "__Host-session" not in browser.cookies  # the pending session's cookie is dropped
    page = browser.post("/connexion", {"identifier": "ldupont", "password": NEW_PASSWORD})
    assert "<h1>Bureau</h1>" in page.text


def at_first_connection(world, identifier="ldupont"):
    world.provision(identifier, first_name="Léa")
    browser = Browser(world)
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": identifier, "password": world.provisional_of[identifier]})
    assert 'action="/premiere-connexion"' in page.text
    return browser, page


def test_the_first_connection_can_be_left_and_nothing_is_kept_open(world):
    browser, page = at_first_connection(world)
    assert ">Annuler et revenir à la connexion</button>" in page.text
    challenge = browser.cookies["__Host-first_connection"]
    left = browser.post("/premiere-connexion/annuler", {})
    assert "<h1>Connexion</h1>" in left.text and "Première connexion annulée" in said(left)
    assert "__Host-first_connection" not in browser.cookies
    # The same device, the old cookie put back (a shared computer's history): the form no longer opens.
    browser.cookies["__Host-first_connection"] = challenge
    page = browser.get("/premiere-connexion")
    assert 'action="/premiere-connexion"' not in page.text and "se connecter de nouveau" in said(page)
    account = world.store.get_account("ldupont")
    assert account.status.value == "PROVISIONED" and account.birth_date.isoformat() == "2011-05-14"
    # The provisional password still opens the first connection.
    again = Browser(world)
    again.get("/connexion")
    page = again.post("/connexion", {"identifier": "ldupont", "password": world.provisional_of["ldupont"]})
    assert 'action="/premiere-connexion"' in page.text


def test_a_cancel_forged_by_another_page_leaves_the_first_connection_open(world):
    browser, _ = at_first_connection(world)
    page = browser.post("/premiere-connexion/annuler", {}, csrf=False)
    assert 'action="/premiere-connexion"' in page.text  # back to the form, which still works
    assert "__Host-first_connection" in browser.cookies


def test_a_bookmarked_logout_address_offers_the_logout_and_never_logs_out_by_itself(world):
    browser = signed_in(world)
    page = browser.get("/deconnexion")
    assert page.status == 200 and "<h1>Se déconnecter</h1>" in page.text
    assert browser.get("/bureau").status == 200 and "<h1>Bureau</h1>" in browser.page.text  # still signed in
    browser.get("/deconnexion")
    after = browser.post("/deconnexion", {})
    assert "Déconnexion effectuée" in said(after)
    page = Browser(world).get("/deconnexion")  # nobody signed in: the login page
    assert "<h1>Connexion</h1>" in page.text
