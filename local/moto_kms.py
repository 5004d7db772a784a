"""moto's KMS made to behave as AWS documents it where the service depends on it, and cheap enough to create a key in
every test. Installed wherever moto stands in for KMS: the tests, the harness, the local server, sam local's moto
server. tests/integration/test_kms_fidelity.py pins both what moto does by itself and what this adds.

What moto 5.2.5 gets wrong, and AWS's documentation (API_Sign, API_GetPublicKey) says:
- Sign ignores MessageType: a DIGEST is hashed again, so the signature covers SHA-256(digest) and fails every
  outside check against the public key. AWS: "When the value is DIGEST, KMS skips the hashing step", and "the length
  of the Message value must match the length of hashed messages for the specified signing algorithm".
- Sign takes a RAW message of any size. AWS: "Messages can be 0-4096 bytes".
- Sign and GetPublicKey work on a disabled key or one pending deletion. AWS: DisabledException, and
  KMSInvalidStateException ("the state of the specified resource is not valid for this request").
- GetPublicKey gives the bare key id as KeyId and no KeySpec. AWS: the key ARN, and KeySpec.
Verify is not corrected: the service never calls it (relying parties and verified_claims check signatures with the
public key, as AWS recommends).

And one speed-up that changes nothing a test can see: moto makes a 2048-bit RSA key (50-200 ms of CPU) for every key
it creates, even a symmetric one. Key material is kept per process and handed out again in order of creation, so
that each key of one moto account gets its own material (two keys never sign alike) and a fresh moto of the next
test reuses it instead of generating it again.
"""

from __future__ import annotations

import base64
import contextvars
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

RAW_MESSAGE_LIMIT = 4096
_HASH_BYTES = {"SHA_256": 32, "SHA_384": 48, "SHA_512": 64}
_STATE_WORDS = {"PendingDeletion": "pending deletion", "PendingImport": "pending import", "Unavailable": "unavailable"}

_originals: dict[str, Any] = {}
_lock = threading.Lock()
_material: dict[tuple[str, int], Any] = {}  # (key spec, rank of the key in its account) → moto's private key
_rank: contextvars.ContextVar[int | None] = contextvars.ContextVar("moto_kms_rank", default=None)


def _validation(message: str):
    from moto.kms.exceptions import ValidationException

    return ValidationException(message)


def _error(code: str, message: str):
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _usable(key) -> None:
    if key.key_state == "Disabled":
        raise _error("DisabledException", f"{key.arn} is disabled.")
    if key.key_state != "Enabled":
        state = _STATE_WORDS.get(key.key_state, key.key_state)
        raise _error("KMSInvalidStateException", f"{key.arn} is {state}.")


def _hash_for(algorithm: str):
    from cryptography.hazmat.primitives import hashes

    for suffix, size in _HASH_BYTES.items():
        if algorithm.endswith(suffix):
            return size, {32: hashes.SHA256(), 48: hashes.SHA384(), 64: hashes.SHA512()}[size]
    raise _validation(f"Unsupported signing algorithm {algorithm}")


def _sign_digest(private_key, digest: bytes, algorithm: str) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

    size, hash_algorithm = _hash_for(algorithm)
    if len(digest) != size:
        raise _validation(f"Digest is invalid length for algorithm {algorithm}.")
    prehashed = utils.Prehashed(hash_algorithm)
    key = private_key.private_key  # moto's wrapper → cryptography's key
    if algorithm.startswith("ECDSA_"):
        return key.sign(digest, ec.ECDSA(prehashed))
    if algorithm.startswith("RSASSA_PSS_"):  # KMS uses a salt as long as the digest
        return key.sign(digest, padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=size), prehashed)
    return key.sign(digest, padding.PKCS1v15(), prehashed)


def _sign(self) -> str:
    """KmsResponse.sign as AWS documents it (MessageType, message length, key state)."""
    params = json.loads(self.body)
    key_id = params.get("KeyId", "")
    self._validate_key_id(key_id)
    key = self.kms_backend.describe_key(key_id)
    _usable(key)
    message_type = params.get("MessageType") or "RAW"
    if message_type not in ("RAW", "DIGEST", "EXTERNAL_MU"):
        raise _validation(
            f"1 validation error detected: Value '{message_type}' at 'messageType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]"
        )
    message = base64.b64decode(params.get("Message") or "")
    if message_type == "RAW":
        if len(message) > RAW_MESSAGE_LIMIT:
            raise _validation(
                "1 validation error detected: Value at 'message' failed to satisfy constraint: "
                f"Member must have length less than or equal to {RAW_MESSAGE_LIMIT}"
            )
        return _originals["sign"](self)
    algorithm = params.get("SigningAlgorithm", "")
    if message_type == "EXTERNAL_MU" or key.key_usage != "SIGN_VERIFY" or algorithm not in key.signing_algorithms:
        return _originals["sign"](self)  # moto's own refusals (usage, algorithm), as for a raw message
    signature = _sign_digest(key.private_key, message, algorithm)
    return json.dumps(
        {"KeyId": key.arn, "Signature": base64.b64encode(signature).decode("ascii"), "SigningAlgorithm": algorithm}
    )


def _get_public_key(self) -> str:
    params = json.loads(self.body)
    key_id = params.get("KeyId", "")
    self._validate_key_id(key_id)
    key = self.kms_backend.describe_key(key_id)
    _usable(key)
    answer = json.loads(_originals["get_public_key"](self))
    answer.update(KeyId=key.arn, KeySpec=key.key_spec)
    return json.dumps(answer)


def _create_key(self, *args, **kwargs):
    token = _rank.set(len(self.keys))
    try:
        return _originals["create_key"](self, *args, **kwargs)
    finally:
        _rank.reset(token)


def _generate_private_key(key_spec: str):
    rank = _rank.get()
    if rank is None:  # a key made outside create_key (CloudFormation, replicas): as moto does
        return _originals["generate_private_key"](key_spec)
    with _lock:
        if (key_spec, rank) not in _material:
            _material[key_spec, rank] = _originals["generate_private_key"](key_spec)
        return _material[key_spec, rank]


def _targets():
    from moto.kms import models, responses

    return {
        "sign": (responses.KmsResponse, "sign", _sign),
        "get_public_key": (responses.KmsResponse, "get_public_key", _get_public_key),
        "create_key": (models.KmsBackend, "create_key", _create_key),
        "generate_private_key": (models, "generate_private_key", _generate_private_key),
    }


def install() -> None:
    """Patch moto's KMS (once per process; later calls do nothing)."""
    with _lock:
        if _originals:
            return
        for name, (owner, attribute, replacement) in _targets().items():
            _originals[name] = getattr(owner, attribute)
            setattr(owner, attribute, replacement)


@contextmanager
def as_shipped() -> Iterator[None]:
    """moto's KMS without this module's corrections, for the tests that show what they correct."""
    install()
    targets = _targets()
    for name, (owner, attribute, _) in targets.items():
        setattr(owner, attribute, _originals[name])
    try:
        yield
    finally:
        for owner, attribute, replacement in targets.values():
            setattr(owner, attribute, replacement)
