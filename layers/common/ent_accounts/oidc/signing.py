"""The provider's signed tokens (ID tokens, logout tokens): RS256 compact JWS made by a KMS key, the JWKS that lets
relying parties check them, and the check of a token that comes back (an id_token_hint).

- `sign`: the header and payload are built here, their SHA-256 digest is signed by KMS (one Sign call per token,
  ent_accounts/kms.py); the private key never leaves KMS.
- `kid`: the key's id, the last segment of its ARN, known without asking KMS. A rotation gives the new key a new kid.
- `jwks`: the signing key and the published ones (the next key before it signs, the previous one until its tokens
  are of no more use; README, "Signing keys and their rotation"), each public key fetched once per container.
- `verified_claims`: the payload of a token signed by one of those keys, checked here with the cached public key (no
  KMS call); None for anything else. It checks no time: the caller decides what an expired hint still proves.

joserfc (and cryptography under it) lives in the OIDC functions' own layer and costs about 120 ms to import: it is
loaded only by `jwks` and `verified_claims`, never on the path of `sign` (the token endpoint).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

from ent_accounts import kms

ALGORITHM = "RS256"
# Beyond any token this provider makes (a few hundred bytes of claims): a longer hint is refused before it is read.
MAX_TOKEN_CHARS = 16_384
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/([A-Za-z0-9-]+)")


def kid(key_arn: str) -> str:
    """The JWS key id of a KMS key: its key id (a UUID, or mrk-… for a multi-Region key), from its ARN. An alias
    would name different keys over time, so only a key ARN is accepted."""
    found = _KEY_ARN.fullmatch(key_arn)
    if not found:
        raise ValueError(f"not a KMS key ARN: {key_arn!r}")
    return found.group(1)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(part: str) -> bytes | None:
    """base64url without padding (RFC 7515, 2), strictly: anything else is None."""
    if not _BASE64URL.fullmatch(part) or len(part) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def _json_object(data: bytes | None) -> dict | None:
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _compact(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class TokenSigner:
    def __init__(self, signing_key: str, published_keys: tuple[str, ...] = (), client: Any = None) -> None:
        """`signing_key`, `published_keys`: KMS key ARNs (OIDC_SIGNING_KEY, OIDC_PUBLISHED_KEYS); an empty signing
        key means no OIDC in this function (signing then raises). `client`: a boto3 KMS client, made on first use
        when None."""
        self.signing_key = signing_key
        self.published_keys = tuple(key for key in dict.fromkeys(published_keys) if key != signing_key)
        self._client = client
        keys = (signing_key, *self.published_keys) if signing_key else self.published_keys
        self._key_of_kid = {kid(key): key for key in keys}
        self._public_keys: dict[str, Any] = {}  # key ARN → joserfc RSAKey (public), once per container
        self._jwks: list[dict[str, str]] | None = None

    @property
    def client(self):
        if self._client is None:
            self._client = kms.new_client()
        return self._client

    @property
    def kid(self) -> str:
        return kid(self._require_signing_key())

    def _require_signing_key(self) -> str:
        if not self.signing_key:
            raise RuntimeError("OIDC_SIGNING_KEY is not set: this function cannot sign tokens")
        return self.signing_key

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        """An RS256 compact JWS of `claims`, header {alg, typ, kid}: one KMS Sign call. Raises ServiceBusy when KMS
        is busy or out of reach, kms.KeyUnusable when the key cannot sign (configuration)."""
        key = self._require_signing_key()
        header = {"alg": ALGORITHM, "typ": typ, "kid": kid(key)}
        signing_input = f"{_encode(_compact(header))}.{_encode(_compact(claims))}"
        digest = hashlib.sha256(signing_input.encode("ascii")).digest()
        return f"{signing_input}.{_encode(kms.sign_digest(self.client, key, digest))}"

    def jwks(self) -> dict:
        """{"keys": [...]}: the signing key first, then the published ones, as RFC 7517 JWKs (kty, use, alg, kid, n,
        e). GetPublicKey once per key and container."""
        if self._jwks is None:
            ordered = [key for key in (self.signing_key, *self.published_keys) if key]
            self._jwks = [self._jwk(key) for key in ordered]
        return {"keys": [dict(key) for key in self._jwks]}

    def _public_key(self, key_arn: str):
        if key_arn not in self._public_keys:
            from joserfc.jwk import RSAKey

            der = kms.public_key(self.client, key_arn)
            parameters = {"kid": kid(key_arn), "use": "sig", "alg": ALGORITHM}
            self._public_keys[key_arn] = RSAKey.import_key(der, parameters)
        return self._public_keys[key_arn]

    def _jwk(self, key_arn: str) -> dict[str, str]:
        public = self._public_key(key_arn).as_dict(private=False)
        return {name: public[name] for name in ("kty", "use", "alg", "kid", "n", "e")}

    def verified_claims(self, token: Any) -> dict | None:
        """The payload of `token` if it is an RS256 compact JWS signed by the signing key or a published one; None
        for anything else (not a string, malformed, another alg — "none" included —, a crit header, an unknown kid,
        a bad signature, a payload that is not a JSON object). No time is checked. Bad input never raises; only KMS
        out of reach while the key's public half is fetched for the first time does (ServiceBusy)."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            return None
        encoded_header, _, encoded_signature = token.split(".")
        header = _json_object(_decode(encoded_header))
        if header is None or header.get("alg") != ALGORITHM or "crit" in header:
            return None
        key_arn = self._key_of_kid.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
        if key_arn is None or _decode(encoded_signature) is None:
            return None
        public = self._public_key(key_arn)
        from joserfc import jws
        from joserfc.errors import JoseError

        try:
            verified = jws.deserialize_compact(token, public, algorithms=[ALGORITHM])
        except (JoseError, ValueError, TypeError, KeyError):
            return None
        return _json_object(verified.payload)
