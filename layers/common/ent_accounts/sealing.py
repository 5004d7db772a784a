"""Seal data with a key only the client holds: AES-256-GCM (the cryptography package), key derived by HKDF-SHA256.

Used for answers kept for a replay: they carry provisional passwords, which the table must never hold in clear.
cryptography is imported on first use; only the functions that seal ship it (layers/admin/requirements.txt).
"""

from __future__ import annotations

import base64
import os
import zlib

NONCE_BYTES = 12
INFO = b"ent-accounts sealed answer v1"


def _key(secret: str, context: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=context.encode(), info=INFO).derive(secret.encode())


def seal(secret: str, context: str, plaintext: bytes) -> str:
    """Compressed, then encrypted and authenticated; `context` (e.g. the school) is bound to the key."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(secret, context)).encrypt(nonce, zlib.compress(plaintext, 9), None)
    return base64.b64encode(nonce + sealed).decode("ascii")


def unseal(secret: str, context: str, sealed: str) -> bytes:
    """The plaintext; raises cryptography's InvalidTag when the key or the context differ or the data was altered."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.b64decode(sealed)
    nonce, body = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    return zlib.decompress(AESGCM(_key(secret, context)).decrypt(nonce, body, None))
