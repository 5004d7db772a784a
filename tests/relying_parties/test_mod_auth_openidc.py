"""Apache httpd with mod_auth_openidc (Debian's, OpenID-certified) protects a page; Chromium opens it and goes through
the provider's pages as a student would. The page shows what the module received: if it shows the claims, the module
accepted the provider's discovery, authorization response (state, iss), token answer, ID token (RS256 against the
JWKS, iss, aud, nonce, exp, iat) and userinfo. The harness is tests/support/apache.py.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.relying_parties.helpers import (
    NEW_PASSWORD,
    SCHOOL,
    create_student,
    fill_first_connection,
    fill_sign_in,
    open_mail_link,
    provider_missing,
    register_client,
)
from tests.support import apache as harness
from tests.support import openid_client
from tests.support.apache import SHOWN_CLAIMS, Apache
from tests.support.live_fixtures import CHROMIUM

pytestmark = [
    pytest.mark.skipif(bool(harness.unavailable()), reason=harness.unavailable() or ""),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium`"),
    pytest.mark.skipif(bool(provider_missing()), reason=provider_missing() or ""),
]

CLIENT_ID = "apache-openidc"
CLIENT_NAME = "ENT de test (Apache)"
BACK_CHANNEL_SECONDS = 30  # the provider tells the module off the request path (a queue): how long it may take


@pytest.fixture(scope="module")
def apache(server):
    started = Apache()
    try:
        registered = register_client(
            server,
            CLIENT_ID,
            CLIENT_NAME,
            [started.redirect_uri],
            post_logout_redirect_uris=[started.logged_out_url],
            backchannel_logout_uri=started.backchannel_logout_uri,
            initiate_login_uri=started.protected_url,
            token_endpoint_auth_method="client_secret_basic",
            schools=[SCHOOL],
        )
        started.start(server.url, CLIENT_ID, registered["client_secret"])
        yield started
    finally:
        started.clean()


def shown(page) -> dict:
    """What the protected page says the module received."""
    claims = {name: page.locator(f"#claim-{name}").inner_text() for name in SHOWN_CLAIMS}
    return {
        "claims": {name: value for name, value in claims.items() if value != "(none)"},  # SSI's word for unset
        "remote_user": page.locator("#remote-user").inner_text(),
        "id_token": json.loads(page.locator("#id-token").inner_text()),
        "userinfo": json.loads(page.locator("#userinfo").inner_text()),
    }


def on_the_provider(server) -> re.Pattern:
    return re.compile("^" + re.escape(server.url) + "/")


def sign_in_through_apache(page, server, apache, student) -> dict:
    """Open the protected page without a session: the provider's sign-in page, the first connection, and back."""
    page.goto(apache.protected_url)
    page.wait_for_url(on_the_provider(server))
    expect(page.get_by_text(CLIENT_NAME).first).to_be_visible()  # "Connexion à : ENT de test (Apache)"
    fill_sign_in(page, student.identifier, student.provisional_password)
    page.wait_for_url(re.compile(r"/premiere-connexion"))
    fill_first_connection(page, student)
    page.wait_for_url(apache.protected_url)
    return shown(page)


def module_session(page, apache) -> int:
    """The status the protected page answers with the browser's cookies, without following: 200 while the module's
    session lives, 302 to the provider once it ended (Accept: text/html, else the module answers 401: no browser)."""
    return page.request.get(apache.protected_url, max_redirects=0, headers={"Accept": "text/html"}).status


def test_sign_in_first_connection_rp_logout_then_the_personal_password(server, apache, context):
    student = create_student(server)
    page = context.new_page()

    seen = sign_in_through_apache(page, server, apache, student)
    claims, id_token = seen["claims"], seen["id_token"]
    assert claims["preferred_username"] == student.identifier
    assert (claims["given_name"], claims["family_name"]) == (student.first_name, student.last_name)
    assert claims["FrEduCtPersonAffiliation"] == "eleve2d"  # EduConnect's value; the module joins a list with ","
    assert claims["FrEduCtEleveUAI"] == SCHOOL
    assert "email" not in claims  # no address given at the first connection
    assert seen["remote_user"] == claims["sub"] == id_token["sub"] == seen["userinfo"]["sub"]
    assert student.identifier not in claims["sub"]
    assert id_token["iss"] == server.url and id_token["aud"] in (CLIENT_ID, [CLIENT_ID])
    assert id_token["nonce"] and id_token["sid"] and id_token["auth_time"]

    # RP-initiated logout: the module ends its session and sends the browser to the provider's end_session_endpoint,
    # which ends the provider's session and comes back to the registered page.
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url(apache.logged_out_url)
    page.goto(server.url + "/bureau")
    page.wait_for_url(re.compile(re.escape(server.url) + r"/connexion"))  # no session left on the provider
    page.goto(apache.protected_url)
    page.wait_for_url(on_the_provider(server))
    expect(page.get_by_label("Identifiant")).to_be_visible()  # the password is asked again: no silent sign-in

    # Later: the personal password, and the same person for the module.
    fill_sign_in(page, student.identifier, NEW_PASSWORD)
    page.wait_for_url(apache.protected_url)
    again = shown(page)
    assert again["claims"]["sub"] == claims["sub"]
    assert again["id_token"]["sid"] != id_token["sid"]  # a new session


def test_with_an_e_mail_the_page_opens_only_once_the_address_is_validated_and_then_gets_it(server, apache, context):
    student = create_student(server)
    address = f"{student.identifier}@laposte.net"
    page = context.new_page()
    page.goto(apache.protected_url)
    page.wait_for_url(on_the_provider(server))
    fill_sign_in(page, student.identifier, student.provisional_password)
    page.wait_for_url(re.compile(r"/premiere-connexion"))
    fill_first_connection(page, student, email=address)
    page.wait_for_url(re.compile(re.escape(server.url) + r"/compte-en-attente"))  # the leaflet: validated before use
    assert module_session(page, apache) != 200  # no code was issued for a pending account

    open_mail_link(page, server, address)
    page.wait_for_url(re.compile(r"/valider-adresse-mail\?code="))
    page.goto(apache.protected_url)  # the service again, as the validation page offers or by hand
    page.wait_for_load_state()
    if page.url != apache.protected_url:  # no session kept from before the validation: the personal password
        fill_sign_in(page, student.identifier, NEW_PASSWORD)
        page.wait_for_url(apache.protected_url)
    seen = shown(page)
    assert seen["claims"]["email"] == address
    assert seen["userinfo"]["email"] == address and seen["userinfo"]["email_verified"] is True


def test_signing_out_on_the_provider_signs_the_page_out_by_back_channel(server, apache, context):
    student = create_student(server)
    page = context.new_page()
    sign_in_through_apache(page, server, apache, student)
    assert module_session(page, apache) == 200

    page.goto(server.url + "/bureau")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/connexion"))

    deadline = time.monotonic() + BACK_CHANNEL_SECONDS
    while module_session(page, apache) == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert module_session(page, apache) == 302, (
        f"mod_auth_openidc's session still lives {BACK_CHANNEL_SECONDS} s after the provider's logout: no "
        "back-channel logout token reached it (or it refused one: see its log)"
    )


@pytest.fixture
def callback():
    """The openid-client application's redirect URI, served on loopback: it records the URLs it received."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.received.append(f"http://127.0.0.1:{self.server.server_address[1]}{self.path}")
        body = b"callback received"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(bool(openid_client.unavailable()), reason=openid_client.unavailable() or "")
def test_single_sign_on_from_the_apache_page_to_an_openid_client_application(server, apache, context, callback):
    """Signed in at one service, a student opening another is signed in at once, with no page and no new sign-in."""
    redirect_uri = f"http://127.0.0.1:{callback.server_address[1]}/callback"
    registered = register_client(server, "sso-openid-client", "Application de test (SSO)", [redirect_uri])
    rp = openid_client.OpenIdClient(server.url, "sso-openid-client", registered["client_secret"])
    try:
        student = create_student(server)
        page = context.new_page()
        at_apache = sign_in_through_apache(page, server, apache, student)

        attempt = rp.start(redirect_uri)
        page.goto(attempt.authorization_url)
        page.wait_for_url(re.compile("^" + re.escape(redirect_uri) + r"\?"))
        [arrived] = [url for url in callback.received if url.startswith(redirect_uri + "?")]  # not /favicon.ico

        signed_in = rp.finish(attempt, arrived)
        assert signed_in["ok"], signed_in
        assert signed_in["id_token_claims"]["sub"] == at_apache["claims"]["sub"]
        assert signed_in["id_token_claims"]["auth_time"] == at_apache["id_token"]["auth_time"]
    finally:
        rp.clean()
