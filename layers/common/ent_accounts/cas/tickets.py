"""Service tickets (CAS 3.0 §3.1): what /cas/login hands a service through the browser, and the record kept of it.

A ticket is `ST-` and 43 random characters of [A-Za-z0-9] (≈ 256 bits): CAS §3.7 allows only letters, digits and
"-" in a ticket (mod_auth_cas drops a ticket holding anything else, so codes.new_token's URL-safe "_" would not do).
It is stored only as its SHA-256 (codes.hash_token), with everything its validation answers, computed when it is
issued: the `user`, the attributes the service's registration releases, whether the password was typed for this
very sign-in (`renew`, `isFromNewLogin`), and when it was last proven. It works once, for CAS_TICKET_SECONDS (10 s
by default: a service validates it at once, in its own request), for the exact service URL it was issued to.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime

SERVICE_TICKET = "ST-"
PROXY_TICKET = "PT-"  # never issued here (no proxying): recognised only to refuse it in the spec's words
TICKET_CHARACTERS = 43  # 62 ** 43 > 2 ** 256
_ALPHABET = string.ascii_letters + string.digits
_OURS = re.compile(rf"ST-[A-Za-z0-9]{{{TICKET_CHARACTERS}}}")


@dataclass(frozen=True)
class ServiceTicket:
    ticket_hash: str  # SHA-256 of the ticket: the ticket itself is never stored
    client_id: str
    service: str  # the service URL exactly as /cas/login received it: validation compares it as a string
    identifier: str  # the account
    session_hash: str  # the session it came through: its validation records the service there (single logout)
    user: str  # what the validation answers as <cas:user> (cas/attributes.py: the identifier)
    authenticated_at: datetime  # when the password was last proven in that session (authenticationDate)
    from_new_login: bool  # the password was typed for this sign-in (renew=true, isFromNewLogin)
    valid_until: datetime  # validated after this instant: INVALID_TICKET
    expires_at: datetime  # TTL
    attributes: dict[str, list[str]] = field(default_factory=dict)  # those the registration releases, read at issue


def new_ticket() -> str:
    return SERVICE_TICKET + "".join(secrets.choice(_ALPHABET) for _ in range(TICKET_CHARACTERS))


def looks_like_ours(ticket: str) -> bool:
    """Whether this could be a ticket issued here (checked before any lookup: a forged shape never reaches the
    table)."""
    return bool(_OURS.fullmatch(ticket))
