"""What Lambda's SQS event source mapping does for the mail queue, under sam local: a batch of messages to the
function that consumes the queue (`sam local invoke`), then the messages it did not report as failed deleted."""

from __future__ import annotations

import json
from pathlib import Path

from local import template
from local.events import sqs_event
from local.sam import commands
from local.sam.aws import LocalAws


def relay_mail_queue(local: LocalAws, built: Path, env_vars: Path, *, arch: str, skip_pull: bool) -> int:
    """Hand over one batch (waiting up to 1 s for it); how many messages the consumer took."""
    [consumer] = [f.logical_id for f in template.functions().values() if "MailQueue" in f.queues]
    sqs, queue_url = local.client("sqs"), local.queues["MailQueue"]
    batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    if not batch:
        return 0
    result = commands.invoke(built, consumer, sqs_event(batch), env_vars, arch=arch, skip_pull=skip_pull)
    try:
        failed = {
            item["itemIdentifier"] for item in json.loads(result.stdout.strip().splitlines()[-1])["batchItemFailures"]
        }
    except (ValueError, KeyError, TypeError, IndexError):
        failed = {message["MessageId"] for message in batch}  # the function failed: the queue hands them over again
    taken = [message for message in batch if message["MessageId"] not in failed]
    for message in taken:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return len(taken)
