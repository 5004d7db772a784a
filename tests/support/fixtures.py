"""Fixtures: each integration test runs once on moto and once on DynamoDB Local, with SES from moto."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from ent_accounts.clock import FrozenClock
from local import dynamodb_local, moto_kms
from local.harness import MAIL_QUEUE, REGION, Stack
from local.invoke import Functions

START = datetime(2026, 11, 30, 14, 37, tzinfo=UTC)


def _atomic_moto_requests() -> None:
    """DynamoDB applies each request atomically; moto does not under threads (a transaction copies the tables while
    another thread changes them, and both can pass their conditions). One lock per request gives the racing tests
    the real guarantee: requests still interleave, each one is whole."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    call_action = DynamoHandler.call_action

    def atomic_call_action(self):
        with lock:
            return call_action(self)

    DynamoHandler.call_action = atomic_call_action


def _moto_transactions_back_up_each_table_once() -> None:
    """moto 5.2.5's TransactWriteItems deep-copies the whole table once per item of the transaction, as a backup to
    restore if the transaction is cancelled: a 100-item transaction on a table of 1,000 items copies it 100 times
    (an import of 60 families took 53 s). One copy per table gives the same backup (nothing changes the table between
    those copies), so the same behaviour, in a fraction of the time. Requests are serialised (above), so swapping the
    module's `copy` for the length of one call is seen by no other request."""
    import copy

    from moto.dynamodb import models

    if not hasattr(models.DynamoDBBackend, "transact_write_items"):
        return
    transact_write_items = models.DynamoDBBackend.transact_write_items

    class OneBackupPerTable:
        def __init__(self) -> None:
            self.backups: dict[int, Any] = {}

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            if not isinstance(value, models.Table):  # items: copied each time, as moto does
                return copy.deepcopy(value, memo)
            if id(value) not in self.backups:  # the table stays alive (in self.tables) for the whole call
                self.backups[id(value)] = copy.deepcopy(value, memo)
            return self.backups[id(value)]

    def backed_up_once(self, transact_items):
        models.copy = OneBackupPerTable()
        try:
            return transact_write_items(self, transact_items)
        finally:
            models.copy = copy

    models.DynamoDBBackend.transact_write_items = backed_up_once


_atomic_moto_requests()
_moto_transactions_back_up_each_table_once()
moto_kms.install()  # Sign with MessageType DIGEST, key states, as AWS documents them (the harness installs it too)


class RecycledDynamoDBLocal:
    """This test process's DynamoDB Local, started again (before a test) once RECYCLE_AFTER tables have
    been made on it. DynamoDB Local slows down with every stream-enabled table ever created, deleted or not (a put
    took 4 ms after 40 tables, 11 ms after 200: `python -m bench.dynamodb_local_tables`, BENCHMARKS.md), and each
    test makes its own table; a fresh engine is 3 s of Java start-up."""

    RECYCLE_AFTER = 60

    def __init__(self) -> None:
        self.server: dynamodb_local.DynamoDBLocal | None = None
        self.tables = 0
        self.bound = 0  # modules whose processes hold the endpoint: no restart until they end

    def endpoint(self, may_restart: bool) -> str:
        """The engine's endpoint; a fresh engine first when this one holds enough tables and nothing in this process
        is bound to it (a module's processes: `dynamodb_local_endpoint`)."""
        if self.server is None or (may_restart and self.tables >= self.RECYCLE_AFTER):
            self.stop()
            self.server, self.tables = dynamodb_local.DynamoDBLocal(), 0
        return self.server.endpoint

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture(scope="session")
def dynamodb_local_engine():
    reason = dynamodb_local.available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the DynamoDB Local tests: {reason}")
        pytest.skip(reason)
    engine = RecycledDynamoDBLocal()
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def dynamodb_local_endpoint(dynamodb_local_engine):
    """The engine this module's processes (and its tests' worlds) share: not replaced until the module ends."""
    endpoint = dynamodb_local_engine.endpoint(may_restart=not dynamodb_local_engine.bound)
    dynamodb_local_engine.bound += 1
    yield endpoint
    dynamodb_local_engine.bound -= 1


@pytest.fixture(params=["moto", "dynamodb_local"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@dataclass
class Sent:
    to: list[str]
    subject: str
    html: str


@dataclass
class World(Stack):
    """Everything a test needs: the services the handlers use, the mails sent, and an HTTP-ish client."""

    backend: str = "moto"

    def mails(self) -> list[Sent]:
        return [Sent(list(message.destinations["ToAddresses"]), message.subject, message.body) for message in self.sent]

    def queued(self, logical_id: str = MAIL_QUEUE) -> list[dict]:
        """The messages in one of the template's queues, as JSON, read from moto without receiving them (a receive
        would count towards maxReceiveCount)."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues[self.queue_urls[logical_id].rsplit("/", 1)[1]]
        return [json.loads(message.body) for message in queue._messages]

    def call(
        self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, caller: str | None = None
    ) -> Answer:
        """Send a request through the function that serves it in template.yaml, as API Gateway would (an /api/admin/
        one signed by `caller`, by default ops' role: `admin_caller`)."""
        return Answer.from_proxy(self.request(method, url, body, headers, caller))

    def items(self) -> list[dict]:
        pages = self.ddb.get_paginator("scan").paginate(TableName=self.store.table_name, ConsistentRead=True)
        return [item for page in pages for item in page["Items"]]


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    text: str

    @classmethod
    def from_proxy(cls, raw: dict) -> Answer:
        headers: dict[str, list[str]] = {}
        for name, value in (raw.get("headers") or {}).items():
            headers.setdefault(name.lower(), []).append(value)
        for name, values in (raw.get("multiValueHeaders") or {}).items():
            headers.setdefault(name.lower(), []).extend(v for v in values if v not in headers.get(name.lower(), []))
        return cls(raw["statusCode"], headers, raw.get("body") or "")

    def json(self) -> Any:
        return json.loads(self.text)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


@pytest.fixture
def real_engine(world) -> World:
    """The world on DynamoDB Local only, for what moto cannot show: threads racing (moto does not apply a
    transaction atomically across threads) and DynamoDB faults injected at the HTTP layer (moto answers inside
    botocore, so it would still execute a request whose answer the fault replaced)."""
    if world.backend == "moto":
        pytest.skip("needs the real engine behind HTTP (DynamoDB Local)")
    return world


@pytest.fixture(scope="module")
def containers(dynamodb_local_endpoint):
    """Eight warm Lambda containers (processes) on the session's DynamoDB Local: `containers.at_once(world, …)`."""
    from tests.support.containers import Containers

    pool = Containers(dynamodb_local_endpoint)
    yield pool
    pool.stop()


@pytest.fixture(scope="session")
def functions() -> Functions:
    return Functions()


@contextmanager
def atomic_moto_requests():
    """Make each moto request atomic, as each DynamoDB request is.

    moto runs a request without isolation (a cancelled TransactWriteItems even restores a snapshot of the whole
    table), so two threads can interleave inside one request: two conditional writes both win, or a rollback
    erases another thread's write. Serialising requests keeps the races of the tests real (threads still
    interleave between requests) without testing moto's own internals.
    """
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__

    def one_at_a_time(self, *args, **kwargs):
        with _MOTO_LOCK:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = one_at_a_time
    try:
        yield
    finally:
        BotocoreStubber.__call__ = original


_MOTO_LOCK = threading.RLock()


@pytest.fixture
def world(backend, clock, functions, request) -> World:
    endpoint = None
    if backend == "dynamodb_local":
        engine = request.getfixturevalue("dynamodb_local_engine")
        endpoint = engine.endpoint(may_restart=not engine.bound)
        engine.tables += 1
    # On DynamoDB Local, requests go to the real engine (moto only serves SES) and must stay concurrent.
    atomic = atomic_moto_requests() if backend == "moto" else nullcontext()
    with mock_aws(), atomic:
        current = World.start(clock, functions, endpoint=endpoint, backend=backend)
        yield current
        current.stop()


class LogLines:
    def __init__(self, stream):
        self.stream = stream

    def text(self) -> str:
        return self.stream.getvalue()

    def json(self) -> list[dict]:
        return [json.loads(line) for line in self.text().splitlines() if line.startswith("{")]


@pytest.fixture
def log_lines():
    """Every log line, formatted as in CloudWatch (Powertools JSON)."""
    import io
    import logging

    from ent_accounts.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    root = logging.getLogger()
    service = logging.getLogger(logger.name)
    # Libraries log through the root logger at its default level, as in Lambda; the service logs at DEBUG.
    targets = [root] if service.propagate else [root, service]
    for target in targets:
        target.addHandler(handler)
    yield LogLines(stream)
    for target in targets:
        target.removeHandler(handler)


class Emitted:
    def __init__(self, capsys) -> None:
        self.capsys = capsys
        self.documents: list[dict] = []

    def totals(self) -> Counter[str]:
        """The sum of every metric written since the last call, checking each line is EMF CloudWatch accepts."""
        for line in self.capsys.readouterr().out.splitlines():
            if line.startswith("{") and '"_aws"' in line:
                self.documents.append(json.loads(line))
        totals: Counter[str] = Counter()
        for document in self.documents:
            [directive] = document["_aws"]["CloudWatchMetrics"]
            assert directive["Namespace"] == "EntAccounts"
            assert sorted(directive["Dimensions"][0]) == ["service", "stage"]
            assert document["service"] == "ent-accounts"
            for metric in directive["Metrics"]:
                assert metric["Unit"] == "Count"
                totals[metric["Name"]] += sum(document[metric["Name"]])
        self.documents.clear()
        return +totals  # zeros dropped: a metric written as 0 is checked separately


@pytest.fixture
def emitted(capsys, monkeypatch) -> Emitted:
    """The business metrics the handlers write (EMF lines on stdout), as CloudWatch would sum them."""
    from ent_accounts.metrics import metrics

    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    metrics.clear_metrics()
    found = Emitted(capsys)
    found.totals()  # forget what came before
    return found
