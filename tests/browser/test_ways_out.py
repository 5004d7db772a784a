"""In Chromium at a phone's width without JavaScript, and at a desktop's (issue 18): the first connection can be
left ("Annuler"), the school is named with its number on the signed-in pages, and pages that do not read the
session (help, the footer's pages, a mistyped address) still offer logout to a signed-in student. axe finds no
serious or critical violation and the console stays silent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.helpers import first_connection, sign_in

DEMO_SCHOOL = "Collège de démonstration"  # local/demo.py: the demo school's contact


@pytest.fixture(params=[375, 1280], ids=["phone", "desktop"])
def browser_page(request, chromium, server):
    width = request.param
    context = chromium.new_context(
        base_url=server.url, locale="fr-FR", viewport={"width": width, "height": 800}, java_script_enabled=width > 400
    )
    page = context.new_page()
    page.errors = []

    def on_console(message) -> None:
        # A page answered 401 or 404 on purpose is logged as a failed load of the document itself (as conftest).
        document = message.location.get("url") == page.url and message.text.startswith("Failed to load resource")
        if message.type == "error" and not document:
            page.errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.width = width
    yield page
    context.close()


def silent_and_accessible(page) -> None:
    """axe runs as a script: at the desktop's width only (the phone walk has none, as some school devices)."""
    page.wait_for_load_state("load")
    if page.width > 400:
        assert axe_violations(page) == [], page.url
    assert page.errors == [], (page.url, page.errors)


def test_a_student_leaves_the_first_connection_then_finds_the_school_and_logout_everywhere(browser_page, server):
    page = browser_page
    identifier = "amartin" if page.width < 400 else "jdupont"
    sign_in(page, identifier, server.demo[identifier])
    page.wait_for_url(re.compile(r"/premiere-connexion$"))
    cancel = page.get_by_role("button", name="Annuler et revenir à la connexion")
    expect(cancel).to_be_visible()
    cancel.click()
    page.wait_for_url(re.compile(r"/connexion\?fin=annulation$"))
    expect(page.get_by_text("Première connexion annulée")).to_be_visible()
    silent_and_accessible(page)
    page.goto("/premiere-connexion")
    expect(page.get_by_role("button", name="Valider")).to_have_count(0)  # left means left

    sign_in(page, identifier, server.demo[identifier])
    page.wait_for_url(re.compile(r"/premiere-connexion$"))
    first_connection(page, birth_date="14/05/2011" if identifier == "jdupont" else "2011-05-14")
    page.wait_for_url(re.compile(r"/bureau$"))
    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text(f"ton établissement, {DEMO_SCHOOL}, aide")
    expect(footer.get_by_role("link", name="Téléphone : 04 67 00 00 00")).to_be_visible()
    silent_and_accessible(page)
    screenshot(page, "bureau-etablissement" + ("-375px" if page.width < 400 else ""))

    for path in ("/aide", "/mentions-legales", "/Connexion"):
        page.goto(path)
        header = page.get_by_role("banner")
        expect(header.get_by_role("button", name="Se déconnecter")).to_be_visible()
        expect(header.get_by_role("link", name="Gérer son compte")).to_be_visible()
        silent_and_accessible(page)
    page.goto("/aide")
    page.get_by_role("link", name="Retour au bureau").click()
    page.wait_for_url(re.compile(r"/bureau$"))
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/connexion\?fin=deconnexion$"))
    page.goto("/aide")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
