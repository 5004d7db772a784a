"""The template's mail queue on this machine: messages wait in memory, and a background thread hands them to the
function that consumes the queue, in batches shaped as Lambda's SQS event source sends them.

As in AWS, the request that queues a mail answers at once and the mail leaves afterwards. A message the function
reports failed (ReportBatchItemFailures) is handed over again after a pause, up to the queue's maxReceiveCount, then
logged and kept in `dead_letters` (the failed-events queue of AWS).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from local.events import sqs_event

log = logging.getLogger("local")
BATCH_SIZE = 10  # SQS hands over at most 10 messages at once


class LocalQueue:
    def __init__(
        self,
        deliver: Callable[[dict], Any],
        *,
        max_receive_count: int = 5,
        retry_delay: float = 1.0,
        queue_arn: str = "arn:aws:sqs:eu-west-3:123456789012:mail-queue",
    ) -> None:
        self._deliver = deliver
        self.max_receive_count = max_receive_count
        self.retry_delay = retry_delay  # the visibility timeout, shortened for a developer's machine
        self.queue_arn = queue_arn
        self.dead_letters: list[dict] = []
        self._waiting: deque[dict] = deque()
        self._unfinished = 0  # queued and not yet delivered or dead-lettered
        self._changed = threading.Condition()
        self._stopped = False
        self._worker = threading.Thread(target=self._run, name="local-mail-queue", daemon=True)
        self._worker.start()

    def send(self, message: dict[str, str]) -> None:
        """What MailQueue.send does with SQS: the message waits, the caller goes on."""
        body = json.dumps(message, separators=(",", ":"))
        sent = str(int(time.time() * 1000))
        with self._changed:
            self._waiting.append({"MessageId": str(uuid.uuid4()), "Body": body, "sent": sent, "receives": 0})
            self._unfinished += 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued message was delivered or dead-lettered (False if still busy after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._unfinished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        self._worker.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._waiting and not self._stopped:
                    self._changed.wait()
                if self._stopped:
                    return
                batch = [self._waiting.popleft() for _ in range(min(BATCH_SIZE, len(self._waiting)))]
            for message in batch:
                message["receives"] += 1
            failed = self._hand_over(batch)
            again = []
            for message in failed:
                if message["receives"] < self.max_receive_count:
                    again.append(message)
                else:
                    log.error(
                        "queued message %s failed %d times: dead-lettered", message["MessageId"], self.max_receive_count
                    )
                    self.dead_letters.append(message)
            if again:
                time.sleep(self.retry_delay)
            with self._changed:
                self._waiting.extend(again)
                self._unfinished -= len(batch) - len(again)
                self._changed.notify_all()

    def _hand_over(self, batch: list[dict]) -> list[dict]:
        """Deliver one batch; the messages that failed (all of them when the function itself failed)."""
        event = sqs_event(
            [
                {
                    "MessageId": message["MessageId"],
                    "Body": message["Body"],
                    "Attributes": {
                        "ApproximateReceiveCount": str(message["receives"]),
                        "SentTimestamp": message["sent"],
                    },
                }
                for message in batch
            ],
            self.queue_arn,
        )
        try:
            answer = self._deliver(event)
        except Exception:
            log.error("the mail queue's consumer failed:\n%s", traceback.format_exc())
            return batch
        failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
        failed = {failure["itemIdentifier"] for failure in failures}
        return [message for message in batch if message["MessageId"] in failed]
