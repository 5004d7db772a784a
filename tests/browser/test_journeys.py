"""The leaflet's journeys by clicks and typing in Chromium, with an accessibility check and a screenshot per page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import check, open_latest_mail_link, sign_in

NEW_PASSWORD = "Soleil-Vert-2026"


def test_the_leaflet_journey(page, server):
    page.goto("/connexion")
    check(page, "connexion", "Connexion")
    sign_in(page, "jdupont", server.demo["jdupont"])

    page.wait_for_url(re.compile(r"/premiere-connexion$"))
    check(page, "premiere-connexion", "Première connexion")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Date de naissance").fill("2011-05-14")
    page.get_by_label("Adresse mail personnelle").fill("jeanne@laposte.net")
    page.get_by_role("button", name="Valider").click()

    page.wait_for_url(re.compile(r"/compte-en-attente$"))
    expect(page.get_by_role("heading", name="Compte en attente de validation")).to_be_visible()
    check(page, "compte-en-attente", "Compte en attente de validation")
    page.get_by_role("button", name="Renvoyer le mail", exact=True).click()
    expect(page.get_by_text("Un nouveau mail de validation vient d'être envoyé")).to_be_visible()

    open_latest_mail_link(page, "jeanne@laposte.net")
    page.wait_for_url(re.compile(r"/valider-adresse-mail\?code="))
    expect(page.get_by_text("Ton compte a été validé")).to_be_visible()
    check(page, "valider-adresse-mail", "Confirmation de ton adresse mail")

    page.get_by_role("link", name="Accéder aux services").click()
    sign_in(page, "jdupont", NEW_PASSWORD)
    page.wait_for_url(re.compile(r"/bureau$"))
    check(page, "bureau", "Bureau")
    page.get_by_role("link", name="Gérer son compte").first.click()
    page.wait_for_url(re.compile(r"/mon-compte$"))
    check(page, "mon-compte", "Gérer son compte")
    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_url(re.compile(r"/connexion\?fin=deconnexion$"))
    expect(page.get_by_text("Déconnexion effectuée")).to_be_visible()
