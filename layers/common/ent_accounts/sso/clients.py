"""The services (clients) an académie lets sign its students and parents in, as the registry keeps them.

A client is registered by ops or the académie (admin routes, `ent_admin clients`), never by itself: there is no
dynamic registration. Its redirect URIs are compared as exact strings (RFC 9700 §4.1.3), its secret is shown once
and kept only as a SHA-256 hash (256 random bits need no slow hash), and it may sign in only the accounts of the
schools it serves.

A client speaks OpenID Connect when it has redirect URIs, CAS when it has service URLs, or both. The rules of a
registration live in sso/registration.py (they read CAS's service URL rules, which read this module).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit


class AuthMethod(StrEnum):
    """How a client authenticates at the token endpoint (OAuth 2.0 `token_endpoint_auth_method`)."""

    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 (a method's name, not a secret)
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105
    NONE = "none"  # a public client (an app that cannot keep a secret): PKCE alone binds its codes


SECRET_BYTES = 32
CLIENT_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str  # shown to students and parents: "Connexion à : ENT Occitanie"
    redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: AuthMethod = AuthMethod.CLIENT_SECRET_BASIC
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None  # told when a session it was signed in through ends
    initiate_login_uri: str | None = None  # where the services page (/bureau) sends a student to open it
    schools: frozenset[str] = frozenset()  # UAIs whose students and parents it may sign in …
    all_schools: bool = False  # … or every school, granted explicitly
    pairwise_subject: bool = False  # its `sub` differs from every other client's (OIDC Core §8.1)
    subject_salt: str = ""  # random, per client, never shown: what makes its pairwise `sub` its own
    secret_hashes: tuple[str, ...] = ()  # the current secret's hash, then the previous one's during a rotation
    previous_secret_expires_at: datetime | None = None  # the previous secret works until then
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0  # bumped at each change: an update based on an older read is refused
    # CAS (cas/): the service URLs it may ask tickets for (scheme://host[:port]/path, a path ending in "/" covering
    # everything below it: cas/services.py), the attributes its validations release (cas/attributes.py), and
    # whether it receives CAS single logout requests when a session it was signed in through ends.
    service_urls: tuple[str, ...] = ()
    cas_attributes: tuple[str, ...] = ()
    cas_single_logout: bool = True

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method is AuthMethod.NONE

    def serves(self, uai: str) -> bool:
        return self.all_schools or uai in self.schools

    def accepts_redirect_uri(self, uri: str) -> bool:
        return uri in self.redirect_uris

    def accepts_post_logout_redirect_uri(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris

    @property
    def speaks_oidc(self) -> bool:
        return bool(self.redirect_uris)

    @property
    def speaks_cas(self) -> bool:
        return bool(self.service_urls)


def new_client_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_subject_salt() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(client: Client, secret: str, now: datetime) -> bool:
    """Whether `secret` is the client's current secret, or its previous one while the rotation's grace lasts.

    Every stored hash is compared (constant time each), so the time taken says nothing about which one matched."""
    if not client.secret_hashes or not secret:
        return False
    presented = hash_secret(secret)
    current, *previous = client.secret_hashes
    matches = hmac.compare_digest(presented, current)
    grace = client.previous_secret_expires_at is not None and now < client.previous_secret_expires_at
    for old in previous:
        matches |= hmac.compare_digest(presented, old) and grace
    return matches


def service_url_key(url: str) -> str:
    """What tells two registered service URLs apart: the scheme, host and port (the scheme's default when none is
    named) and the path, as cas/services.py matches them (`https://ENT.example.fr:443/cas` is
    `https://ent.example.fr/cas`). For a URL registration accepted (sso/registration.py); the registry refuses a key
    that another client holds (store/clients.py)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}{parts.path or '/'}"
