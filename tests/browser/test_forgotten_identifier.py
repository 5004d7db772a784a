"""The forgotten-identifier journey on a phone: from the login page to the mail, then back in with the identifier."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import NEW_PASSWORD, check, first_connection, open_latest_mail_link, sign_in

ADDRESS = "jeanne.oublie@laposte.net"


@pytest.fixture
def phone(chromium, server):
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 375, "height": 740})
    yield context.new_page()
    context.close()


def test_a_forgotten_identifier_is_mailed_to_the_validated_address(page, phone, server):
    # Jeanne validated her address once (on a computer), then forgot her identifier (on her phone).
    sign_in(page, "jdupont", server.demo["jdupont"])
    first_connection(page, email=ADDRESS)
    page.wait_for_url(re.compile(r"/compte-en-attente$"))
    open_latest_mail_link(page, ADDRESS)
    expect(page.get_by_text("Ton compte a été validé")).to_be_visible()

    phone.goto("/connexion")
    phone.get_by_role("link", name="Identifiant oublié ?").click()
    phone.wait_for_url(re.compile(r"/identifiant-oublie$"))
    check(phone, "identifiant-oublie-375px", "Identifiant oublié")
    phone.get_by_label("Adresse mail").fill("Jeanne.Oublie@laposte.net")
    phone.get_by_role("button", name="Recevoir l'identifiant").click()
    expect(phone.get_by_text("un mail vient d'y être envoyé avec leurs identifiants")).to_be_visible()
    check(phone, "identifiant-oublie-envoye-375px", "Identifiant oublié")

    phone.goto("/_dev/mail")
    mail = phone.locator("article.mail", has_text="Identifiant oublié").first
    expect(mail).to_contain_text(ADDRESS)
    expect(mail).to_contain_text("Jeanne (élève) : identifiant jdupont")
    identifier = mail.locator("strong", has_text=re.compile(r"^jdupont$")).inner_text()
    open_latest_mail_link(phone, ADDRESS)  # the mail's first link: « Se connecter »
    phone.wait_for_url(re.compile(r"/connexion$"))
    sign_in(phone, identifier, NEW_PASSWORD)
    phone.wait_for_url(re.compile(r"/bureau$"))
