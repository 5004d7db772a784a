"""The template's queues on this machine (the mail queue, the logout queue): messages wait in memory, and a background
thread per queue hands them to the function that consumes it, in batches shaped as Lambda's SQS event source sends
them (at most the mapping's BatchSize).

As in AWS, the request that queues a message answers at once and the work is done afterwards. A message the function
reports failed (ReportBatchItemFailures) is handed over again after a pause, up to the queue's maxReceiveCount, then
logged and kept in `dead_letters` (the failed-events queue of AWS). `LocalSqs` is the SQS client the functions get
here: the queue wrappers of the shared layer (MailQueue, LogoutQueue) send through it as they would to SQS.
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
        name: str = "MailQueue",
        max_receive_count: int = 5,
        retry_delay: float = 1.0,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._deliver = deliver
        self.name = name  # the queue's logical id in template.yaml
        self.max_receive_count = max_receive_count
        self.retry_delay = retry_delay  # the visibility timeout, shortened for a developer's machine
        self.batch_size = batch_size
        self.queue_arn = f"arn:aws:sqs:eu-west-3:123456789012:{name}"
        self.dead_letters: list[dict] = []
        self._waiting: deque[dict] = deque()
        self._unfinished = 0  # queued and not yet delivered or dead-lettered
        self._changed = threading.Condition()
        self._stopped = False
        self._worker = threading.Thread(target=self._run, name=f"local-{name}", daemon=True)
        self._worker.start()

    def send(self, message: dict[str, str]) -> str:
        """A message as JSON: it waits, the caller goes on. Its message id."""
        return self.put(json.dumps(message, separators=(",", ":")))

    def put(self, body: str) -> str:
        """What SendMessage does: the body waits, the caller goes on. Its message id."""
        message_id = str(uuid.uuid4())
        sent = str(int(time.time() * 1000))
        with self._changed:
            self._waiting.append({"MessageId": message_id, "Body": body, "sent": sent, "receives": 0})
            self._unfinished += 1
            self._changed.notify_all()
        return message_id

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
                batch = [self._waiting.popleft() for _ in range(min(self.batch_size, len(self._waiting)))]
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
            log.error("the consumer of %s failed:\n%s", self.name, traceback.format_exc())
            return batch
        failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
        failed = {failure["itemIdentifier"] for failure in failures}
        return [message for message in batch if message["MessageId"] in failed]


class LocalSqs:
    """The SQS client of the functions on this machine: SendMessage and SendMessageBatch into the local queues, named
    by the URL their *_QUEUE_URL variable resolves to here (the queue's logical id). Anything else is refused as SQS
    refuses an unknown queue."""

    def __init__(self, queues: dict[str, LocalQueue]) -> None:
        self.queues = queues

    def send_message(self, QueueUrl: str, MessageBody: str, **_: Any) -> dict:
        return {"MessageId": self._queue(QueueUrl).put(MessageBody)}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict], **_: Any) -> dict:
        if not 1 <= len(Entries) <= BATCH_SIZE:
            raise ValueError(f"SendMessageBatch takes 1 to {BATCH_SIZE} entries")
        queue = self._queue(QueueUrl)
        return {
            "Successful": [{"Id": entry["Id"], "MessageId": queue.put(entry["MessageBody"])} for entry in Entries],
            "Failed": [],
        }

    def _queue(self, url: str) -> LocalQueue:
        queue = self.queues.get(url.rsplit("/", 1)[-1])
        if queue is None:
            raise LookupError(f"no local queue at {url!r} (the template's queues: {sorted(self.queues)})")
        return queue
