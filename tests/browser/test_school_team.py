"""The school's team page in Chromium: reachable from the console's menu by an administrator, accessible (axe),
its invitation form's errors next to their field, the invitation said on the page, a member taken off the team
after a confirmation page."""

from __future__ import annotations

import random
import re
import uuid

from playwright.sync_api import expect

from tests.browser.helpers import accept_invitation_with_totp, check


def test_an_administrator_invites_from_the_team_page(chromium, server):
    uai = f"{random.randrange(10**7):07d}T"
    email = f"direction.{uuid.uuid4().hex[:8]}@ac-montpellier.fr"
    invited = server.request(
        "POST",
        "/api/admin/staff",
        {"email": email, "first_name": "Claire", "last_name": "Martin", "uai": uai, "role": "administrateur"},
    )
    assert invited.status == 201, invited.text
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    accept_invitation_with_totp(page, server, email)
    page.get_by_role("link", name=f"Établissement {uai}").click()

    page.get_by_role("navigation", name="Menu de l'établissement").get_by_role("link", name="Équipe").click()
    page.wait_for_url(re.compile(rf"/etablissement/{uai}/equipe$"))
    check(page, "console-team-1280px", "Équipe")
    newcomer = f"vie.scolaire.{uuid.uuid4().hex[:8]}@ac-montpellier.fr"
    page.get_by_label("Adresse mail professionnelle").fill("pas-une-adresse")
    page.get_by_label("Prénom").fill("Paul")
    page.get_by_label("Nom", exact=True).fill("Roux")
    page.get_by_label("Rôle").select_option("gestionnaire")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.locator("#email-error")).to_have_text("Cette adresse mail n'est pas valide.")
    check(page, "console-team-error-1280px", "Équipe")
    page.get_by_label("Adresse mail professionnelle").fill(newcomer)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text(f"Invitation envoyée à {newcomer}.")).to_be_visible()
    page.get_by_role("link", name="Retirer de l'équipe Paul Roux").click()
    expect(page.get_by_role("heading", name="Retirer Paul Roux de l'équipe de l'établissement ?")).to_be_visible()
    check(page, "console-team-remove-1280px", "Retirer")
    page.get_by_role("button", name="Retirer Paul Roux de l'équipe").click()
    expect(page.get_by_text(f"{newcomer} ne fait plus partie de l'équipe de l'établissement.")).to_be_visible()
    expect(page.get_by_role("link", name="Retirer de l'équipe Paul Roux")).to_have_count(0)
    context.close()
