"""The demo ENT (local/demo_rp.py) against a fake OpenID provider: the round trip it makes, and each answer of a
provider it must refuse. The fake provider answers as the protocol says (discovery, JWKS, token endpoint with
client_secret_basic and PKCE, userinfo) and can be told to misbehave."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from local.demo_rp import BACKCHANNEL_EVENT, COOKIE, DemoRelyingParty

ISSUER = "http://127.0.0.1:3999"
CLIENT_ID = "demo-ent"
SECRET = "le-secret-du-client-de-demonstration"
NOW = datetime(2026, 11, 30, 14, 37, tzinfo=UTC)
CALLBACK = f"{ISSUER}/_dev/rp/callback"


class FakeProvider:
    """The provider's side of the protocol, for one client; `id_token_changes` / `header_changes` / `signing_key`
    make it misbehave."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        self.published = [self.key]
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.claims = {"sub": "sujet-opaque-1", "given_name": "Jeanne", "family_name": "Dupont"}
        self.claims["preferred_username"] = "jdupont"
        self.sid = "sid-1"
        self.id_token_changes: dict = {}
        self.header_changes: dict = {}
        self.signing_key = None
        self.userinfo_changes: dict = {}
        self.metadata_changes: dict = {}
        self.calls: list[str] = []

    # What a browser sees: the authorization endpoint, given the RP's redirect.
    def authorize(self, location: str) -> dict[str, str]:
        query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        assert location.startswith(f"{ISSUER}/oidc/authorize?")
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        return {"code": code, "state": query["state"], "iss": ISSUER}

    def sign(self, claims: dict, typ: str = "JWT", key=None) -> str:
        key = key or self.signing_key or self.key
        header = {"alg": "HS256" if isinstance(key, OctKey) else "RS256", "typ": typ, "kid": key.kid or "k"}
        header.update(self.header_changes if typ == "JWT" else {})
        return jwt.encode(header, claims, key)

    def id_token(self, request: dict) -> str:
        issued = int(NOW.timestamp())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "iat": issued, "exp": issued + 300, "auth_time": issued}
        claims.update(self.claims, nonce=request["nonce"], sid=self.sid, amr=["pwd"])
        claims.update(self.id_token_changes)
        return self.sign({name: value for name, value in claims.items() if value is not None})

    def logout_token(self, **changes) -> str:
        issued = int(NOW.timestamp())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "iat": issued,
            "exp": issued + 120,
            "jti": secrets.token_urlsafe(8),
            "events": {BACKCHANNEL_EVENT: {}},
            "sid": self.sid,
            "sub": self.claims["sub"],
        }
        typ = changes.pop("typ", "logout+jwt")
        key = changes.pop("key", None)
        claims.update(changes)
        return self.sign({name: value for name, value in claims.items() if value is not None}, typ=typ, key=key)

    # What the RP calls (its `http`).
    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
        path = urlsplit(url).path
        self.calls.append(f"{method} {path}")
        if path == "/.well-known/openid-configuration":
            metadata = {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/oidc/authorize",
                "token_endpoint": f"{ISSUER}/oidc/token",
                "userinfo_endpoint": f"{ISSUER}/oidc/userinfo",
                "jwks_uri": f"{ISSUER}/oidc/jwks.json",
                "end_session_endpoint": f"{ISSUER}/oidc/logout",
                "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": True,
                **self.metadata_changes,
            }
            return 200, json.dumps(metadata).encode()
        if path == "/oidc/jwks.json":
            return 200, json.dumps({"keys": [key.as_dict(private=False) for key in self.published]}).encode()
        if path == "/oidc/token":
            return self.token(headers, parse_qs(body.decode()))
        if path == "/oidc/userinfo":
            token = headers["Authorization"].removeprefix("Bearer ")
            if token not in self.tokens:
                return 401, b'{"error": "invalid_token"}'
            return 200, json.dumps({**self.claims, **self.userinfo_changes}).encode()
        return 404, b"{}"

    def token(self, headers: dict[str, str], form: dict[str, list[str]]) -> tuple[int, bytes]:
        scheme, _, credentials = headers.get("Authorization", "").partition(" ")
        client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        if scheme != "Basic" or (unquote(client_id), unquote(secret)) != (CLIENT_ID, SECRET):
            return 401, b'{"error": "invalid_client"}'
        request = self.codes.pop(form["code"][0], None)
        verifier = form["code_verifier"][0]
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            request is None
            or form["grant_type"] != ["authorization_code"]
            or form["redirect_uri"] != [request["redirect_uri"]]
            or request["code_challenge_method"] != "S256"
            or challenge != request["code_challenge"]
        ):
            return 400, b'{"error": "invalid_grant"}'
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = request
        answer = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300}
        return 200, json.dumps({**answer, "id_token": self.id_token(request)}).encode()


class Browser:
    """The RP's cookie, kept as a browser keeps it."""

    def __init__(self, rp: DemoRelyingParty) -> None:
        self.rp = rp
        self.cookie: str | None = None

    def call(self, method: str, target: str, form: dict | None = None):
        headers = {"Cookie": f"__Host-session=op-cookie; {COOKIE}={self.cookie}"} if self.cookie else {}
        body = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form).encode()
        status, answer_headers, raw = self.rp.handle(method, target, headers, body)
        for name, value in answer_headers:
            if name == "Set-Cookie":
                assert "HttpOnly" in value and "SameSite=Lax" in value and "Path=/_dev/rp" in value
                self.cookie = value.split(";")[0].split("=", 1)[1]
        location = dict(answer_headers).get("Location")
        return status, location, raw.decode()


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def rp(provider) -> DemoRelyingParty:
    relying_party = DemoRelyingParty(ISSUER, now=lambda: NOW, http=provider)
    relying_party.configure(CLIENT_ID, SECRET)
    return relying_party


def start(rp, provider, login="/_dev/rp/login"):
    """The browser opens the login route and goes through the provider: the authorization response's parameters."""
    browser = Browser(rp)
    status, location, _ = browser.call("GET", login)
    assert status == 303, location
    return browser, location, provider.authorize(location)


def callback(browser, response: dict) -> tuple[int, str | None, str]:
    return browser.call("GET", f"/_dev/rp/callback?{urlencode(response)}")


def signed_in(rp, provider) -> Browser:
    browser, _, response = start(rp, provider)
    status, location, _ = callback(browser, response)
    assert (status, location) == (303, f"{ISSUER}/_dev/rp/")
    return browser


def test_the_code_flow_with_pkce_state_and_nonce(rp, provider):
    browser, location, response = start(rp, provider)
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK] and query["scope"] == ["openid profile email ent"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32 and query["state"] != query["nonce"]

    status, location, _ = callback(browser, response)
    assert (status, location) == (303, f"{ISSUER}/_dev/rp/")  # the provider checked the verifier and the secret
    status, _, page = browser.call("GET", "/_dev/rp/")
    assert status == 200 and "Connecté : <strong>Jeanne Dupont</strong>" in page
    assert "<code>jdupont</code>" in page and "&quot;sid&quot;: &quot;sid-1&quot;" in page
    assert "Réponse de userinfo" in page and "Se déconnecter" in page
    assert rp.signed_in_sids() == ["sid-1"]
    assert "GET /oidc/userinfo" in provider.calls


def test_a_second_browser_is_not_signed_in(rp, provider):
    signed_in(rp, provider)
    status, _, page = Browser(rp).call("GET", "/_dev/rp/")
    assert status == 200 and "Se connecter avec ENT accounts" in page and "Connecté" not in page


@pytest.mark.parametrize(
    "change, refusal",
    [
        ({"state": "un-autre-state"}, "son state n'est pas celui de la connexion en cours"),
        ({"iss": None}, "iss None n'est pas"),  # RFC 9207: the provider says it sends iss, so it must be there
        ({"iss": "https://pirate.example"}, "iss 'https://pirate.example' n'est pas"),
        ({"code": None, "error": "login_required"}, "ENT accounts a refusé la connexion : login_required."),
        ({"code": "un-code-inventé"}, "Échange du code refusé (400) : invalid_grant"),
    ],
)
def test_an_authorization_response_that_is_not_this_browsers_is_refused(rp, provider, change, refusal):
    browser, _, response = start(rp, provider)
    response = {name: value for name, value in {**response, **change}.items() if value is not None}
    status, _, page = callback(browser, response)
    assert status == 400 and refusal in page
    assert rp.signed_in_sids() == []


def test_a_response_is_taken_once_and_only_by_the_browser_that_asked(rp, provider):
    browser, _, response = start(rp, provider)
    status, _, page = callback(Browser(rp), response)  # another browser (no cookie): nothing under way there
    assert status == 400 and "Aucune connexion n'est en cours" in page
    assert callback(browser, response)[0] == 303
    status, _, page = callback(browser, response)  # replayed
    assert status == 400 and "Aucune connexion n'est en cours" in page


def test_a_wrong_client_secret_is_refused_by_the_token_endpoint(rp, provider):
    rp.configure(CLIENT_ID, "un-ancien-secret")
    browser, _, response = start(rp, provider)
    status, _, page = callback(browser, response)
    assert status == 400 and "Échange du code refusé (401) : invalid_client" in page


@pytest.mark.parametrize(
    "claims, header, refusal",
    [
        ({"nonce": "un-autre-nonce"}, {}, "son nonce n'est pas celui de la connexion en cours"),
        ({"nonce": None}, {}, "son nonce n'est pas celui"),
        ({"aud": "un-autre-client"}, {}, "il n'est pas destiné à demo-ent"),
        ({"aud": [CLIENT_ID, "un-autre-client"]}, {}, "il n'est pas destiné à demo-ent"),  # several: azp needed
        ({"iss": "https://pirate.example"}, {}, "iss 'https://pirate.example' n'est pas"),
        ({"exp": int((NOW - timedelta(minutes=1)).timestamp())}, {}, "expiré (exp)"),
        ({"iat": int((NOW + timedelta(minutes=5)).timestamp())}, {}, "émis dans le futur (iat)"),
        ({"sub": None}, {}, "pas de sub"),
        ({}, {"typ": "logout+jwt"}, "c'est un jeton de déconnexion"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(rp, provider, claims, header, refusal):
    provider.id_token_changes, provider.header_changes = claims, header
    browser, _, response = start(rp, provider)
    status, _, page = callback(browser, response)
    assert status == 400 and refusal in page and rp.signed_in_sids() == []


def test_several_audiences_with_azp_are_accepted(rp, provider):
    provider.id_token_changes = {"aud": [CLIENT_ID, "un-autre-client"], "azp": CLIENT_ID}
    signed_in(rp, provider)
    assert rp.signed_in_sids() == ["sid-1"]


@pytest.mark.parametrize(
    "key, refusal",
    [
        (RSAKey.generate_key(2048, parameters={"kid": "key-1"}), "bad_signature"),  # the published kid, not its key
        (RSAKey.generate_key(2048, parameters={"kid": "inconnue"}), "aucune clé publiée ne porte son kid"),
        (OctKey.import_key("un secret partagé " * 3, parameters={"kid": "key-1"}), "unsupported_algorithm"),
    ],
)
def test_an_id_token_not_signed_by_a_published_key_is_refused(rp, provider, key, refusal):
    provider.signing_key = key
    browser, _, response = start(rp, provider)
    status, _, page = callback(browser, response)
    assert status == 400 and refusal in page


def test_a_new_signing_key_is_fetched_once(rp, provider):
    signed_in(rp, provider)
    assert provider.calls.count("GET /oidc/jwks.json") == 1
    signed_in(rp, provider)
    assert provider.calls.count("GET /oidc/jwks.json") == 1  # the keys are kept
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "key-2", "use": "sig", "alg": "RS256"})
    provider.published.append(provider.key)  # published, then signing: the RP reads the JWKS again
    signed_in(rp, provider)
    assert provider.calls.count("GET /oidc/jwks.json") == 2


def test_userinfo_about_someone_else_is_refused(rp, provider):
    provider.userinfo_changes = {"sub": "sujet-opaque-2"}
    browser, _, response = start(rp, provider)
    status, _, page = callback(browser, response)
    assert status == 400 and "son sub n'est pas celui du jeton d'identité" in page


def test_metadata_of_another_issuer_are_refused(rp, provider):
    provider.metadata_changes = {"issuer": "https://pirate.example"}
    status, _, page = Browser(rp).call("GET", "/_dev/rp/login")
    assert status == 400 and "Métadonnées refusées" in page


def test_a_login_started_by_the_services_page_names_our_issuer(rp, provider):
    _, location, _ = start(rp, provider, f"/_dev/rp/login?{urlencode({'iss': ISSUER})}")
    assert location.startswith(f"{ISSUER}/oidc/authorize?")
    status, _, page = Browser(rp).call("GET", f"/_dev/rp/login?{urlencode({'iss': 'https://pirate.example'})}")
    assert status == 400 and "Fournisseur d'identité inconnu" in page  # OIDC Core §4: only a known issuer


def test_without_its_registration_the_rp_says_so(provider):
    rp = DemoRelyingParty(ISSUER, now=lambda: NOW, http=provider)
    status, _, page = Browser(rp).call("GET", "/_dev/rp/login")
    assert status == 400 and "n'est pas enregistré" in page
    assert "n'est pas enregistré" in Browser(rp).call("GET", "/_dev/rp/")[2]


def test_a_provider_that_does_not_answer_is_a_page_not_a_crash(provider):
    def unreachable(*_):
        raise ConnectionRefusedError("connexion refusée")

    rp = DemoRelyingParty(ISSUER, now=lambda: NOW, http=unreachable)
    rp.configure(CLIENT_ID, SECRET)
    status, _, page = Browser(rp).call("GET", "/_dev/rp/login")
    assert status == 502 and "n'a pas pu joindre ENT accounts" in page and "ConnectionRefusedError" in page


# --- logout -----------------------------------------------------------------------------------------------------------


def test_rp_initiated_logout_sends_the_id_token_hint_and_checks_the_state_back(rp, provider):
    browser = signed_in(rp, provider)
    status, location, _ = browser.call("POST", "/_dev/rp/logout", {})
    assert status == 303 and location.startswith(f"{ISSUER}/oidc/logout?")
    query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    assert jwt.decode(query["id_token_hint"], provider.key).claims["sid"] == "sid-1"
    assert query["post_logout_redirect_uri"] == f"{ISSUER}/_dev/rp/" and query["client_id"] == CLIENT_ID
    assert rp.signed_in_sids() == []  # forgotten here at once

    status, _, page = browser.call("GET", f"/_dev/rp/?state={query['state']}")
    assert status == 200 and "state vérifié" in page and "Se connecter avec ENT accounts" in page


def test_a_logout_return_with_another_state_is_noticed(rp, provider):
    browser = signed_in(rp, provider)
    browser.call("POST", "/_dev/rp/logout", {})
    assert "state inattendu" in browser.call("GET", "/_dev/rp/?state=autre")[2]


def test_a_logout_token_forgets_the_sessions_of_its_sid(rp, provider):
    browser, other = signed_in(rp, provider), None
    provider.sid = "sid-2"
    other = signed_in(rp, provider)
    assert sorted(rp.signed_in_sids()) == ["sid-1", "sid-2"]

    status, headers, raw = rp.handle(
        "POST",
        "/_dev/rp/backchannel-logout",
        {"Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"logout_token": provider.logout_token(sid="sid-1")}).encode(),
    )
    assert status == 200 and ("Cache-Control", "no-store") in headers and raw == b""
    assert rp.signed_in_sids() == ["sid-2"]
    page = browser.call("GET", "/_dev/rp/")[2]
    assert "Session fermée : ENT accounts a signalé la déconnexion" in page and "Se connecter avec" in page
    assert "Connecté : <strong>Jeanne Dupont" in other.call("GET", "/_dev/rp/")[2]


def backchannel(rp, token):
    form = urlencode({"logout_token": token}).encode() if token is not None else b""
    return rp.handle("POST", "/_dev/rp/backchannel-logout", {"Content-Type": "application/x-www-form-urlencoded"}, form)


@pytest.mark.parametrize(
    "changes, refusal",
    [
        ({"nonce": "n"}, "il porte un nonce"),
        ({"events": None}, "sans l'événement back-channel-logout"),
        ({"events": {BACKCHANNEL_EVENT: "oui"}}, "sans l'événement back-channel-logout"),
        ({"typ": "JWT"}, "typ 'JWT', pas logout+jwt"),  # an ID token is not a logout token
        ({"aud": "un-autre-client"}, "il n'est pas destiné à demo-ent"),
        ({"iss": "https://pirate.example"}, "n'est pas"),
        ({"exp": int((NOW - timedelta(minutes=5)).timestamp())}, "expiré (exp)"),
        ({"sid": None, "sub": None}, "ni sid ni sub"),
        ({"key": RSAKey.generate_key(2048, parameters={"kid": "key-1"})}, "bad_signature"),
    ],
)
def test_a_logout_token_that_fails_a_check_is_refused_and_changes_nothing(rp, provider, changes, refusal):
    signed_in(rp, provider)
    status, _, raw = backchannel(rp, provider.logout_token(**changes))
    assert (
        status == 400
        and json.loads(raw)["error"] == "invalid_request"
        and refusal in json.loads(raw)["error_description"]
    )
    assert rp.signed_in_sids() == ["sid-1"]


@pytest.mark.parametrize("token", [None, "", "pas-un-jwt", "a.b.c"])
def test_a_missing_or_unreadable_logout_token_is_a_400(rp, token):
    status, _, raw = backchannel(rp, token)
    assert status == 400 and json.loads(raw)["error"] == "invalid_request"


def test_a_logout_token_whose_keys_cannot_be_read_is_a_503_the_provider_retries(provider):
    def down(*_):
        raise ConnectionRefusedError("connexion refusée")

    rp = DemoRelyingParty(ISSUER, now=lambda: NOW, http=down)
    rp.configure(CLIENT_ID, SECRET)
    status, _, raw = backchannel(rp, provider.logout_token())
    assert status == 503 and json.loads(raw)["error"] == "temporarily_unavailable"


def test_unknown_routes_and_the_bare_prefix(rp):
    assert rp.handle("GET", "/_dev/rp", {}, None)[:2] == (
        303,
        [("Location", f"{ISSUER}/_dev/rp/"), ("Cache-Control", "no-store")],
    )
    assert rp.handle("GET", "/_dev/rp/autre", {}, None)[0] == 404
    assert rp.handle("GET", "/_dev/rp/logout", {}, None)[0] == 404  # logging out is a POST
