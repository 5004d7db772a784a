"""What Lambda's SQS event source mapping does for the template's queues (the mail queue, the logout queue), under
sam local: a batch of messages to the function that consumes the queue (`sam local invoke`), then the messages it did
not report as failed deleted."""

from __future__ import annotations

import json
from pathlib import Path

from local import template
from local.events import sqs_event
from local.sam import commands
from local.sam.aws import LocalAws


def relay_mail_queue(
    local: LocalAws, built: Path, env_vars: Path, *, arch: str, skip_pull: bool, queue: str = "MailQueue"
) -> int:
    """Hand over one batch of `queue` (waiting up to 1 s for it); how many messages the consumer took."""
    consumer = template.queue_consumers()[queue]
    sqs, queue_url = local.client("sqs"), local.queues[queue]
    answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=consumer.batch_size, WaitTimeSeconds=1)
    batch = answer.get("Messages", [])
    if not batch:
        return 0
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    event = sqs_event(batch, arn)
    result = commands.invoke(built, consumer.function, event, env_vars, arch=arch, skip_pull=skip_pull)
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
