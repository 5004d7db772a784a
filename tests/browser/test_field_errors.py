"""A wrong password, a weak password and a birth date that does not match: each shown next to its field."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import NEW_PASSWORD, check, first_connection, sign_in


def test_wrong_password_next_to_the_password_field(page, server):
    sign_in(page, "amartin", "Mauvais-Mot-1")
    expect(page.locator("#password-error")).to_have_text("Identifiant ou mot de passe incorrect.")
    expect(page.get_by_label("Identifiant")).to_have_value("amartin")  # kept
    expect(page.get_by_label("Mot de passe", exact=True)).to_have_value("")  # never kept
    expect(page.locator("#erreurs a[href='#password']")).to_be_visible()  # listed at the top, linked to the field
    check(page, "connexion-erreur", "Erreur – Connexion")


def test_weak_password_and_mismatched_birth_date_next_to_their_fields(page, server):
    sign_in(page, "jdupont", server.demo["jdupont"])
    page.wait_for_url(re.compile(r"/premiere-connexion$"))
    first_connection(page, password="faible", email="jeanne@laposte.net")
    expect(page.locator("#new_password-error")).to_contain_text("au moins 8 caractères")
    expect(page.get_by_label("Adresse mail personnelle")).to_have_value("jeanne@laposte.net")
    expect(page.get_by_label("Nouveau mot de passe")).to_have_value("")

    first_connection(page, password=NEW_PASSWORD, birth_date="2011-05-15")  # the school has 2011-05-14
    expected = "La date de naissance ne correspond pas à celle connue de ton établissement."
    expect(page.locator("#birth_date-error")).to_have_text(expected)
    expect(page.get_by_label("Date de naissance")).to_have_attribute("aria-invalid", "true")
    check(page, "premiere-connexion-erreur", "Erreur – Première connexion")


def test_the_accessibility_check_does_catch_violations(page, server):
    """The axe check above is not a formality: a page with an unlabeled field and a nameless button fails it."""
    from tests.browser.conftest import axe_violations

    page.set_content('<html><body><input type="text"><button></button></body></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"button-name", "label"}
