"""Work done off the request path through SQS: the client every queue wrapper uses, and the batches that Lambda's SQS
event source hands a queue's consumer.

A request puts a small JSON message on a queue and answers; the queue's consumer does the work: a mail to send
(mail_queue.py), a client to tell that a session ended (sso/logout_notifications.py). A message names what to do
(`kind`) and the plain fields the consumer needs, never a secret. Delivery is at least once: SQS may hand a message
over twice, and a failed one is handed over again until the queue's maxReceiveCount, then moved to its dead-letter
queue (the failed-events queue, whose alarm rings).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ent_accounts.observability import logger


def client_config(*, attempts: int = 3, connect_timeout: float = 2, read_timeout: float = 5):
    """Standard retry mode backs off on throttling; the default timeouts keep a request under API Gateway's 29 s."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )


class Queue:
    """One SQS queue, by URL; its client is made by boto3 on first use unless given (the local server and the tests
    give theirs)."""

    def __init__(self, queue_url: str, client: Any = None, config: Any = None) -> None:
        self.queue_url = queue_url
        self._client = client
        self._config = config

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs", config=self._config or client_config())
        return self._client


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
                raise ValueError("a queued message must be a JSON object")
            logger.set_correlation_id(str(message.get("request_id") or record["messageId"]))
            outcome = handle(message)
        except Exception:
            # Left in the queue: tried again after the visibility timeout, then dead-lettered.
            logger.exception("queued message failed", extra={"message_id": record["messageId"], "attempt": attempt})
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        logger.info("queued message handled", extra={"kind": message.get("kind"), "outcome": outcome})
    logger.set_correlation_id(None)
    return {"batchItemFailures": failures}
