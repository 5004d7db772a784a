"""Random one-time codes (links, challenges, sessions): handed out once, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

TOKEN_BYTES = 32  # 256 bits: cannot be guessed, so a fast hash is enough to store it


class Purpose(StrEnum):
    CHALLENGE = "challenge"  # provisional password accepted: allows the first connection
    ACCOUNT_ACTIVATION = "account_activation"  # validation link sent at first connection (or resent)
    EMAIL_CHANGE = "email_change"
    PASSWORD_RESET = "password_reset"  # noqa: S105
    STAFF_INVITATION = "staff_invitation"  # a school staff member's invitation link (identifier: the member's id)
    STAFF_ROLE_OFFER = "staff_role_offer"  # a role offered to an existing member (identifier: their id; `uai`)


@dataclass
class Code:
    code_hash: str
    purpose: Purpose
    identifier: str
    expires_at: datetime
    email: str | None = None  # the address a validation link confirms
    used: bool = False
    credential_version: int | None = None  # a reset link works only while the password it replaces is current
    wrong_attempts: int = 0  # wrong answers given with it (birth dates with a challenge): it dies after a few
    uai: str | None = None  # the school a staff role offer is for (its offer item: store/staff.py)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before any lookup: forged or truncated codes never reach the table."""
    return 40 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
