"""Mail sent off the request path: a request puts one message on an SQS queue, and the queue's consumer (Lambda's
SQS event source, see template.yaml) does the work that decides and sends the mail.

A message names what to do (`kind`) and the few plain fields the consumer needs (an identifier, the base URL of
links, the request id; for a forgotten identifier, the address to write to); never a secret: a link's code is made
by the consumer, which mails it and stores its hash.
Delivery is at least once, with retries and a dead-letter queue (queues.py, shared with the logout queue).
"""

from __future__ import annotations

import json

from ent_accounts.errors import ServiceBusy
from ent_accounts.observability import logger
from ent_accounts.queues import Queue

PASSWORD_RESET = "password_reset"  # noqa: S105 (a message kind, not a password)
IDENTIFIER_REMINDER = "identifier_reminder"  # carries the address asked about, which the consumer mails


class MailQueue(Queue):
    """The SQS queue of mails to send (MAIL_QUEUE_URL). The local server and the tests put their own queue here."""

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


class FailedEvents(Queue):
    """The failed-events queue (FAILED_EVENTS_QUEUE_URL, alarmed): the outbox's sender puts there the mails that could
    not leave after their attempts, for someone to look at. Without a URL (a local run without it) it only logs."""

    def send(self, message: dict[str, str]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        logger.error("mail could not leave", extra=message)
        if not self.queue_url:
            return
        try:
            self.client.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(message, separators=(",", ":")))
        except (ClientError, BotoCoreError) as error:
            reason = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            logger.warning("failed mail not recorded in the failed-events queue", extra={"reason": reason})
            raise ServiceBusy() from None
