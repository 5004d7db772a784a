"""One sign-in, two protocols: a student signed in to the mod_auth_openidc page (OpenID Connect, issue 15) opens the
phpCAS page (CAS) without typing a password again, and one logout, from either side, ends both: the CAS logout tells
the OpenID client by a back-channel logout token, the OpenID Connect logout tells the CAS service by a LogoutRequest.
Both clients are the ones of test_mod_auth_openidc.py and test_phpcas.py (tests/support/apache.py, phpcas.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.relying_parties.helpers import (
    NEW_PASSWORD,
    SCHOOL,
    cas_missing,
    create_student,
    on_the_server,
    provider_missing,
    register_client,
    sign_in_page,
    status_of,
    wait_for_status,
)
from tests.support import apache as harness
from tests.support import phpcas
from tests.support.apache import Apache
from tests.support.live_fixtures import CHROMIUM

pytestmark = [
    pytest.mark.skipif(bool(harness.unavailable()), reason=harness.unavailable() or ""),
    pytest.mark.skipif(bool(phpcas.unavailable()), reason=phpcas.unavailable() or ""),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium`"),
    pytest.mark.skipif(bool(provider_missing()), reason=provider_missing() or ""),
    pytest.mark.skipif(bool(cas_missing()), reason=cas_missing() or ""),
]

OIDC_CLIENT_ID = "apache-openidc-sso"
OIDC_CLIENT_NAME = "ENT de test (Apache, OpenID Connect)"


@pytest.fixture(scope="module")
def apache(server):
    started = Apache()
    try:
        registered = register_client(
            server,
            OIDC_CLIENT_ID,
            OIDC_CLIENT_NAME,
            [started.redirect_uri],
            post_logout_redirect_uris=[started.logged_out_url],
            backchannel_logout_uri=started.backchannel_logout_uri,
            token_endpoint_auth_method="client_secret_basic",
            schools=[SCHOOL],
        )
        started.start(server.url, OIDC_CLIENT_ID, registered["client_secret"])
        yield started
    finally:
        started.clean()


def module_session(page, apache) -> int:
    """200 while mod_auth_openidc's session lives, 302 to the provider once it ended."""
    return status_of(page, apache.protected_url)


def signed_in_at_both(page, server, apache, php, student) -> None:
    """The first connection through the OpenID Connect page, then the CAS page with no page in between."""
    page.goto(apache.protected_url)
    sign_in_page(page, server, student)
    page.wait_for_url(apache.protected_url)
    oidc_user = page.locator("#claim-preferred_username").inner_text()
    assert oidc_user == student.identifier

    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    page.goto(php.page_url())
    page.wait_for_url(php.page_url())
    assert not [url for url in visited if "/connexion" in url], visited  # no password asked
    assert page.locator("#user").inner_text() == student.identifier


def test_signed_in_through_openid_connect_the_cas_page_opens_and_the_cas_logout_ends_both(server, apache, php, context):
    student = create_student(server)
    page = context.new_page()
    signed_in_at_both(page, server, apache, php, student)
    assert module_session(page, apache) == 200

    page.goto(php.logout_url())  # phpCAS → /cas/logout?service=<its signed-out page>
    page.wait_for_url(php.logged_out_url)
    assert wait_for_status(page, apache.protected_url, 302) == 302, (
        "mod_auth_openidc's session still lives 30 s after the CAS logout: no back-channel logout token reached it"
    )
    page.goto(apache.protected_url)
    page.wait_for_url(on_the_server(server))
    expect(page.get_by_label("Identifiant")).to_be_visible()


def test_the_openid_connect_logout_ends_the_cas_session_too(server, apache, php, context):
    student = create_student(server)
    page = context.new_page()
    signed_in_at_both(page, server, apache, php, student)
    assert status_of(page, php.page_url()) == 200

    page.goto(apache.protected_url)
    page.get_by_role("link", name="Sign out").click()  # RP-initiated logout
    page.wait_for_url(apache.logged_out_url)
    assert wait_for_status(page, php.page_url(), 302) == 302, (
        "phpCAS's session still lives 30 s after the OpenID Connect logout: no LogoutRequest reached it"
    )
    page.goto(php.page_url())
    page.wait_for_url(on_the_server(server))
    sign_in_page(page, server, student, NEW_PASSWORD)  # the password again, then the CAS page
    page.wait_for_url(php.page_url())
    assert page.locator("#user").inner_text() == student.identifier
