"""The KMS keys that sign the provider's tokens, through boto3: Sign of a digest and GetPublicKey, with AWS's answers
turned into the service's errors. The JOSE side (headers, JWKS, verification) is oidc/signing.py, which knows no
AWS SDK: it hands this module the client and the key.

The private key never leaves KMS. A token costs one Sign call whose message is the SHA-256 digest of the JWS signing
input (MessageType DIGEST): 32 bytes whatever the claims, so no claim (a name, an e-mail, a nonce) ever reaches KMS
and no token can exceed the 4,096 bytes KMS accepts as a raw message (API_Sign: "To sign a larger message, provide a
message digest"; "When the value of MessageType is DIGEST, the length of the Message value must match the length of
hashed messages for the specified signing algorithm").
"""

from __future__ import annotations

from typing import Any

from ent_accounts.errors import ServiceBusy
from ent_accounts.observability import logger

# RS256 (RFC 7518, 3.3) is RSASSA-PKCS1-v1_5 with SHA-256: what every relying party supports.
SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"
DIGEST_BYTES = 32  # SHA-256

# KMS did nothing and the same call a little later should pass (after botocore's own retries).
BUSY = {
    "ThrottlingException",
    "KMSInternalException",
    "DependencyTimeoutException",
    "KeyUnavailableException",
    "ServiceUnavailable",
    "InternalFailure",
}


class KeyUnusable(RuntimeError):
    """The key cannot sign or publish: disabled, scheduled for deletion, missing, of the wrong kind, or not this
    function's to use (IAM). A configuration error, logged as one; no retry will help until the stack is fixed."""


def client_config():
    from botocore.config import Config

    # Standard retry mode backs off on throttling (KMS's request quota is shared by the account and region);
    # short timeouts keep the token endpoint well under API Gateway's 29 s.
    return Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)


def new_client():
    import boto3

    return boto3.client("kms", config=client_config())


def _call(operation: str, key_arn: str, call):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as error:
        reason = error.response["Error"]["Code"]
        if reason in BUSY:
            logger.warning("KMS busy", extra={"operation": operation, "reason": reason})
            raise ServiceBusy() from None
        logger.error("KMS key unusable", extra={"operation": operation, "reason": reason, "key": key_arn})
        raise KeyUnusable(f"{operation} on {key_arn}: {reason}") from None
    except BotoCoreError as error:  # timeouts, connection failures: nothing was signed
        logger.warning("KMS out of reach", extra={"operation": operation, "reason": type(error).__name__})
        raise ServiceBusy() from None


def sign_digest(client: Any, key_arn: str, digest: bytes) -> bytes:
    """The RS256 signature of a SHA-256 digest by the key: one Sign call."""
    if len(digest) != DIGEST_BYTES:
        raise ValueError("a SHA-256 digest is expected")
    answer = _call(
        "Sign",
        key_arn,
        lambda: client.sign(KeyId=key_arn, Message=digest, MessageType="DIGEST", SigningAlgorithm=SIGNING_ALGORITHM),
    )
    return answer["Signature"]


def public_key(client: Any, key_arn: str) -> bytes:
    """The key's public half (DER SubjectPublicKeyInfo), after checking that the key can make RS256 signatures: a key
    for encryption or an elliptic-curve key in OIDC_SIGNING_KEY would otherwise fail only at the first token."""
    answer = _call("GetPublicKey", key_arn, lambda: client.get_public_key(KeyId=key_arn))
    if answer.get("KeyUsage") != "SIGN_VERIFY" or SIGNING_ALGORITHM not in answer.get("SigningAlgorithms", []):
        spec = answer.get("KeySpec") or answer.get("CustomerMasterKeySpec")
        logger.error("KMS key cannot sign RS256", extra={"key": key_arn, "usage": answer.get("KeyUsage"), "spec": spec})
        raise KeyUnusable(f"{key_arn} is not an RSA signing key ({answer.get('KeyUsage')}, {spec})")
    return answer["PublicKey"]


# --- the staff members' TOTP secrets (staff/secrets.py): a symmetric key, the member's id as encryption context ---


def encrypt(client: Any, key_arn: str, plaintext: bytes, context: dict[str, str]) -> bytes:
    """The ciphertext of a small secret under the key (one Encrypt call), bound to `context`: the same context is
    needed to decrypt, so a ciphertext copied onto another item does not open."""
    answer = _call(
        "Encrypt",
        key_arn,
        lambda: client.encrypt(KeyId=key_arn, Plaintext=plaintext, EncryptionContext=context),
    )
    return answer["CiphertextBlob"]


def decrypt(client: Any, key_arn: str, ciphertext: bytes, context: dict[str, str]) -> bytes:
    """The plaintext of `encrypt`'s ciphertext (one Decrypt call, the key named so that no other key is tried)."""
    answer = _call(
        "Decrypt",
        key_arn,
        lambda: client.decrypt(KeyId=key_arn, CiphertextBlob=ciphertext, EncryptionContext=context),
    )
    return answer["Plaintext"]
