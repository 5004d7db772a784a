"""The school console's pages (issue 19) in Chromium, with the DSFR's styles from the local server, before their
routes exist: each page is rendered from its view and served at its proposed path (Playwright answers the
request), then axe-core looks for serious or critical violations at a phone's width and a desktop's. Once the
routes are wired behind staff sign-in, the secretary's-day test replaces this one."""

from __future__ import annotations

import pytest

from ent_accounts.accounts import Role
from ent_accounts.console.account_page import account_page, delete_confirmation
from ent_accounts.console.chase import chase_list
from ent_accounts.console.dashboard import dashboard
from ent_accounts.console.listing import account_list
from ent_accounts.console.reissue import reissue_page
from ent_accounts.console.uploads import ACCEPT, confirmation_fields, import_outcome, import_preview
from ent_accounts.flows.provisioning import ImportResult, Issued
from ent_accounts.school_contact import SchoolContact
from ent_accounts.web.pages import page as render_page
from tests.browser.conftest import axe_violations, screenshot
from tests.support.console_accounts import NOW, SCHOOL, school, student
from tests.unit.test_console_views import GOOD, account, events

MANAGER = frozenset({"list", "view", "import", "letters", "reset", "delete"})


def pages() -> dict[str, tuple[str, dict]]:
    mother = account(identifier="mdupont", role=Role.PARENT, first_name="Marie", school_class=None)
    many = school() + [student(f"e{n:03d}", "Élève", f"Nom{n:03d}", "6e 1") for n in range(120)]
    good = import_preview("eleves.csv", GOOD)
    bad = import_preview("eleves.csv", GOOD + b"Martin;Arthur;31/02/2012;4e B;;;;\n")
    created = [Issued(0, account(), "pw")]
    return {
        "tableau-de-bord": ("tableau_de_bord.html", {"view": dashboard(school(), NOW, SCHOOL)}),
        "comptes": ("comptes.html", {"view": account_list(many, NOW, SCHOOL, {"page": "2"})}),
        "compte": ("compte.html", {"view": account_page(account(), [mother], events(), NOW, SCHOOL, MANAGER)}),
        "suppression": ("compte_suppression.html", {"view": delete_confirmation(account(), [mother], SCHOOL)}),
        "import": ("import.html", {"preview": None, "accept": ACCEPT}),
        "import-erreurs": ("import.html", {"preview": bad, "accept": ACCEPT}),
        "import-apercu": (
            "import.html",
            {"preview": good, "accept": ACCEPT, "confirm_fields": confirmation_fields(good)},
        ),
        "import-resultat": (
            "import_resultat.html",
            {"view": import_outcome(ImportResult(created, [], [], []), "/x.pdf")},
        ),
        "lettres": ("lettres.html", {"view": reissue_page(school(), NOW, SCHOOL)}),
        "a-relancer": ("a_relancer.html", {"view": chase_list(school(), NOW, SCHOOL, {}, MANAGER)}),
        "coordonnees-erreurs": ("coordonnees.html", contact_form(editable=True)),
        "coordonnees-lecture": ("coordonnees.html", contact_form(editable=False)),
    }


def contact_form(editable: bool) -> dict:
    """The contact page as an administrator gets it after a refused save, and as another role reads it."""
    from ent_accounts.web.routes.school_pages import CONTACT_LABELS

    contact = SchoolContact(uai="0341234A", name="Collège Jean Moulin", phone="04 67 12 34 56", hours="8 h – 17 h",
                            version=2)  # fmt: skip
    errors = {"phone": "Le numéro de téléphone doit comporter 10 chiffres.", "web_page": "Commence par https://"}
    return {
        "contact": contact,
        "version": contact.version,
        "labels": CONTACT_LABELS,
        "errors": errors if editable else {},
        "values": {"name": contact.name, "phone": "12", "web_page": "college.fr"} if editable else {},
        "notice": None,
        "problem": None,
        "allowed_extra": ("edit_contact",) if editable else (),
    }


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", sorted(pages()))
def test_the_console_page_has_no_serious_accessibility_violation(chromium, server, name, width):
    template, context = pages()[name]
    allowed = MANAGER | set(context.pop("allowed_extra", ()))
    html = render_page(
        f"etablissement/{template}", csrf_token="t", school=SCHOOL, allowed=allowed, school_name="Collège Jean Moulin",
        **context,
    ).body  # fmt: skip
    browser = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": width, "height": 900})
    try:
        opened = browser.new_page()
        opened.route(
            f"**/etablissement/console-{name}", lambda route: route.fulfill(body=html, content_type="text/html")
        )
        opened.goto(f"/etablissement/console-{name}")
        assert opened.evaluate("() => getComputedStyle(document.querySelector('.fr-header')).display") != "inline"
        screenshot(opened, f"console-{name}-{width}")
        assert axe_violations(opened) == []
    finally:
        browser.close()
