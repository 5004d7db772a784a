"""What the provider hands out and keeps, stored only under the SHA-256 of the secret: authorization codes (60 s,
single use, bound to the client, the redirect URI and the PKCE challenge) and access tokens (short-lived, accepted
by userinfo only, and only while the session they came through lives). Issuing and redeeming them is
oidc/authorization.py and oidc/tokens.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class AuthorizationCode:
    code_hash: str
    client_id: str
    redirect_uri: str
    code_challenge: str  # S256: BASE64URL(SHA-256(code_verifier)), checked at the token endpoint
    identifier: str  # the account (never sent to the client)
    session_hash: str  # the session it was issued through (its token's hash): the token exchange records the
    #                    client on it, and fails once it has ended
    sid: str  # as this client knows the session (oidc/claims.sid_for: its own for a pairwise client)
    sub: str
    scope: str  # the scopes granted, space-separated
    auth_time: datetime
    valid_until: datetime  # redeemable until then (OIDC_CODE_SECONDS)
    expires_at: datetime  # kept until then (TTL): once used, as long as the access token it issued
    claims: dict = field(default_factory=dict)  # the scopes' claims, read with the account when the code was issued
    nonce: str | None = None
    # The account's credentials when the code was issued: the token exchange gives nothing once they changed (a
    # school reset, a password change) or the account is no longer ACTIVE or was deleted. None: a code issued before
    # this existed (its status alone is checked).
    credential_version: int | None = None
    used: bool = False
    access_token_hash: str | None = None  # what it issued: deleted when the code is presented again


@dataclass(frozen=True)
class AccessToken:
    token_hash: str
    client_id: str
    sub: str
    scope: str
    expires_at: datetime
    claims: dict = field(default_factory=dict)  # what userinfo answers (with `sub`)
    # Where it came from, checked by userinfo at each call: the token is worth nothing once its session has ended
    # (logout), its account's credentials changed, or its client was removed, even before `expires_at`.
    identifier: str = ""
    session_hash: str = ""
