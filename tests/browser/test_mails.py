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
