"""Property-based fuzzing of the OpenID Connect routes through the local server, as a relying party or a browser
could send them: requests that are valid but for a few parameters (missing, repeated, replaced by another valid
value or by any text), with or without a live session, a fresh code, a right or wrong verifier and credentials.

These routes are not in the OpenAPI document (form-encoded bodies, redirects and French pages, OAuth's error
shape), so they are fuzzed here, each against what its specification says it answers:
- never a 5xx, never a traceback;
- authorize (OIDC Core §3.1.2): a redirect to the registered redirect URI only when the request named it exactly
  with its client (else a French page: RFC 6749 §4.1.2.1), carrying `iss` (RFC 9207), the request's `state`, and a
  code only for a code-flow request with an S256 challenge, otherwise an error of §3.1.2.6; or one of our own pages;
- token (RFC 6749 §5.1, §5.2): JSON, never cached, tokens only for the fresh code with its verifier and redirect
  URI, otherwise an error of §5.2 (401 for invalid_client, with a Basic challenge to a Basic attempt);
- userinfo (OIDC Core §5.3, RFC 6750 §3): JSON claims with `sub` for the live token only, otherwise 400/401 with a
  Bearer challenge;
- logout (RP-Initiated Logout 1.0 §3): back to a registered post-logout URI only for the client the request proves,
  with its `state`, otherwise the French page (or the same request again as a GET, after a cross-site POST);
- discovery, JWKS and continue whatever the query or cookies.

FUZZ_EXAMPLES (110 in CI) generated requests per route for authorize and token, half that for the others;
`make fuzz` runs ten times more.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.relying_parties.helpers import create_student, register_client
from tests.support.figures import record
from tests.support.server import start_server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "110"))
NEW_PASSWORD = "Soleil-Vert-2026"
CONFIDENTIAL, PUBLIC = "fuzz-ent", "fuzz-appli"
REDIRECT = "https://rp.example/retour"
POST_LOGOUT = "https://rp.example/au-revoir"
FORM = "application/x-www-form-urlencoded"

AUTHORIZATION_ERRORS = {  # RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "account_selection_required",
    "consent_required",
    "invalid_request_uri",
    "invalid_request_object",
    "request_not_supported",
    "request_uri_not_supported",
    "registration_not_supported",
}
TOKEN_ERRORS = {  # RFC 6749 §5.2
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}
BEARER_ERRORS = {"invalid_request", "invalid_token", "insufficient_scope"}  # RFC 6750 §3.1


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


VERIFIER = "v" * 43 + secrets.token_urlsafe(16)
CHALLENGE = s256(VERIFIER)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    text: str

    def json(self):
        return json.loads(self.text)


@dataclass
class Provider:
    """The local server with two registered clients and a student signed in (a live session, an access token and an
    ID token of the confidential client)."""

    url: str
    secret: str
    identifier: str
    session: str
    access_token: str = ""
    id_token: str = ""

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        """One request, redirects not followed, whatever its headers say."""
        connection = http.client.HTTPConnection(urlsplit(self.url).netloc, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            return Reply(response.status, {name.lower(): value for name, value in response.getheaders()}, text)
        finally:
            connection.close()

    def authorize_query(self, **overrides) -> str:
        params = {
            "response_type": "code",
            "client_id": CONFIDENTIAL,
            "redirect_uri": REDIRECT,
            "scope": "openid profile email ent",
            "state": "etat",
            "code_challenge": CHALLENGE,
            "code_challenge_method": "S256",
            **overrides,
        }
        return urlencode(params)

    def fresh_code(self, client_id: str = CONFIDENTIAL) -> str:
        """A code just issued through the live session (one authorize request)."""
        answer = self.call(
            "GET", f"/oidc/authorize?{self.authorize_query(client_id=client_id)}", headers=self.cookie(self.session)
        )
        assert answer.status == 302, (answer.status, answer.text[:300])
        return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]

    @staticmethod
    def cookie(session: str | None = None, sign_in: str | None = None) -> dict[str, str]:
        cookies = [f"__Host-session={session}"] if session else []
        cookies += [f"__Host-sign_in={sign_in}"] if sign_in else []
        return {"Cookie": "; ".join(cookies)} if cookies else {}

    def basic(self, client_id: str = CONFIDENTIAL, secret: str | None = None) -> str:
        pair = f"{client_id}:{self.secret if secret is None else secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@pytest.fixture(scope="module")
def provider():
    server = start_server()
    try:
        registered = register_client(
            server, CONFIDENTIAL, "ENT du fuzzing", [REDIRECT], post_logout_redirect_uris=[POST_LOGOUT]
        )
        register_client(server, PUBLIC, "Appli du fuzzing", [REDIRECT], token_endpoint_auth_method="none")
        student = create_student(server)
        challenge = server.request(
            "POST", "/api/login", {"identifier": student.identifier, "password": student.provisional_password}
        ).json()["challenge_token"]
        done = server.request(
            "POST",
            "/api/first-connection",
            {"challenge_token": challenge, "new_password": NEW_PASSWORD, "birth_date": student.birth_date},
        )
        assert done.status == 200, done.text
        login = server.request("POST", "/api/login", {"identifier": student.identifier, "password": NEW_PASSWORD})
        provider = Provider(server.url, registered["client_secret"], student.identifier, login.json()["session_token"])
        form = urlencode(
            {"grant_type": "authorization_code", "code": provider.fresh_code(), "redirect_uri": REDIRECT}
            | {"code_verifier": VERIFIER}
        ).encode()
        tokens = provider.call(
            "POST", "/oidc/token", form, {"Content-Type": FORM, "Authorization": provider.basic()}
        ).json()
        provider.access_token, provider.id_token = tokens["access_token"], tokens["id_token"]
        yield provider
    finally:
        server.stop()


# --- what every answer must be -----------------------------------------------------------------------------------


def no_failure(reply: Reply) -> None:
    record("OIDC requests fuzzed")
    assert reply.status < 500, (reply.status, reply.text[:500])
    assert "Traceback" not in reply.text, reply.text[:500]


def french_page(reply: Reply) -> None:
    assert reply.headers.get("content-type", "").startswith("text/html"), (reply.status, reply.headers)
    assert re.search(r'<html[^>]*\blang="fr"', reply.text), reply.text[:300]


def oauth_json(reply: Reply) -> dict:
    assert reply.headers.get("content-type", "").startswith("application/json"), (reply.status, reply.headers)
    assert reply.headers.get("cache-control") == "no-store", reply.headers
    return reply.json()


def ours(provider: Provider, location: str) -> bool:
    return location.startswith((provider.url + "/", "/")) and not location.startswith("//")


# --- generated requests ------------------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
PRINTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
EXAMPLES_SETTINGS = {
    "deadline": None,
    "derandomize": os.environ.get("FUZZ_RANDOM") is None,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],  # report the failing request as found: shrinking takes minutes
    "suppress_health_check": list(HealthCheck),
}


def mutated(valid: dict[str, str], alternatives: dict[str, list[str]]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """The valid parameters with up to three of them missing, repeated or replaced (by another value worth trying
    or by any text), and up to two unknown ones added: a list of (name, value) pairs, in any order."""
    names = sorted(set(valid) | set(alternatives))

    def change(name: str) -> st.SearchStrategy[list[str]]:
        values = [*alternatives.get(name, []), *([valid[name]] if name in valid else [])]
        one = st.sampled_from(values) | ANY_TEXT if values else ANY_TEXT
        return st.one_of(st.just([]), one.map(lambda value: [value]), st.lists(one, min_size=2, max_size=3))

    @st.composite
    def build(draw):
        changed = draw(st.sets(st.sampled_from(names), max_size=3))
        pairs = [(name, value) for name, value in valid.items() if name not in changed]
        for name in sorted(changed):
            pairs += [(name, value) for value in draw(change(name))]
        pairs += draw(st.lists(st.tuples(PRINTABLE.filter(bool), ANY_TEXT), max_size=2))
        return draw(st.permutations(pairs))

    return build()


def values_of(pairs: list[tuple[str, str]], name: str) -> list[str]:
    """What the provider reads for `name`: every non-empty value (OAuth reads an empty parameter as absent)."""
    return [value for key, value in pairs if key == name and value]


def request_of(method: str, path: str, pairs: list[tuple[str, str]], content_type: str | None):
    """(path with its query, body, headers) of a GET (query) or a POST (a body of `content_type`)."""
    if method == "GET":
        return (f"{path}?{urlencode(pairs)}" if pairs else path), None, {}
    headers = {"Content-Type": content_type} if content_type else {}
    body = json.dumps(dict(pairs)) if content_type == "application/json" else urlencode(pairs)
    return path, body.encode("utf-8"), headers


METHODS = st.sampled_from(["GET", "GET", "POST"])
CONTENT_TYPES = st.sampled_from([FORM, FORM, FORM + "; charset=UTF-8", "application/json", "text/plain", None])


# --- authorize ---------------------------------------------------------------------------------------------------

AUTHORIZE_VALID = {
    "response_type": "code",
    "client_id": CONFIDENTIAL,
    "redirect_uri": REDIRECT,
    "scope": "openid profile email ent",
    "state": "etat-du-client",
    "nonce": "n-0S6_WzA2Mj",
    "code_challenge": CHALLENGE,
    "code_challenge_method": "S256",
}
AUTHORIZE_ALTERNATIVES = {
    "response_type": ["token", "id_token", "code id_token", "none"],
    "client_id": [PUBLIC, "inconnu-123", "FUZZ-ENT"],
    "redirect_uri": [REDIRECT + "/", REDIRECT + "?x=1", "https://ailleurs.example/retour", "http://rp.example/retour"],
    "scope": ["openid", "profile email", "openid inconnu", "OPENID"],
    "state": ["é", "a" * 1025, "\x00"],
    "nonce": ["n" * 513],
    "code_challenge": [CHALLENGE[:-1], CHALLENGE + "A", "+" * 43],
    "code_challenge_method": ["plain", "s256"],
    "prompt": ["none", "login", "consent", "select_account", "none login", "create"],
    "max_age": ["0", "3600", "-1", "1e3", "9" * 12],
    "login_hint": ["jdupont12", "x" * 200],
    "response_mode": ["query", "fragment", "form_post"],
    "request": ["eyJhbGciOiJub25lIn0.e30."],
    "request_uri": ["https://rp.example/requete"],
    "id_token_hint": ["eyJhbGciOiJub25lIn0.e30.", "x.y.z"],
    "registration": ['{"redirect_uris":["https://ailleurs.example"]}'],
    "ui_locales": ["fr", "en"],
    "claims": ['{"userinfo":{"email":null}}'],
}


@given(
    pairs=mutated(AUTHORIZE_VALID, AUTHORIZE_ALTERNATIVES),
    method=METHODS,
    content_type=CONTENT_TYPES,
    cookie=st.sampled_from(["session", "session", "none", "garbage"]),
)
@settings(max_examples=EXAMPLES, **EXAMPLES_SETTINGS)
def test_authorize_redirects_only_to_the_registered_uri_and_answers_as_the_specs_say(
    provider, pairs, method, content_type, cookie
):
    session = {"session": provider.session, "none": None, "garbage": "g" * 43}[cookie]
    path, body, headers = request_of(method, "/oidc/authorize", pairs, content_type)
    reply = provider.call(method, path, body, {**headers, **provider.cookie(session)})
    no_failure(reply)
    if reply.status not in (302, 303):
        assert reply.status in (400, 403, 429), (reply.status, reply.text[:300])
        french_page(reply)
        return
    location = reply.headers["location"]
    read = pairs if method == "GET" or (content_type or "").startswith(FORM) else []
    if not location.startswith(REDIRECT + "?"):
        assert ours(provider, location), location  # the login page, or /oidc/continue: never another site
        assert urlsplit(location).path in ("/connexion", "/oidc/continue"), location
        return
    # The client's redirect URI: only when the request named it, exactly, with its registered client, once each.
    assert values_of(read, "redirect_uri") == [REDIRECT], pairs
    assert values_of(read, "client_id") in ([CONFIDENTIAL], [PUBLIC]), pairs
    answer = parse_qs(urlsplit(location).query, keep_blank_values=True)
    assert answer["iss"] == [provider.url], answer  # RFC 9207
    states = values_of(read, "state")
    if len(states) == 1 and len(states[0]) <= 1024 and all(" " <= c <= "~" for c in states[0]):
        assert answer.get("state") == states, (answer, states)
    else:
        assert "state" not in answer, answer
    if "code" in answer:
        assert "error" not in answer and len(answer["code"]) == 1, answer
        assert values_of(read, "response_type") == ["code"] and values_of(read, "code_challenge_method") == ["S256"]
        assert values_of(read, "code_challenge") == [CHALLENGE] and "openid" in values_of(read, "scope")[0].split()
        assert session == provider.session  # a code only through a live session
    else:
        assert answer["error"][0] in AUTHORIZATION_ERRORS, answer
        assert all(" " <= c <= "~" and c not in '"\\' for c in answer.get("error_description", [""])[0]), answer


# --- token -------------------------------------------------------------------------------------------------------

TOKEN_VALID = {"grant_type": "authorization_code", "redirect_uri": REDIRECT, "code_verifier": VERIFIER}
TOKEN_ALTERNATIVES = {
    "grant_type": ["refresh_token", "password", "client_credentials", "implicit", "urn:ietf:params:oauth:grant-type"],
    "redirect_uri": [REDIRECT + "/", "https://ailleurs.example/retour"],
    "code_verifier": ["w" * 43, VERIFIER[:42], "~" * 129],
    "client_id": [CONFIDENTIAL, PUBLIC, "inconnu-123"],
    "client_secret": ["mauvais", ""],
    "scope": ["openid"],
}


@given(
    pairs=mutated(TOKEN_VALID, TOKEN_ALTERNATIVES),
    code=st.sampled_from(["fresh", "fresh", "random", "absent", "garbage"]),
    auth=st.sampled_from(["basic", "basic", "wrong basic", "post", "public", "bearer", "malformed", "none"]),
    content_type=st.sampled_from([FORM, FORM, FORM, "application/json", None]),
)
@settings(max_examples=EXAMPLES, **EXAMPLES_SETTINGS)
def test_token_gives_tokens_only_for_a_fresh_code_and_its_verifier_and_json_errors_otherwise(
    provider, pairs, code, auth, content_type
):
    client_id = PUBLIC if auth == "public" else CONFIDENTIAL
    code_value = {
        "fresh": provider.fresh_code(client_id) if code == "fresh" else "",
        "random": secrets.token_urlsafe(32),
        "absent": None,
        "garbage": "é%00' OR 1=1",
    }[code]
    pairs = list(pairs) + ([("code", code_value)] if code_value is not None else [])
    headers = {}
    if auth == "basic":
        headers["Authorization"] = provider.basic()
    elif auth == "wrong basic":
        headers["Authorization"] = provider.basic(secret="pas-le-bon")
    elif auth == "post":
        pairs += [("client_id", CONFIDENTIAL), ("client_secret", provider.secret)]
    elif auth == "public":
        pairs += [("client_id", PUBLIC)]
    elif auth == "bearer":
        headers["Authorization"] = f"Bearer {provider.access_token}"
    elif auth == "malformed":
        headers["Authorization"] = "Basic %%%"
    path, body, content = request_of("POST", "/oidc/token", pairs, content_type)
    reply = provider.call("POST", path, body, {**content, **headers})
    no_failure(reply)
    assert reply.status in (200, 400, 401), (reply.status, reply.text[:300])
    answer = oauth_json(reply)
    if reply.status == 200:
        # Tokens only for the code just issued, redeemed once, with what it is bound to.
        assert code == "fresh" and auth in ("basic", "post", "public") and (content_type or "").startswith(FORM)
        assert values_of(pairs, "grant_type") == ["authorization_code"], pairs
        assert values_of(pairs, "redirect_uri") == [REDIRECT] and values_of(pairs, "code_verifier") == [VERIFIER]
        assert answer["token_type"] == "Bearer" and answer["access_token"] and answer["id_token"], answer
        assert "refresh_token" not in answer
        return
    assert answer["error"] in TOKEN_ERRORS, answer
    assert (reply.status == 401) == (answer["error"] == "invalid_client"), (reply.status, answer)
    if reply.status == 401 and headers.get("Authorization", "").startswith("Basic"):
        assert reply.headers.get("www-authenticate", "").startswith("Basic"), reply.headers


# --- userinfo ----------------------------------------------------------------------------------------------------


@given(
    method=st.sampled_from(["GET", "POST"]),
    header=st.sampled_from(["valid", "random", "none", "basic", "garbage", "lowercase"]) | PRINTABLE,
    form=st.sampled_from([[], [("access_token", "valid")], [("access_token", "x")]])
    | st.lists(st.tuples(PRINTABLE, ANY_TEXT), max_size=2),
    content_type=CONTENT_TYPES,
)
@settings(max_examples=EXAMPLES // 2, **EXAMPLES_SETTINGS)
def test_userinfo_answers_claims_for_the_live_token_only_and_bearer_errors_otherwise(
    provider, method, header, form, content_type
):
    authorization = {
        "valid": f"Bearer {provider.access_token}",
        "lowercase": f"bearer {provider.access_token}",
        "random": f"Bearer {secrets.token_urlsafe(32)}",
        "none": None,
        "basic": provider.basic(),
        "garbage": "Bearer " + "é" * 3,
    }.get(header, header)
    pairs = [(name, provider.access_token if value == "valid" else value) for name, value in form]
    path, body, headers = request_of(method, "/oidc/userinfo", pairs if method == "POST" else [], content_type)
    if authorization is not None:
        try:
            authorization.encode("latin-1")
        except UnicodeEncodeError:
            authorization = authorization.encode("utf-8").decode("latin-1")
        headers["Authorization"] = authorization
    reply = provider.call(method, path, body, headers)
    no_failure(reply)
    assert reply.status in (200, 400, 401), (reply.status, reply.text[:300])
    answer = oauth_json(reply)
    if reply.status == 200:
        assert answer["sub"] and answer["preferred_username"] == provider.identifier, answer
        return
    assert answer["error"] in BEARER_ERRORS, answer
    assert reply.headers.get("www-authenticate", "").startswith("Bearer"), reply.headers


# --- logout ------------------------------------------------------------------------------------------------------

LOGOUT_ALTERNATIVES = {
    "id_token_hint": ["eyJhbGciOiJub25lIn0.e30.", "x.y.z", "hint"],
    "client_id": [CONFIDENTIAL, PUBLIC, "inconnu-123"],
    "post_logout_redirect_uri": [POST_LOGOUT, POST_LOGOUT + "/", "https://ailleurs.example/"],
    "state": ["etat", "é"],
    "logout_hint": ["jdupont12"],
    "ui_locales": ["fr"],
}


@given(
    pairs=mutated({"post_logout_redirect_uri": POST_LOGOUT, "state": "etat"}, LOGOUT_ALTERNATIVES),
    hint=st.booleans(),
    method=METHODS,
    content_type=CONTENT_TYPES,
    cookie=st.sampled_from(["none", "garbage"]),  # the live session is the other tests': it is not ended here
)
@settings(max_examples=EXAMPLES // 2, **EXAMPLES_SETTINGS)
def test_logout_returns_only_to_a_registered_page_of_the_proven_client(
    provider, pairs, hint, method, content_type, cookie
):
    pairs = list(pairs) + ([("id_token_hint", provider.id_token)] if hint else [])
    path, body, headers = request_of(method, "/oidc/logout", pairs, content_type)
    reply = provider.call(method, path, body, {**headers, **provider.cookie("g" * 43 if cookie == "garbage" else None)})
    no_failure(reply)
    assert reply.status in (200, 302, 303), (reply.status, reply.text[:300])
    if reply.status == 200:
        french_page(reply)
        return
    location = reply.headers["location"]
    if ours(provider, location):
        assert method == "POST" and urlsplit(location).path == "/oidc/logout", location  # the same request as a GET
        return
    read = pairs if method == "GET" or (content_type or "").startswith(FORM) else []
    assert location.split("?", 1)[0] == POST_LOGOUT and values_of(read, "post_logout_redirect_uri") == [POST_LOGOUT]
    hints, client_ids = values_of(read, "id_token_hint"), values_of(read, "client_id")
    assert [provider.id_token] == hints or client_ids == [CONFIDENTIAL], pairs  # the client proven
    assert client_ids in ([], [CONFIDENTIAL]), pairs
    states = values_of(read, "state")
    assert parse_qs(urlsplit(location).query).get("state") == (states if len(states) == 1 else None), location


# --- discovery, keys, continue -----------------------------------------------------------------------------------


@given(
    path=st.sampled_from(["/.well-known/openid-configuration", "/oidc/jwks.json", "/oidc/continue"]),
    query=st.lists(st.tuples(PRINTABLE, ANY_TEXT), max_size=3),
    session=st.sampled_from([None, "garbage", "live"]),
    sign_in=st.sampled_from([None, "g" * 43]) | PRINTABLE.filter(lambda v: v and ";" not in v and "," not in v),
)
@settings(max_examples=EXAMPLES // 2, **EXAMPLES_SETTINGS)
def test_discovery_keys_and_continue_hold_whatever_the_query_and_cookies(provider, path, query, session, sign_in):
    cookie = provider.cookie({"garbage": "g" * 43, "live": provider.session}.get(session), sign_in)
    reply = provider.call("GET", f"{path}?{urlencode(query)}" if query else path, headers=cookie)
    no_failure(reply)
    if path == "/oidc/continue":
        assert reply.status in (302, 303) or reply.status == 400, (reply.status, reply.text[:300])
        if reply.status == 400:
            french_page(reply)
        else:
            assert ours(provider, reply.headers["location"]), reply.headers
        return
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    document = reply.json()
    if "well-known" in path:
        assert document["issuer"] == provider.url, document
    else:
        assert document["keys"] and all(key["kty"] == "RSA" and key["kid"] for key in document["keys"]), document
