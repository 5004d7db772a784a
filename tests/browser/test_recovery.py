"""The forgotten-password journey and the e-mail change journey, in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import NEW_PASSWORD, check, first_connection, open_latest_mail_link, sign_in


def activate_with_email(page, server, identifier, email):
    sign_in(page, identifier, server.demo[identifier])
    first_connection(page, birth_date="2011-05-14" if identifier == "jdupont" else "2010-01-01", email=email)
    page.wait_for_url(re.compile(r"/compte-en-attente$"))  # as a person would: the mail is read after this page
    open_latest_mail_link(page, email)
    expect(page.get_by_text("Ton compte a été validé")).to_be_visible()


def test_forgotten_password(page, server):
    activate_with_email(page, server, "jdupont", "jeanne@laposte.net")
    page.goto("/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    check(page, "mot-de-passe-oublie", "Mot de passe oublié")
    page.get_by_label("Identifiant").fill("jdupont")
    page.get_by_role("button", name="Recevoir un lien").click()
    expect(page.get_by_text("l'établissement peut réinitialiser le mot de passe")).to_be_visible()

    open_latest_mail_link(page, "jeanne@laposte.net")
    page.wait_for_url(re.compile(r"/reinitialiser-mot-de-passe\?code="))
    check(page, "reinitialiser-mot-de-passe", "Choisis ton nouveau mot de passe")  # a student: "tu"
    expect(page.get_by_text("Compte concerné : jdupont")).to_be_visible()
    page.get_by_label("Nouveau mot de passe").fill("Nouveau-Mot-2")
    page.get_by_label("Confirmation du mot de passe").fill("Nouveau-Mot-2")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Mot de passe modifié")).to_be_visible()

    sign_in(page, "jdupont", "Nouveau-Mot-2")
    page.wait_for_url(re.compile(r"/bureau$"))


def test_email_change(page, server):
    activate_with_email(page, server, "amartin", "adam@laposte.net")
    sign_in(page, "amartin", NEW_PASSWORD)
    page.get_by_role("link", name="Gérer son compte").first.click()
    page.get_by_label("Mot de passe actuel").first.fill(NEW_PASSWORD)
    page.get_by_label("Nouvelle adresse mail").fill("adam.martin@laposte.net")
    page.get_by_label("Confirmation de l'adresse").fill("adam.martin@laposte.net")
    page.get_by_role("button", name="Enregistrer l'adresse").click()
    expect(page.get_by_text("Un courriel vient de t'être envoyé à ta nouvelle adresse")).to_be_visible()
    check(page, "mon-compte-adresse-envoyee", "Gérer son compte")

    open_latest_mail_link(page, "adam.martin@laposte.net")
    expect(page.get_by_text("Ton adresse mail a été modifiée")).to_be_visible()
    page.goto("/mon-compte")
    expect(page.get_by_text("adam.martin@laposte.net")).to_be_visible()
