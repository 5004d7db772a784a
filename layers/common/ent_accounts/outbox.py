"""The transactional outbox: a mail to send, written as an item in the same transaction as the state change it tells
of, and sent by the table stream's consumer once (and only if) that transaction committed.

An outbox mail holds what the sender needs to render it (its kind, the account, the address, the link's base URL and
the few plain fields of the template), never a link's code: the code is HMAC-SHA256(the mail link key, the outbox id)
(`MailLinkKey`), whose hash the request stores with the state change; the sender computes the same code again. So the
link works whenever the mail exists, and neither the table nor its stream holds a usable link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ent_accounts.codes import hash_token

VALIDATION = "validation"  # the validation link of a first connection or a resend
PASSWORD_RESET = "password_reset"  # noqa: S105 (a mail kind: the forgotten password's link)
EMAIL_CHANGE = "email_change"  # the confirmation link of a new address
EMAIL_CHANGE_NOTICE = "email_change_notice"  # the notice to the validated address that a change was asked

MAX_ATTEMPTS = 5  # attempts that did not send (SES refused, or the sender failed) before the mail is marked failed
LEASE_SECONDS = 60  # a claim older than this was a sender that died mid-way: the mail may be claimed again
# The outbox sweep (flows/outbox.py, `sweep_outbox`) re-delivers a mail still unsent this long after its creation or
# its latest claim: one the stream never handed over, gave up on, or whose sender died holding it (longer than the
# lease, so that a claim it finds has run out).
SWEEP_AFTER_SECONDS = 300
# The sweep's keys in the sparse index the account sweep reads too (`pending-by-next-event`): `OUTBOX#<n>`, n below
# this (the accounts' are plain numbers, so neither sweep reads the other's). Only ever raised: an item keeps its key.
SWEEP_SHARDS = 4
SENT_KEPT_DAYS = 7  # a sent (or failed) item stays this long for the pending page, then TTL removes it


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting to be sent (or to be tried again)
    SENDING = "sending"  # claimed by a sender until `lease_until`
    SENT = "sent"
    FAILED = "failed"  # not sent after MAX_ATTEMPTS attempts, or SES refused the address: the pending page says so


@dataclass
class OutboxMail:
    outbox_id: str
    kind: str
    identifier: str
    to: str
    base_url: str  # where the request came from: the link points there
    request_id: str
    fields: dict[str, str] = field(default_factory=dict)  # the template's plain fields (e.g. the deadline, ISO)
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime | None = None


def new_outbox_id() -> str:
    return uuid.uuid4().hex


class MailLinkKey:
    """The key of the link codes (the KMS HMAC key of MAIL_LINK_KEY): `code(outbox_id)` is the code the mail carries,
    `code_hash(outbox_id)` what the request stores. One GenerateMac call each. Without a key ARN (a process on its
    own: tests, a one-process local run), a key made at random by this process stands in."""

    def __init__(self, key_arn: str, client: Any = None, local_key: bytes | None = None) -> None:
        self.key_arn = key_arn
        self._client = client
        # Without an ARN: `local_key` (processes that must agree, e.g. the tests' containers), else a random one.
        self._local = (local_key or secrets.token_bytes(32)) if not key_arn else b""

    @property
    def client(self):
        if self._client is None:
            import boto3

            from ent_accounts.kms import client_config

            self._client = boto3.client("kms", config=client_config())
        return self._client

    def code(self, outbox_id: str) -> str:
        message = f"outbox-link:{outbox_id}".encode()
        mac = hmac.new(self._local, message, hashlib.sha256).digest() if self._local else self._generate_mac(message)
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")  # 43 characters, as new_token's

    def code_hash(self, outbox_id: str) -> str:
        return hash_token(self.code(outbox_id))

    def _generate_mac(self, message: bytes) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        from ent_accounts.errors import ServiceBusy
        from ent_accounts.observability import logger

        try:
            answer = self.client.generate_mac(KeyId=self.key_arn, Message=message, MacAlgorithm="HMAC_SHA_256")
        except (ClientError, BotoCoreError) as error:
            reason = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            logger.warning("mail link code not derived", extra={"reason": reason})
            raise ServiceBusy() from None
        return answer["Mac"]
