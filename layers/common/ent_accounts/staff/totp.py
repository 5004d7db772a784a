"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): SHA-1, 6 digits, 30-second steps, the step before
and after the current one accepted (a phone's clock a little off, a code typed as it changed), as every
authenticator application (FreeOTP, Aegis, Google Authenticator, Microsoft Authenticator) computes them by default.

Written here rather than taken from pyotp: it is 40 lines of the standard library, checked against RFC 6238's own
test vectors (tests/unit/test_staff_totp.py), and it keeps the common layer from growing. Time comes from the
caller (the project's clock), never from the system.

`accepted_step` returns the step a code belongs to, so that the caller stores it and refuses any code of that step
or an earlier one afterwards (RFC 6238, 5.2: "the verifier MUST NOT accept the second attempt of the OTP after the
successful validation has been issued for the first OTP"); store/staff.py makes that write conditional, so that of
two requests presenting the same code at once, one wins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted before and after the current one
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommended length for HMAC-SHA-1
ISSUER = "ENT établissements"


def new_secret() -> str:
    """A new shared secret, in base32 without padding (what authenticator applications read)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int, digits: int = DIGITS) -> str:
    """HOTP (RFC 4226, 5.3) of the counter `step`: dynamic truncation of HMAC-SHA-1, `digits` decimal digits."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def code_at(secret: str, moment: datetime) -> str:
    return code_at_step(secret, step_of(moment))


def normalize_code(raw: str) -> str:
    """A typed code as compared: spaces and dashes dropped (applications show "123 456")."""
    return "".join(c for c in raw if c not in " -\u00a0\u202f")


def looks_like_code(raw: str) -> bool:
    code = normalize_code(raw)
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def accepted_step(secret: str, code: str, now: datetime, last_step: int = 0) -> int | None:
    """The time step of `code` when it is the code of a step within the window around `now` and later than
    `last_step` (the last one accepted); None otherwise (wrong, too old, too early, or already used). Every step of
    the window is compared, in constant time, whatever matches first."""
    code = normalize_code(code)
    if not looks_like_code(code):
        return None
    current = step_of(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(code_at_step(secret, step).encode(), code.encode()) and step > last_step:
            found = step if found is None else found
    return found


def grouped(secret: str) -> str:
    """The secret as the enrolment page shows it: groups of four letters, easier to type into an application."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI (Key Uri Format) an application reads from a QR code or a link."""
    label = quote(f"{issuer}:{account}", safe="@")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
