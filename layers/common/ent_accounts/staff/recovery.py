"""Recovery codes: the way in when the phone with the TOTP application is lost. Ten are made at enrolment, shown
once, and stored only as HMAC-SHA256 under the member's TOTP secret (which the table holds encrypted by KMS) over the
member's id and the code: each works once (its hash is removed by a conditional write), its use is audited, and the
page says how many remain. Ten characters from an alphabet without look-alikes (about 50 bits): a code cannot be
guessed within the lock-out's limit of attempts, and a copy of the table alone cannot be searched offline for them
(it would need KMS to open the key)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

COUNT = 10
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LENGTH = 10


def new_codes(count: int = COUNT) -> list[str]:
    """`count` new codes as shown: two groups of five (ABCDE-FGHJK)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalize(raw: str) -> str:
    return "".join(c for c in raw.upper() if c.isalnum())


def looks_like_recovery_code(raw: str) -> bool:
    code = normalize(raw)
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def hash_code(totp_secret: str, member_id: str, raw: str) -> str:
    """The stored form of a recovery code: keyed by the member's TOTP secret (base32, in clear only in memory), over
    the member's id and the code as normalized (so however it is typed)."""
    message = f"{member_id}:{normalize(raw)}".encode("ascii")
    return hmac.new(totp_secret.encode("ascii"), message, hashlib.sha256).hexdigest()
