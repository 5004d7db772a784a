from __future__ import annotations

from tests.browser.conftest import axe_violations, screenshot

NEW_PASSWORD = "Soleil-Vert-2026"


def check(page, name: str, title_part: str) -> None:
    """Every page: French, titled after its step, no serious accessibility violation, and a screenshot."""
    assert page.locator("html").get_attribute("lang") == "fr"
    assert title_part in page.title()
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
    screenshot(page, name)


def sign_in(page, identifier, password):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def first_connection(page, password=NEW_PASSWORD, birth_date="2011-05-14", email=None):
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Confirmation du mot de passe").fill(password)
    page.get_by_label("Date de naissance").fill(birth_date)
    if email:
        page.get_by_label("Adresse mail personnelle").fill(email)
    page.get_by_role("button", name="Valider").click()


def open_latest_mail_link(page, to):
    """Open the local mailbox and click the link of the newest mail sent to `to`, as a person would."""
    page.goto("/_dev/mail")
    page.locator("article.mail", has_text=to).first.get_by_role("link").first.click()


def accept_invitation_with_totp(page, server, email):
    """A staff member's first sign-in from the invitation mail: password, the TOTP application's code (from the key
    shown, on the server's clock), the recovery codes noted; ends on the console's home page."""
    import re

    from ent_accounts.staff import totp
    from tests.browser.test_staff_console import PASSWORD, server_now

    open_latest_mail_link(page, email)
    page.wait_for_url(re.compile(r"/etablissement/invitation\?code="))
    page.locator("#new_password").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(re.compile(r"/etablissement/activation-code$"))
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code affiché par l'application").fill(totp.code_at(secret, server_now(server)))
    page.get_by_role("button", name="Valider").click()
    page.get_by_role("link", name="J'ai noté mes codes : continuer").click()
    page.wait_for_url(re.compile(r"/etablissement$"))
