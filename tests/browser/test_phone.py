"""A phone's width, without JavaScript: logging out and managing the account stay in reach on every signed-in page,
the pending one included (issue 18, item 1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import first_connection, sign_in


@pytest.fixture
def phone(chromium, server):
    """375 px wide, as a small phone; no script at all, as some school devices run."""
    context = chromium.new_context(
        base_url=server.url, locale="fr-FR", viewport={"width": 375, "height": 740}, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def test_on_a_phone_the_desk_and_the_account_page_offer_logout_and_account_management(phone, server):
    sign_in(phone, "amartin", server.demo["amartin"])
    phone.wait_for_url(re.compile(r"/premiere-connexion$"))
    first_connection(phone)
    phone.wait_for_url(re.compile(r"/bureau$"))
    header = phone.get_by_role("banner")
    manage = header.get_by_role("link", name="Gérer son compte")
    expect(manage).to_be_visible()
    expect(header.get_by_role("button", name="Se déconnecter")).to_be_visible()
    screenshot(phone, "bureau-375px")
    manage.click()
    phone.wait_for_url(re.compile(r"/mon-compte$"))
    logout = phone.get_by_role("button", name="Se déconnecter")
    expect(logout).to_be_in_viewport()
    logout.click()
    phone.wait_for_url(re.compile(r"/connexion"))
    phone.goto("/bureau")
    expect(phone.get_by_role("button", name="Se déconnecter")).to_have_count(0)  # the session is over


def test_on_a_phone_the_pending_page_offers_logout(phone, server):
    sign_in(phone, "jdupont", server.demo["jdupont"])
    phone.wait_for_url(re.compile(r"/premiere-connexion$"))
    first_connection(phone, email="jeanne@laposte.net")
    phone.wait_for_url(re.compile(r"/compte-en-attente$"))
    # Nothing to manage before the address is validated; logging out, yes.
    expect(phone.get_by_role("banner").get_by_role("link", name="Gérer son compte")).to_have_count(0)
    logout = phone.get_by_role("button", name="Se déconnecter")
    expect(logout).to_be_visible()
    logout.click()
    phone.wait_for_url(re.compile(r"/connexion"))
    phone.goto("/compte-en-attente")
    expect(phone.get_by_text("il faut se connecter avec l'identifiant")).to_be_visible()


def test_on_a_phone_the_help_is_one_tap_away_and_passes_axe(phone, chromium, server):
    from tests.browser.conftest import axe_violations

    phone.goto("/connexion")
    help_link = phone.get_by_role("banner").get_by_role("link", name="Aide")
    expect(help_link).to_be_visible()  # in the header at 375 px, without script, as the logout button
    expect(phone.get_by_role("contentinfo").get_by_role("link", name="Aide")).to_be_visible()
    help_link.click()
    phone.wait_for_url(re.compile(r"/aide$"))
    expect(phone.get_by_role("heading", name="Aide", exact=True)).to_be_visible()
    expect(phone.get_by_role("heading", name="Où trouver l'identifiant ?")).to_be_visible()
    screenshot(phone, "aide-375px")
    # axe-core runs as a script (its promise never settles where scripts are off): the same width, scripts on.
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/aide")
    violations = axe_violations(page)
    context.close()
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
