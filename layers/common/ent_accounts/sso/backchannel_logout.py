"""OpenID Connect Back-Channel Logout 1.0: a client (relying party) is told that a session it was signed in through has
ended, by a signed logout token POSTed to its registered `backchannel_logout_uri` (§2.5).

The logout token (§2.4) holds `iss` (exactly the issuer of the client's ID tokens), `aud` (its client_id), `iat`, `exp`
(2 minutes later), `jti` (random), `events` ({"http://schemas.openid.net/event/backchannel-logout": {}}), and `sid` and
`sub` as in its ID tokens; never `nonce` (§2.4: it must not be mistaken for an ID token). It is signed like the ID
tokens (RS256, by KMS, `kid` in the header) with `typ` "logout+jwt" (§2.4, explicit typing: no ID-token validator
accepts it). A new token is made at every attempt, so a retry never replays an old one.

The client answers 200, or 204, which some frameworks substitute for an empty 200 (§2.8): delivered. Anything else,
or no answer within the timeout, raises NotDelivered, and the queue hands the notice over again. A client deleted since,
or registered without a back-channel URI, is not told: nothing is sent, and the notice is done.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from ent_accounts.sso.form_post import DELIVERED, NotDelivered, post_form
from ent_accounts.sso.logout_notifications import LogoutNotice

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_TYPE = "logout+jwt"  # noqa: S105 (a media type, not a secret)
LIFETIME = timedelta(minutes=2)
JTI_BYTES = 16  # 128 random bits: unique per token, so a client may refuse a replay
SUCCESS = (200, 204)

NO_SUCH_CLIENT = "skipped: no longer registered"
NO_BACKCHANNEL_URI = "skipped: no back-channel logout URI"


def logout_token_claims(notice: LogoutNotice, now: datetime, jti: str | None = None) -> dict[str, Any]:
    """The logout token's claims (§2.4) for this notice, issued at `now`."""
    issued = int(now.timestamp())
    return {
        "iss": notice.issuer,
        "aud": notice.client_id,
        "iat": issued,
        "exp": issued + int(LIFETIME.total_seconds()),
        "jti": jti or secrets.token_urlsafe(JTI_BYTES),
        "events": {EVENT: {}},
        "sid": notice.sid,
        "sub": notice.subject,
    }


def deliver_backchannel(services: Any, notice: LogoutNotice) -> str:
    """Tell the notice's client, as its registry record says now; the outcome (DELIVERED, or why nothing was sent).
    NotDelivered when the client did not take it.

    `services` gives `store.get_client`, `signer.sign` and `clock` (ent_accounts.services.Services)."""
    client = services.store.get_client(notice.client_id)
    if client is None:
        return NO_SUCH_CLIENT
    if not client.backchannel_logout_uri:
        return NO_BACKCHANNEL_URI
    token = services.signer.sign(logout_token_claims(notice, services.clock.now()), typ=TOKEN_TYPE)
    try:
        status = post_form(client.backchannel_logout_uri, {"logout_token": token})
    except NotDelivered as error:
        raise NotDelivered(f"{notice.client_id}: {error}") from None
    if status not in SUCCESS:
        raise NotDelivered(f"{notice.client_id} answered {status}")
    return DELIVERED
