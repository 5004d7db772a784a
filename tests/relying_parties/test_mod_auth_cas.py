"""Apache httpd with mod_auth_cas (Debian's libapache2-mod-auth-cas 1.2, Apereo's module) protects a page; Chromium
opens it and goes through the server's pages as a student would. If the page shows REMOTE_USER and the attributes,
the module accepted the server's redirect with its ticket (a ticket the module takes only in CAS's character set)
and the validation answer: CAS 3.0 XML from /cas/p3/serviceValidate on one virtual host, SAML 1.1 from
/cas/samlValidate on the other. The harness is tests/support/mod_auth_cas.py.

The module has no logout of its own: its page links to the server's /cas/logout, and the module ends its session
when the server's single-logout POST names the ticket (CASSSOEnabled). A page whose session ended sends the browser
to the CAS login again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.relying_parties.helpers import (
    MOD_AUTH_CAS_NAME,
    NEW_PASSWORD,
    SCHOOL,
    cas_missing,
    create_student,
    on_the_server,
    sign_in_page,
    status_of,
    wait_for_status,
)
from tests.support import mod_auth_cas
from tests.support.live_fixtures import CHROMIUM

pytestmark = [
    pytest.mark.skipif(bool(mod_auth_cas.unavailable()), reason=mod_auth_cas.unavailable() or ""),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium`"),
    pytest.mark.skipif(bool(cas_missing()), reason=cas_missing() or ""),
]


def shown(page) -> dict:
    """What the protected page says the module received: REMOTE_USER, and the attributes by their upper-case
    variable names (multi-valued ones joined with ",")."""
    return {
        "remote_user": page.locator("#remote-user").inner_text(),
        "attributes": mod_auth_cas.attributes(page.locator("#variables").inner_text()),
    }


def test_first_connection_through_mod_auth_cas_shows_the_user_and_its_attributes(server, cas_apache, context):
    student = create_student(server)
    page = context.new_page()
    page.goto(cas_apache.protected_url("p3"))
    page.wait_for_url(on_the_server(server))
    expect(page.get_by_text(MOD_AUTH_CAS_NAME).first).to_be_visible()
    sign_in_page(page, server, student)
    page.wait_for_url(cas_apache.protected_url("p3"))  # the module took the ticket off the URL once validated

    seen = shown(page)
    assert seen["remote_user"] == student.identifier
    attributes = seen["attributes"]
    assert attributes["UID"] == student.identifier
    assert (attributes["PRENOM"], attributes["NOM"]) == (student.first_name, student.last_name)
    assert attributes["FREDUCTPERSONAFFILIATION"] == "eleve2d"
    assert attributes["FREDUCTELEVEUAI"] == SCHOOL
    assert attributes["ENTELEVECLASSES"] == student.school_class
    assert attributes["ISFROMNEWLOGIN"] == "true"
    # Only what the registration releases.
    assert not {"MAIL", "DATENAISSANCE", "CATEGORIES"} & set(attributes)


def test_the_saml_host_signs_in_without_a_password_and_reads_the_saml_attributes(server, cas_apache, context):
    student = create_student(server)
    page = context.new_page()
    page.goto(cas_apache.protected_url("p3"))
    sign_in_page(page, server, student)
    page.wait_for_url(cas_apache.protected_url("p3"))

    with_query = cas_apache.protected_url("saml") + "?onglet=notes&periode=T1"  # the service URL keeps its query
    page.goto(with_query)
    page.wait_for_url(with_query)  # single sign-on: no page in between
    seen = shown(page)
    assert seen["remote_user"] == student.identifier
    attributes = seen["attributes"]
    assert attributes["UID"] == student.identifier and attributes["NOM"] == student.last_name
    assert attributes["FREDUCTPERSONAFFILIATION"] == "eleve2d" and attributes["FREDUCTELEVEUAI"] == SCHOOL


def test_the_renew_page_asks_for_the_password_again_during_single_sign_on(server, cas_apache, context):
    """CASRenew: the module asks /cas/login and the validation for renew=true; the server asks for the password
    although the student is signed in, and the ticket of that fresh password validates."""
    student = create_student(server)
    page = context.new_page()
    page.goto(cas_apache.protected_url("p3"))
    sign_in_page(page, server, student)
    page.wait_for_url(cas_apache.protected_url("p3"))

    page.goto(cas_apache.renew_url("p3"))
    page.wait_for_url(on_the_server(server))
    expect(page.get_by_label("Mot de passe", exact=True)).to_be_visible()
    sign_in_page(page, server, student, NEW_PASSWORD)
    page.wait_for_url(cas_apache.renew_url("p3"))
    seen = shown(page)
    assert seen["remote_user"] == student.identifier
    assert seen["attributes"]["ISFROMNEWLOGIN"] == "true"


def test_signing_out_through_the_page_ends_the_module_sessions_by_single_logout(server, cas_apache, context):
    student = create_student(server)
    page = context.new_page()
    page.goto(cas_apache.protected_url("p3"))
    sign_in_page(page, server, student)
    page.wait_for_url(cas_apache.protected_url("p3"))
    page.goto(cas_apache.protected_url("saml"))
    page.wait_for_url(cas_apache.protected_url("saml"))
    assert status_of(page, cas_apache.protected_url("p3")) == status_of(page, cas_apache.protected_url("saml")) == 200

    page.get_by_role("link", name="Sign out").click()  # the server's /cas/logout, back to the signed-out page
    page.wait_for_url(cas_apache.logged_out_url("saml"))
    page.goto(server.url + "/bureau")
    page.wait_for_url(re.compile(re.escape(server.url) + r"/connexion"))

    for flavour in mod_auth_cas.FLAVOURS:
        assert wait_for_status(page, cas_apache.protected_url(flavour), 302) == 302, (
            f"mod_auth_cas's {flavour} session still lives 30 s after the logout: no LogoutRequest reached it (or "
            "the module could not read it: see its log)"
        )
    page.goto(cas_apache.protected_url("p3"))
    page.wait_for_url(on_the_server(server))
    expect(page.get_by_label("Identifiant")).to_be_visible()


def test_signing_out_of_phpcas_signs_the_student_out_of_mod_auth_cas_and_back(server, cas_apache, php, context):
    """Two CAS clients no one here wrote, one session: logging out of either ends the other's by single logout."""
    student = create_student(server)
    page = context.new_page()
    page.goto(php.page_url())
    sign_in_page(page, server, student)
    page.wait_for_url(php.page_url())
    page.goto(cas_apache.protected_url("p3"))
    page.wait_for_url(cas_apache.protected_url("p3"))
    assert shown(page)["remote_user"] == student.identifier

    page.goto(php.logout_url())
    page.wait_for_url(php.logged_out_url)
    assert wait_for_status(page, cas_apache.protected_url("p3"), 302) == 302, "mod_auth_cas was not told"

    page.goto(php.page_url())  # signed in again (the personal password), then out through mod_auth_cas's link
    sign_in_page(page, server, student, NEW_PASSWORD)
    page.wait_for_url(php.page_url())
    page.goto(cas_apache.protected_url("p3"))
    page.wait_for_url(cas_apache.protected_url("p3"))
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url(cas_apache.logged_out_url("p3"))
    assert wait_for_status(page, php.page_url(), 302) == 302, "phpCAS was not told"
