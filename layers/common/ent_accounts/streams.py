"""Batches of the table's stream (Lambda's DynamoDB event source, OutboxConsumer in template.yaml): each record is a
new outbox item, handed to the sender by its outbox id.

A stream is read in order per shard: when a record's mail cannot leave yet, the answer names it
(ReportBatchItemFailures) and the batch is handed over again from that record, after the pause the sender asked for
(paced to SES's sending rate). Records after it in the batch are not tried this time; those already sent are not sent
again when handed over (the sender's claim).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ent_accounts.observability import logger


def is_stream_event(event: Any) -> bool:
    """Whether Lambda's DynamoDB stream event source sent this event."""
    records = event.get("Records") if isinstance(event, dict) else None
    return bool(records) and all(record.get("eventSource") == "aws:dynamodb" for record in records)


def is_scheduled_event(event: Any) -> bool:
    """Whether an EventBridge schedule sent this event (the outbox sweep, template.yaml: OutboxSweep)."""
    return (
        isinstance(event, dict)
        and event.get("source") == "aws.events"
        and event.get("detail-type") == ("Scheduled Event")
    )


def outbox_id_of(record: dict) -> str:
    return record["dynamodb"]["Keys"]["pk"]["S"].removeprefix("OUTBOX#")


def process_stream_batch(
    event: dict, handle: Callable[[str], str], pause: Callable[[float], None]
) -> dict[str, list[dict[str, str]]]:
    """Hand each record's outbox id to `handle` in order; at the first that raises, pause as long as its exception
    says (`pause` attribute, else 1 s) and name it as the batch's first failure."""
    for record in event["Records"]:
        sequence = record["dynamodb"]["SequenceNumber"]
        try:
            outbox_id = outbox_id_of(record)
            logger.set_correlation_id(outbox_id)
            outcome = handle(outbox_id)
        except Exception as error:
            wait = float(getattr(error, "pause", 1.0))
            if hasattr(error, "pause"):
                logger.info("outbox mail not sent yet", extra={"sequence": sequence, "pause": wait})
            else:
                logger.exception("outbox record failed", extra={"sequence": sequence})
            logger.set_correlation_id(None)
            pause(wait)
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
        logger.info("outbox mail handled", extra={"outcome": outcome})
    logger.set_correlation_id(None)
    return {"batchItemFailures": []}
