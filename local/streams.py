"""The table's stream on this machine, read as Lambda's DynamoDB event source reads it for the outbox (template.yaml,
OutboxConsumer): the records of moto's or DynamoDB Local's stream (both keep one, with the template's view type),
filtered by the mapping's FilterCriteria, handed to the consuming function in batches of at most its BatchSize, a
batch handed over again from the record its answer names (ReportBatchItemFailures), and after MaximumRetryAttempts
sent to the OnFailure queue, as Lambda does.

`OutboxStream.deliver()` is the seam: the harness calls it after each request (so the mailbox fills as it did when
mail left inside the request), the local server from a background thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from local import template


def matches(pattern: Any, value: Any) -> bool:
    """EventBridge-style filter patterns, as far as the template uses them: nested objects, lists of accepted values,
    and {"prefix": …}."""
    if isinstance(pattern, dict):
        found = isinstance(value, dict)
        return found and all(key in value and matches(sub, value[key]) for key, sub in pattern.items())
    if isinstance(pattern, list):
        return any(
            (isinstance(option, dict) and "prefix" in option and str(value).startswith(option["prefix"]))
            or option == value
            for option in pattern
        )
    return pattern == value


def stream_event(records: list[dict], stream_arn: str) -> dict:
    return {
        "Records": [
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "eu-west-3",
                "dynamodb": record["dynamodb"],
                "eventSourceARN": stream_arn,
            }
            for record in records
        ]
    }


class OutboxStream:
    """The stream of one table, read from where the previous `deliver` stopped."""

    def __init__(
        self,
        ddb: Any,
        table_name: str,
        invoke: Callable[[str, dict], Any],
        failed: Callable[[dict], None],
        endpoint: str | None = None,
    ) -> None:
        """`endpoint`: DynamoDB Local's (which serves its streams too); None: AWS's (moto in-process)."""
        import boto3

        self.consumer = template.stream_consumer()
        self.invoke = invoke
        self.failed = failed  # what reached the OnFailure destination, as Lambda's message
        self.stream_arn = ddb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self.client = boto3.client("dynamodbstreams", region_name=ddb.meta.region_name, endpoint_url=endpoint)
        self._iterators: dict[str, str | None] = {}  # shard → where to read next (None: closed and read)
        self._lock = threading.Lock()
        self._waiting: list[dict] = []  # records read and not yet handled (the first may be failing)
        self._retries = 0  # attempts of the first waiting record since the last progress
        self.dead_lettered = 0

    def deliver(self) -> dict[str, int]:
        """Read the new records that pass the filter and hand them over in order, in batches. A batch whose answer
        names a failed record stops the shard there until the next call (Lambda tries it again a moment later),
        or, past MaximumRetryAttempts without progress, goes to the OnFailure queue."""
        with self._lock:
            self._waiting.extend(record for record in self._new_records() if self._passes(record))
            delivered = 0
            while self._waiting:
                batch = self._waiting[: self.consumer.batch_size]
                try:
                    answer = self.invoke(self.consumer.function, stream_event(batch, self.stream_arn)) or {}
                    failures = answer.get("batchItemFailures") or []
                except Exception:  # the function failed outright: the whole batch again
                    failures = [{"itemIdentifier": batch[0]["dynamodb"]["SequenceNumber"]}]
                if not failures:
                    del self._waiting[: len(batch)]
                    delivered += len(batch)
                    self._retries = 0
                    continue
                first = failures[0]["itemIdentifier"]
                at = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == first), 0)
                del self._waiting[:at]
                delivered += at
                self._retries = 1 if at else self._retries + 1
                if 0 <= self.consumer.max_retry_attempts < self._retries:
                    failed = self._waiting[: self.consumer.batch_size]
                    del self._waiting[: len(failed)]
                    self.dead_lettered += len(failed)
                    self.failed(self._failure_message(failed, self._retries))
                    self._retries = 0
                    continue
                break
            return {"delivered": delivered, "waiting": len(self._waiting), "dead_lettered": self.dead_lettered}

    def _passes(self, record: dict) -> bool:
        return not self.consumer.filters or any(matches(pattern, record) for pattern in self.consumer.filters)

    def _failure_message(self, batch: list[dict], retries: int) -> dict:
        sequence = [record["dynamodb"]["SequenceNumber"] for record in batch]
        return {
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": retries + 1},
            "DDBStreamBatchInfo": {
                "streamArn": self.stream_arn,
                "startSequenceNumber": sequence[0],
                "endSequenceNumber": sequence[-1],
                "batchSize": len(batch),
            },
        }

    def _new_records(self) -> list[dict]:
        shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        records: list[dict] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self.client.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self._iterators[shard_id]
            while iterator:
                answer = self.client.get_records(ShardIterator=iterator)
                iterator = answer.get("NextShardIterator")
                if not answer["Records"]:
                    break
                records.extend(answer["Records"])
            self._iterators[shard_id] = iterator
        return records


def sqs_failure_sink(sqs: Any, queue_url: str) -> Callable[[dict], None]:
    """The OnFailure destination as a queue of the template: Lambda's message as its body."""

    def send(message: dict) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))

    return send


class DeadLetters:
    """The failed-events queue on this machine: what reaches it is logged and kept (LocalSqs calls `put`)."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def put(self, body: str) -> str:
        import logging

        logging.getLogger("local").warning("failed-events queue: %s", body)
        self.bodies.append(body)
        return str(len(self.bodies))


class OutboxPoller:
    """The stream's event source on the local server: a background thread delivering the outbox every `interval`
    seconds, and `flush` for the mailbox page (a mail written a moment ago is shown, not missed)."""

    def __init__(self, stream: OutboxStream, interval: float = 0.2) -> None:
        self.stream = stream
        self.interval = interval
        self._stopped = threading.Event()
        self._worker = threading.Thread(target=self._run, name="local-outbox", daemon=True)
        self._worker.start()

    def flush(self, timeout: float) -> None:
        import time

        deadline = time.monotonic() + timeout
        while self._deliver()["waiting"] and time.monotonic() < deadline:
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stopped.set()

    def _deliver(self) -> dict[str, int]:
        import logging
        import traceback

        try:
            return self.stream.deliver()
        except Exception:
            logging.getLogger("local").error("outbox delivery failed:\n%s", traceback.format_exc())
            return {"delivered": 0, "waiting": 0, "dead_lettered": 0}

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self._deliver()
