"""Every page a student or a parent can reach, at a phone's width and a desktop's: French, no serious or critical
accessibility violation (axe), nothing in the console, and a screenshot (docs/screenshots/ holds them, issue 18).

The desktop walk is a student's and the phone walk a parent's, so that both registers are seen on both kinds of
screen: the student is "tu"-ed, the parent "vous"-ed, on the same pages.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.helpers import NEW_PASSWORD, open_latest_mail_link, sign_in

# Pages anyone can open before signing in (a mistyped address included), and the word their title carries.
PUBLIC_PAGES = {
    "/connexion": "Connexion",
    "/mot-de-passe-oublie": "Mot de passe oublié",
    "/identifiant-oublie": "Identifiant oublié",
    "/accessibilite": "Accessibilité",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
    "/Connexion": "Page introuvable",
    "/valider-adresse-mail?code=abc": "Lien non valide",
    "/reinitialiser-mot-de-passe?code=abc": "Lien non valide",
}
SHOT_NAMES = {
    "/Connexion": "page-introuvable",
    "/valider-adresse-mail?code=abc": "lien-de-validation-non-valide",
    "/reinitialiser-mot-de-passe?code=abc": "lien-de-reinitialisation-non-valide",
}


def looked_at(page, name: str, title_part: str) -> None:
    """The page as it is now: French, titled, accessible, silent in the console; its screenshot taken."""
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert title_part.casefold() in page.title().casefold(), (page.url, page.title())
    violations = axe_violations(page)
    assert violations == [], (page.url, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations])
    assert page.errors == [], (page.url, page.errors)
    screenshot(page, name if page.width_name == "desktop" else f"{name}-375px")


def test_every_public_page(watched_page):
    watched = watched_page
    for path, title_part in PUBLIC_PAGES.items():
        watched.goto(path)
        looked_at(watched, SHOT_NAMES.get(path, path.strip("/")), title_part)


def test_every_signed_in_page_in_the_register_of_its_audience(watched_page, server):
    """A student on a desktop, a parent on a phone: first connection with a mistake, pending, validation, desk,
    account page; each page in the audience's register."""
    watched = watched_page
    parent = watched.width_name == "phone"
    identifier, email = ("pdupont", "paul.dupont@laposte.net") if parent else ("jdupont", "jeanne@laposte.net")
    sign_in(watched, identifier, server.demo[identifier])
    watched.wait_for_url(re.compile(r"/premiere-connexion$"))
    looked_at(watched, "premiere-connexion", "Première connexion")
    expect(watched.get_by_text("Vous vous connectez" if parent else "Tu te connectes")).to_be_visible()

    # A mistake: the two passwords differ. The errors are listed together, in the audience's register.
    watched.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    watched.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD + "x")
    birth_date = watched.get_by_label("Date de naissance")
    if birth_date.count():
        birth_date.fill("14/05/2011")
    watched.get_by_label("Adresse mail personnelle").fill(email)
    watched.get_by_role("button", name="Valider").click()
    expect(watched.get_by_text("Les deux mots de passe ne sont pas identiques").first).to_be_visible()
    looked_at(watched, "premiere-connexion-erreur", "Première connexion")

    watched.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    watched.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    watched.get_by_role("button", name="Valider").click()
    watched.wait_for_url(re.compile(r"/compte-en-attente$"))
    looked_at(watched, "compte-en-attente", "Compte en attente de validation")
    main = watched.get_by_role("main")
    expect(main).to_contain_text("votre" if parent else "ton")

    open_latest_mail_link(watched, email)
    watched.wait_for_url(re.compile(r"/valider-adresse-mail\?code="))
    expect(watched.get_by_text("Votre compte a été validé" if parent else "Ton compte a été validé")).to_be_visible()
    looked_at(watched, "valider-adresse-mail", "adresse mail")

    sign_in(watched, identifier, NEW_PASSWORD)
    watched.wait_for_url(re.compile(r"/bureau$"))
    looked_at(watched, "bureau", "Bureau")
    watched.goto("/mon-compte")
    looked_at(watched, "mon-compte", "Gérer son compte")
    expect(watched.get_by_role("main")).to_contain_text("votre" if parent else "ton")

    watched.get_by_role("button", name="Se déconnecter").first.click()
    watched.wait_for_url(re.compile(r"/connexion\?fin=deconnexion$"))
    expect(watched.get_by_text("Déconnexion effectuée")).to_be_visible()
    looked_at(watched, "deconnexion", "Connexion")
