"""The mails as a phone's mail app would lay them out (Chromium at 375 px, the HTML part as sent): one column
that fits, a button large enough for a finger, the long link wrapped (issue 18, item 9)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.browser.conftest import screenshot


def test_the_validation_mail_fits_a_phone_with_a_button_to_tap(chromium):
    from ent_accounts.mail import validation_mail

    link = "https://ent.example.fr/valider-adresse-mail?code=" + "x" * 80
    mail = validation_mail("eleve@laposte.net", link, datetime(2027, 2, 28, 14, 37, tzinfo=UTC), "jdupont12", "Léa")
    context = chromium.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.set_content(mail.html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the screen
        button = page.get_by_role("link", name="Activer mon compte")
        box = button.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 120  # a finger's target (WCAG 2.5.5: 44 px)
        assert button.get_attribute("href") == link
        assert page.get_by_text("Compte concerné : jdupont12").is_visible()
        screenshot(page, "mail-validation-375px")
    finally:
        context.close()


def test_the_identifier_mail_fits_a_phone_with_each_identifier_on_its_line(chromium):
    from ent_accounts.accounts import Account, Role, Status
    from ent_accounts.flows.forgotten_identifier import identifier_reminder_mail
    from ent_accounts.links import Links

    family = [("jdupont12", Role.STUDENT, "Jeanne"), ("ldupont", Role.STUDENT, "Léo"), ("pdupont", Role.PARENT, "Paul")]
    accounts = [Account(i, "0341234A", role, first, "Dupont", Status.ACTIVE) for i, role, first in family]
    for account in accounts:
        account.email, account.email_verified = "famille.dupont@laposte.net", True
    mail = identifier_reminder_mail(accounts, Links("https://ent.example.fr"))
    context = chromium.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.set_content(mail.html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for identifier, _, first in family:
            assert page.get_by_text(f"{first} (").filter(has_text=identifier).is_visible()
        button = page.get_by_role("link", name="Se connecter")
        box = button.bounding_box()
        assert box and box["height"] >= 44 and button.get_attribute("href") == "https://ent.example.fr/connexion"
        screenshot(page, "mail-identifiant-oublie-375px")
    finally:
        context.close()
