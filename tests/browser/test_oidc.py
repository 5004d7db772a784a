"""Single sign-on in a real browser: Chromium goes from a relying party on loopback to the service, signs in, and the
relying party receives the code.

Chromium applies the pages' CSP `form-action` to the redirects that follow a form post: the login post → 303
/oidc/continue → 302 to the service's redirect URI is blocked unless the page holding the form allows the service's
origin. The pages add that one origin when a sign-in waits; the second test shows the chain fails without it.
"""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.browser.conftest import axe_violations, screenshot
from tests.support.oidc import pkce

PASSWORD = "Soleil-Vert-2026"


class FakeRp:
    """A relying party's callback on loopback: records every query it receives."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if urlsplit(self.path).path == "/callback":  # not the browser's favicon request
                    received.append({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})
                body = "<!DOCTYPE html><html lang='fr'><title>ENT</title><p>Code reçu</p></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def service():
    """The local server in this process (moto), so that the test registers its client and accounts directly."""
    from ent_accounts import services as services_module
    from local import backends
    from local.dynamodb_local import free_port
    from local.server import LocalService, serve

    saved = dict(os.environ)
    port = free_port()
    backend = backends.start_moto()
    started = LocalService(backend, url=f"http://127.0.0.1:{port}")
    http = serve(started, "127.0.0.1", port)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield started
    http.shutdown()
    started.mail_queue.stop()
    backend.stop()
    services_module.use(None)
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def rp(service):
    from ent_accounts.sso.clients import AuthMethod, Client

    fake = FakeRp()
    client_id = f"ent-{fake.server.server_port}"
    service.services.store.create_client(
        Client(
            client_id,
            "ENT Occitanie",
            (fake.url + "/callback",),
            token_endpoint_auth_method=AuthMethod.NONE,
            post_logout_redirect_uris=(fake.url + "/au-revoir",),
            schools=frozenset({"0341234A"}),
        )
    )
    yield fake, client_id
    fake.stop()


@pytest.fixture
def browser_page(chromium, service):
    context = chromium.new_context(base_url=service.url, locale="fr-FR")
    opened = context.new_page()
    yield opened
    context.close()


def active_account(service, identifier: str) -> None:
    from ent_accounts.accounts import Account, Role, Status, new_subject
    from ent_accounts.passwords import hash_password

    account = Account(identifier, "0341234A", Role.STUDENT, "Jeanne", "Dupont", Status.ACTIVE, subject=new_subject())
    account.password_hash = hash_password(PASSWORD)
    service.services.store.create_account(account)


def authorize_url(service, client_id: str, redirect_uri: str) -> str:
    _, challenge = pkce()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid profile",
        "state": "etat-navigateur",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{service.url}/oidc/authorize?{urlencode(query)}"


def sign_in_from_the_rp(page, service, fake, client_id, identifier, check_page=False):
    page.goto(authorize_url(service, client_id, fake.url + "/callback"))
    assert "Connexion à : ENT Occitanie" in page.locator("main").inner_text()
    if check_page:
        violations = axe_violations(page)
        assert violations == [], [(v["id"], v["help"]) for v in violations]
        screenshot(page, "connexion-service")
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_the_relying_party_receives_the_code_after_the_login_form(service, rp, browser_page):
    fake, client_id = rp
    active_account(service, "jnavigateur")
    sign_in_from_the_rp(browser_page, service, fake, client_id, "jnavigateur", check_page=True)
    browser_page.wait_for_url(fake.url + "/callback?*", timeout=15000)
    [received] = fake.received
    assert received["code"] and received["iss"] == service.url and received["state"] == "etat-navigateur"
    assert "Code reçu" in browser_page.content()


def test_a_first_connection_without_email_goes_on_to_the_relying_party(service, rp, browser_page):
    from datetime import date

    from ent_accounts.accounts import Account, Role, add_months, new_subject
    from ent_accounts.passwords import hash_provisional, new_provisional_password

    fake, client_id = rp
    provisional = new_provisional_password()
    account = Account(
        "jpremiere", "0341234A", Role.STUDENT, "Jeanne", "Dupont", birth_date=date(2011, 5, 14), subject=new_subject()
    )
    account.provisional_password_hash = hash_provisional(provisional)
    account.provisional_expires_at = add_months(service.clock.now(), 3)
    service.services.store.create_account(account)
    page = browser_page
    page.goto(authorize_url(service, client_id, fake.url + "/callback"))
    page.get_by_label("Identifiant").fill("jpremiere")
    page.get_by_label("Mot de passe", exact=True).fill(provisional)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_label("Date de naissance").fill("2011-05-14")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(fake.url + "/callback?*", timeout=15000)
    [received] = fake.received
    assert received["code"] and received["iss"] == service.url


def test_without_the_services_origin_in_form_action_chromium_blocks_the_chain(service, rp, browser_page, monkeypatch):
    from ent_accounts.web import pages

    monkeypatch.setattr(pages, "content_security_policy", lambda form_action=(): pages.CONTENT_SECURITY_POLICY)
    fake, client_id = rp
    active_account(service, "jbloque")
    blocked = []
    browser_page.on("console", lambda message: blocked.append(message.text) if "form-action" in message.text else None)
    sign_in_from_the_rp(browser_page, service, fake, client_id, "jbloque")
    browser_page.wait_for_timeout(2000)
    assert fake.received == []  # the redirect to the service never left the browser
    assert blocked, "Chromium reported no form-action violation"


def test_a_logout_request_without_a_hint_is_confirmed_then_goes_back_to_the_service(service, rp, browser_page):
    """RP-Initiated Logout §2: without an ID token of this session the person is asked first; the answer's post is
    followed by the redirect to the service, which Chromium allows only because the page's form-action names it."""
    fake, client_id = rp
    active_account(service, "jdeconnexion")
    sign_in_from_the_rp(browser_page, service, fake, client_id, "jdeconnexion")
    browser_page.wait_for_url(fake.url + "/callback?*", timeout=15000)
    query = urlencode({"client_id": client_id, "post_logout_redirect_uri": fake.url + "/au-revoir", "state": "s1"})
    browser_page.goto(f"{service.url}/oidc/logout?{query}")
    assert "Se déconnecter ?" in browser_page.locator("main").inner_text()
    violations = axe_violations(browser_page)
    assert violations == [], [(v["id"], v["help"]) for v in violations]
    screenshot(browser_page, "deconnexion-confirmation")
    browser_page.get_by_role("button", name="Se déconnecter").click()
    browser_page.wait_for_url(fake.url + "/au-revoir?state=s1", timeout=15000)
    browser_page.goto(f"{service.url}/bureau")
    browser_page.wait_for_url(f"{service.url}/connexion")  # the session ended
