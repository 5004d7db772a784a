"""The relying parties' harnesses on their own, against a discovery document served here (no provider needed): Apache
loads mod_auth_openidc from its own config and sends a browser to the authorization endpoint with PKCE S256, and
the openid-client script builds its request and reports the library's refusals as the other tests read them.

When the real-RP tests fail, these say whether the harness or the provider is at fault.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support import apache as harness
from tests.support import openid_client
from tests.support.apache import SCOPE, Apache

CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def provider():
    """A discovery document and nothing else: enough for an RP to build its authorization request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Discovery)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    server.metadata = {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/oidc/authorize",
        "token_endpoint": issuer + "/oidc/token",
        "userinfo_endpoint": issuer + "/oidc/userinfo",
        "jwks_uri": issuer + "/oidc/jwks.json",
        "end_session_endpoint": issuer + "/oidc/logout",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "authorization_response_iss_parameter_supported": True,
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield issuer
    server.shutdown()
    server.server_close()


class _Discovery(BaseHTTPRequestHandler):
    def do_GET(self):
        found = self.path == "/.well-known/openid-configuration"
        body = json.dumps(self.server.metadata if found else {}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(bool(harness.unavailable()), reason=harness.unavailable() or "")
def test_apache_sends_a_browser_to_the_authorization_endpoint_with_pkce_s256(provider):
    apache = Apache()
    try:
        apache.start(provider, "harness-client", "not-a-real-secret")
        connection = http.client.HTTPConnection("127.0.0.1", apache.port, timeout=10)
        connection.request("GET", "/protected/", headers={"Accept": "text/html"})
        answer = connection.getresponse()
        assert answer.status == 302, apache.log_tail()
        location = answer.getheader("Location")
        assert location.startswith(provider + "/oidc/authorize?"), location
        sent = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        assert sent["response_type"] == "code" and sent["client_id"] == "harness-client"
        assert sent["redirect_uri"] == apache.redirect_uri and sent["scope"] == SCOPE
        assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
        assert sent["state"] and sent["nonce"]
        # Over http the state cookie is not Secure (a browser would drop it), and it is HttpOnly and Lax.
        state_cookie = answer.getheader("Set-Cookie")
        assert state_cookie.startswith("mod_auth_openidc_state_")
        assert "HttpOnly" in state_cookie and "SameSite=Lax" in state_cookie and "Secure" not in state_cookie
    finally:
        apache.clean()


@pytest.mark.skipif(bool(openid_client.unavailable()), reason=openid_client.unavailable() or "")
def test_the_openid_client_script_builds_its_request_and_reports_the_librarys_refusals(provider):
    rp = openid_client.OpenIdClient(provider, "harness-client", "not-a-real-secret")
    try:
        attempt = rp.start(CALLBACK, prompt="none")
        sent = {name: values[0] for name, values in parse_qs(urlsplit(attempt.authorization_url).query).items()}
        assert attempt.authorization_url.startswith(provider + "/oidc/authorize?")
        assert sent["code_challenge_method"] == "S256" and sent["prompt"] == "none"
        assert sent["redirect_uri"] == CALLBACK and sent["state"] and sent["nonce"]

        error = {"error": "login_required", "state": sent["state"], "iss": provider}
        refused = rp.finish(attempt, f"{CALLBACK}?{urlencode(error)}")
        assert (refused["ok"], refused["name"]) == (False, "AuthorizationResponseError")
        assert refused["error"] == "login_required"

        # The library's checks of the authorization response, before any token request.
        for wrong, why in (
            ({"state": "another", "iss": provider}, '"state"'),
            ({"state": sent["state"], "iss": "http://127.0.0.1:9"}, '"iss"'),
            ({"state": sent["state"]}, '"iss"'),  # RFC 9207: the discovery document promised it
        ):
            refused = rp.finish(attempt, f"{CALLBACK}?{urlencode({'code': 'x', **wrong})}")
            assert refused["ok"] is False and refused["code"] == "OAUTH_INVALID_RESPONSE", refused
            assert why in refused["cause"]["message"], refused
    finally:
        rp.clean()
