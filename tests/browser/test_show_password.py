"""The show-password control (issue 18, item 7): added by the pages' one script, absent without it."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_password_can_be_shown_then_is_sent_hidden(page):
    page.goto("/connexion")
    password = page.get_by_label("Mot de passe", exact=True)
    password.fill("Soleil-Vert-2026")
    show = page.get_by_label("Afficher le mot de passe")
    expect(show).not_to_be_checked()
    assert password.get_attribute("type") == "password"
    label = page.locator("label", has_text="Afficher le mot de passe")  # the DSFR draws the box on the label
    label.click()
    expect(show).to_be_checked()
    assert password.get_attribute("type") == "text"
    label.click()
    assert password.get_attribute("type") == "password"
    label.click()
    page.evaluate("document.querySelector('form').dispatchEvent(new Event('submit'))")  # the form leaving
    assert password.get_attribute("type") == "password"  # hidden again: never kept in clear by the browser


def test_without_javascript_the_login_form_has_no_dead_control(chromium, server):
    context = chromium.new_context(base_url=server.url, locale="fr-FR", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/connexion")
        expect(page.get_by_label("Afficher le mot de passe")).to_have_count(0)
        expect(page.get_by_label("Mot de passe", exact=True)).to_be_visible()
    finally:
        context.close()
