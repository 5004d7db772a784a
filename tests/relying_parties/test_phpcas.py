"""phpCAS (Debian's php-cas 1.6, Apereo's PHP client) in pages served by PHP; Chromium opens them and goes through the
server's pages as a student would. If a page shows the user and attributes, phpCAS accepted the server's /cas/login
redirect with its ticket and the validation answer: the CAS 3.0 XML of /cas/p3/serviceValidate on one page, the SAML
1.1 answer of /cas/samlValidate on the other. The harness is tests/support/phpcas.py.

Single logout: phpCAS ends the PHP session of a ticket when the server POSTs a LogoutRequest naming it (from the CAS
server's host only, phpCAS's default): a page whose session ended asks for the sign-in again.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.relying_parties.helpers import (
    NEW_PASSWORD,
    PHPCAS_NAME,
    SCHOOL,
    cas_missing,
    create_student,
    on_the_server,
    sign_in_page,
    status_of,
    wait_for_status,
)
from tests.support import phpcas
from tests.support.live_fixtures import CHROMIUM

pytestmark = [
    pytest.mark.skipif(bool(phpcas.unavailable()), reason=phpcas.unavailable() or ""),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium`"),
    pytest.mark.skipif(bool(cas_missing()), reason=cas_missing() or ""),
]


def shown(page) -> dict:
    """What the phpCAS page says it received: the user and the attributes (one value as a string, several as a
    list: phpCAS's way)."""
    return {
        "user": page.locator("#user").inner_text(),
        "attributes": json.loads(page.locator("#attributes").inner_text()),
    }


def first_sign_in(page, server, php, student, flavour: str = "cas3") -> dict:
    page.goto(php.page_url(flavour))
    page.wait_for_url(on_the_server(server))
    expect(page.get_by_text(PHPCAS_NAME).first).to_be_visible()  # the student sees which service asks
    sign_in_page(page, server, student)
    page.wait_for_url(php.page_url(flavour))  # phpCAS took the ticket off the URL once validated
    return shown(page)


def test_first_connection_through_phpcas_shows_the_user_and_every_attribute(server, php, context):
    student = create_student(server)
    page = context.new_page()
    before = datetime.now(UTC) - timedelta(seconds=5)

    seen = first_sign_in(page, server, php, student)
    assert seen["user"] == student.identifier
    attributes = seen["attributes"]
    assert attributes["uid"] == student.identifier
    assert (attributes["prenom"], attributes["nom"]) == (student.first_name, student.last_name)
    assert attributes["dateNaissance"] == "14/05/2011"  # Pronote's DD/MM/YYYY
    assert attributes["FrEduCtPersonAffiliation"] == "eleve2d"
    assert attributes["categories"] == "National_1"
    assert attributes["FrEduCtEleveUAI"] == SCHOOL
    assert attributes["ENTEleveClasses"] == student.school_class
    assert "mail" not in attributes  # no address given at the first connection
    # CAS 3.0's own attributes: the password was typed for this very sign-in.
    assert attributes["isFromNewLogin"] == "true"
    assert attributes["longTermAuthenticationRequestTokenUsed"] == "false"
    signed_in_at = datetime.fromisoformat(attributes["authenticationDate"].replace("Z", "+00:00"))
    assert before <= signed_in_at <= datetime.now(UTC) + timedelta(seconds=5)


def test_signed_in_once_the_saml_page_opens_without_a_password(server, php, context):
    """Single sign-on: the second page's /cas/login answers with a ticket at once, which phpCAS validates by SAML 1.1
    (samlValidate) and reads the same person and attributes from."""
    student = create_student(server)
    page = context.new_page()
    first_sign_in(page, server, php, student)

    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    with_query = php.page_url("saml") + "?onglet=notes&periode=T1"  # the service URL keeps its query
    page.goto(with_query)
    page.wait_for_url(with_query)
    assert not [url for url in visited if "/connexion" in url], visited  # no sign-in page on the way
    seen = shown(page)
    assert seen["user"] == student.identifier
    attributes = seen["attributes"]
    assert attributes["uid"] == student.identifier and attributes["nom"] == student.last_name
    assert attributes["FrEduCtPersonAffiliation"] == "eleve2d" and attributes["FrEduCtEleveUAI"] == SCHOOL


def test_signing_out_of_one_page_signs_the_student_out_of_the_server_and_the_other_page(server, php, context):
    student = create_student(server)
    page = context.new_page()
    first_sign_in(page, server, php, student)
    page.goto(php.page_url("saml"))
    page.wait_for_url(php.page_url("saml"))
    assert status_of(page, php.page_url("saml")) == 200

    # phpCAS forgets its own session and sends the browser to /cas/logout?service=<its signed-out page>.
    page.goto(php.page_url("cas3"))
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url(php.logged_out_url)
    page.goto(server.url + "/bureau")
    page.wait_for_url(re.compile(re.escape(server.url) + r"/connexion"))  # the server's session ended

    # The other page learns it by the single-logout POST: its session ends, it asks for the sign-in again.
    assert wait_for_status(page, php.page_url("saml"), 302) == 302, (
        "phpCAS's SAML page still has its session 30 s after the logout: no LogoutRequest reached it (or phpCAS "
        "refused it: see its trace)"
    )
    page.goto(php.page_url("saml"))
    page.wait_for_url(on_the_server(server))
    expect(page.get_by_label("Identifiant")).to_be_visible()

    # Later, the personal password: both pages again, the same person.
    sign_in_page(page, server, student, NEW_PASSWORD)
    page.wait_for_url(php.page_url("saml"))
    assert shown(page)["user"] == student.identifier
    assert shown(page)["attributes"]["uid"] == student.identifier
