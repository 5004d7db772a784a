"""The staff members' TOTP secrets, never stored in clear: encrypted by the KMS key of STAFF_SECRETS_KEY (the
template's StaffSecretsKey, symmetric), with the member's id as encryption context, and decrypted only to check a
code. The plaintext exists in the function's memory for the length of one check (or of the enrolment page)."""

from __future__ import annotations

from typing import Any

from ent_accounts import kms

CONTEXT_KEY = "staff_member"


class StaffSecrets:
    def __init__(self, key_arn: str, client: Any = None) -> None:
        self.key_arn = key_arn
        self._client = client

    @property
    def client(self):
        if self._client is None:
            self._client = kms.new_client()
        return self._client

    def seal(self, member_id: str, secret: str) -> bytes:
        if not self.key_arn:
            raise kms.KeyUnusable("STAFF_SECRETS_KEY is not set in this function")
        return kms.encrypt(self.client, self.key_arn, secret.encode("ascii"), {CONTEXT_KEY: member_id})

    def open(self, member_id: str, sealed: bytes) -> str:
        if not self.key_arn:
            raise kms.KeyUnusable("STAFF_SECRETS_KEY is not set in this function")
        return kms.decrypt(self.client, self.key_arn, sealed, {CONTEXT_KEY: member_id}).decode("ascii")
