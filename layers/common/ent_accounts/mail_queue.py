"""Mail sent off the request path: a request puts one message on an SQS queue, and the queue's consumer (Lambda's
SQS event source, see template.yaml) does the work that decides and sends the mail.

A message names what to do (`kind`) and the few plain fields the consumer needs (an identifier, the base URL of
links, the request id); never a secret: a link's code is made by the consumer, which mails it and stores its hash.
Delivery is at least once: SQS may hand a message over twice, and a failed one is handed over again until the
queue's maxReceiveCount, then moved to its dead-letter queue (the failed-events queue, whose alarm rings).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ent_accounts.errors import ServiceBusy
from ent_accounts.observability import logger

PASSWORD_RESET = "password_reset"  # noqa: S105 (a message kind, not a password)


def client_config():
    from botocore.config import Config

    # Standard retry mode backs off on throttling; short timeouts keep the request under API Gateway's 29 s.
    return Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)


class MailQueue:
    """The SQS queue of mails to send (MAIL_QUEUE_URL). The local server and the tests put their own queue here."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs", config=client_config())
        return self._client

    def send(self, message: dict[str, str]) -> None:
        """One SendMessage; ServiceBusy (503, retry) when SQS does not take it: then nothing was queued."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not self.queue_url:
            raise RuntimeError("MAIL_QUEUE_URL is not set: the function cannot queue mail")
        try:
            self.client.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(message, separators=(",", ":")))
        except (ClientError, BotoCoreError) as error:
            reason = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            logger.warning("mail not queued", extra={"reason": reason, "kind": message.get("kind")})
            raise ServiceBusy() from None


def is_queue_event(event: Any) -> bool:
    """Whether Lambda's SQS event source sent this event (rather than API Gateway)."""
    records = event.get("Records") if isinstance(event, dict) else None
    return bool(records) and all(record.get("eventSource") == "aws:sqs" for record in records)


def process_batch(event: dict, handle: Callable[[dict[str, Any]], str]) -> dict[str, list[dict[str, str]]]:
    """Hand each message of an SQS batch to `handle` (its outcome is logged); the answer names the messages that
    failed, which SQS hands over again (ReportBatchItemFailures) while the others are deleted.

    Written here rather than with Powertools' batch utility: that one loads Powertools' parser models (pydantic
    models of every AWS event) at import, which the pruned layer leaves out and every cold start would pay for.
    """
    failures = []
    for record in event["Records"]:
        attempt = record.get("attributes", {}).get("ApproximateReceiveCount", "1")
        try:
            message = json.loads(record["body"])
            if not isinstance(message, dict):
                raise ValueError("a queued mail must be a JSON object")
            logger.set_correlation_id(str(message.get("request_id") or record["messageId"]))
            outcome = handle(message)
        except Exception:
            # Left in the queue: tried again after the visibility timeout, then dead-lettered.
            logger.exception("queued mail failed", extra={"message_id": record["messageId"], "attempt": attempt})
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        logger.info("queued mail handled", extra={"kind": message.get("kind"), "outcome": outcome})
    logger.set_correlation_id(None)
    return {"batchItemFailures": failures}
