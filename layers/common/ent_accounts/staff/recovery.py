"""Recovery codes: the way in when the phone with the TOTP application is lost. Ten are made at enrolment, shown
once, and stored as SHA-256 hashes; each works once (its hash is removed by a conditional write), its use is
audited, and the page says how many remain. Ten characters from an alphabet without look-alikes (about 52 bits):
a code cannot be guessed within the lock-out's limit of attempts, so a fast hash is enough."""

from __future__ import annotations

import hashlib
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


def hash_code(raw: str) -> str:
    return hashlib.sha256(normalize(raw).encode("ascii")).hexdigest()
