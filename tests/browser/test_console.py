"""What Chromium's console says on the pages, at a phone's width and a desktop's: nothing (no CSP violation, no
missing file), and the DSFR icons the pages use are drawn (issue 18)."""

from __future__ import annotations

import re

from tests.browser.helpers import NEW_PASSWORD, first_connection, sign_in


def test_the_public_pages_log_nothing(watched_page):
    for path in (
        "/connexion",
        "/mot-de-passe-oublie",
        "/identifiant-oublie",
        "/Connexion",
        "/accessibilite",
        "/mentions-legales",
        "/donnees-personnelles",
    ):
        watched_page.goto(path)
        watched_page.wait_for_load_state("networkidle")
    assert watched_page.errors == []


def test_the_signed_in_pages_log_nothing_and_draw_the_account_icon(watched_page, server):
    sign_in(watched_page, "amartin", server.demo["amartin"])
    watched_page.wait_for_load_state("networkidle")
    if watched_page.url.endswith("/premiere-connexion"):
        first_connection(watched_page)
    else:  # the other width's run did the first connection
        sign_in(watched_page, "amartin", NEW_PASSWORD)
    watched_page.wait_for_url(re.compile(r"/bureau$"))
    watched_page.goto("/mon-compte")
    watched_page.wait_for_load_state("networkidle")
    assert watched_page.errors == []
    mask = watched_page.evaluate(
        """() => {
            const icon = document.querySelector('.fr-icon-account-circle-fill');
            return icon ? getComputedStyle(icon, '::before').maskImage : 'no icon on the page';
        }"""
    )
    if mask != "no icon on the page":  # the header's tools are hidden below 992 px (issue 18, item 1)
        assert "account-circle-fill.svg" in mask


def test_the_footers_pages_have_no_serious_accessibility_violation(watched_page):
    from tests.browser.conftest import axe_violations

    for path in ("/accessibilite", "/mentions-legales", "/donnees-personnelles"):
        watched_page.goto(path)
        violations = axe_violations(watched_page)
        assert violations == [], (path, [(v["id"], v["help"]) for v in violations])
