"""What single-logout tests stand on: a relying party's back-channel endpoint, or a CAS service's pages, on loopback
(http.server in a thread), a signer that signs as the KMS one does (RS256 compact JWS, `kid`, the caller's `typ`)
with a key made here, the client registry, and the checks an RP makes of a logout token (OpenID Connect Back-Channel
Logout 1.0 §2.6).

The signer stands in for `ent_accounts.oidc.signing.TokenSigner` (same `sign` and `jwks`) until the signing work is
merged; the registry is the store's when it has one (`create_client`), else the client is served by `get_client` here.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from joserfc import jws, jwt
from joserfc.jwk import KeySet, RSAKey

EVENT = "http://schemas.openid.net/event/backchannel-logout"


class LocalSigner:
    """RS256 signatures with a key of its own; counts its signatures (one per token, as one KMS Sign)."""

    def __init__(self, kid: str = "test-signing-key") -> None:
        self.kid = kid
        self._key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)
        self.signed: list[dict] = []  # the headers of every token signed

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        header = {"alg": "RS256", "typ": typ, "kid": self.kid}
        self.signed.append(header)
        return jws.serialize_compact(header, json.dumps(claims, separators=(",", ":")), self._key)

    def jwks(self) -> dict:
        return {"keys": [self._key.as_dict(private=False)]}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("ascii"), strict_parsing=True)


@dataclass
class RelyingParty:
    """A relying party's back-channel logout endpoint (or a CAS service) on 127.0.0.1: it records each request and
    answers `status` (with `location` on a redirect)."""

    status: int = 200
    location: str | None = None
    received: list[Received] = field(default_factory=list)
    port: int = 0  # 0: any free port; a given one to come back where a client was down (unreachable_url's)

    def __post_init__(self) -> None:
        rp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                rp.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(rp.status)
                if rp.location:
                    self.send_header("Location", rp.location)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/backchannel-logout"

    def at(self, path_and_query: str) -> str:
        """Another URL of this server (a CAS service's page, where its logout requests are posted)."""
        return f"http://127.0.0.1:{self._server.server_port}{path_and_query}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def logout_tokens(self) -> list[str]:
        return [token for request in self.received for token in request.form.get("logout_token", [])]

    def logout_requests(self) -> list[str]:
        """The CAS single logout requests received (the `logoutRequest` field: SAML 2 LogoutRequest XML)."""
        return [xml for request in self.received for xml in request.form.get("logoutRequest", [])]


def unreachable_url() -> str:
    """A loopback URL nobody listens on: connecting is refused, as for a client that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/backchannel-logout"


def serve_client(store: Any, client: Any, monkeypatch: Any) -> None:
    """Register `client` in the store's registry, or replace its registration (or, until the store has a registry,
    serve it from `get_client`)."""
    if hasattr(type(store), "create_client"):
        registered = store.get_client(client.client_id)
        if registered is None:
            store.create_client(client)
        else:
            store.replace_client(client, registered.version)
        from ent_accounts.registry_cache import forget

        forget(store)  # as the registry's flows do: the next read (CAS's service lookup, /bureau) lists it again
        return
    registry = getattr(store, "_test_clients", None)
    if registry is None:
        registry = {}
        monkeypatch.setattr(store, "_test_clients", registry, raising=False)
        monkeypatch.setattr(store, "get_client", registry.get, raising=False)
    registry[client.client_id] = client


def validated_logout_token(token: str, jwks: dict, *, issuer: str, client_id: str, now: int) -> dict:
    """What an RP does with a logout token (§2.6), step by step; its claims, or AssertionError naming the rule."""
    keys = KeySet.import_key_set(jwks)
    decoded = jwt.decode(token, keys, algorithms=["RS256"])  # 1-3: a JWT, signed by a key of the issuer's JWKS
    header, claims = decoded.header, decoded.claims
    assert header["typ"] == "logout+jwt", header  # §2.4: explicitly typed
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}, header
    assert claims["iss"] == issuer, claims  # 4: iss, aud, iat, exp as for an ID token
    assert claims["aud"] == client_id or client_id in claims["aud"], claims
    assert isinstance(claims["iat"], int) and claims["iat"] <= now + 60, claims
    assert isinstance(claims["exp"], int) and claims["exp"] > now, claims
    assert claims["exp"] - claims["iat"] <= 120, claims  # §2.4: a short lifetime (two minutes at most)
    assert claims.get("sub") or claims.get("sid"), claims  # 5: sub, sid or both
    assert claims.get("events") == {EVENT: {}} or EVENT in claims.get("events", {}), claims  # 6: the event
    assert isinstance(claims["events"][EVENT], dict), claims
    assert "nonce" not in claims, claims  # 7: never a nonce
    assert isinstance(claims.get("jti"), str) and len(claims["jti"]) >= 16, claims  # 8: unique, so replays show
    return claims
