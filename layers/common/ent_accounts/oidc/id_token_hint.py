"""An ID token this provider issued, coming back as a hint (OIDC Core §3.1.2.1 `id_token_hint` at the authorization
endpoint, RP-Initiated Logout 1.0 §2 at the logout endpoint): whom it was issued to and about whom.

Its signature is checked against the provider's published keys, locally (oidc/signing.py: `verified_claims`); its
expiry is not, as both specifications allow an expired hint. Anything else (not ours, another issuer, several or no
audiences, a logout token: it carries `events`) is None: nothing it says is believed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IssuedIdToken:
    audience: str  # the client it was issued to
    subject: str  # `sub` as that client knows the account
    sid: str | None  # the session as that client knows it (its own for a pairwise client)


def issued_id_token(signer: Any, token: str, issuer: str) -> IssuedIdToken | None:
    """The hint's audience and subject when `signer` (the provider's TokenSigner) signed it for `issuer`."""
    claims = signer.verified_claims(token)
    if not claims or claims.get("iss") != issuer or "events" in claims:
        return None
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    subject = claims.get("sub")
    if len(audiences) != 1 or not isinstance(audiences[0], str) or not isinstance(subject, str):
        return None
    sid = claims.get("sid")
    return IssuedIdToken(audiences[0], subject, sid if isinstance(sid, str) else None)
