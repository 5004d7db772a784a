"""Fixtures: each integration test runs once on moto and once on DynamoDB Local, with SES from moto."""

from __future__ import annotations

import json
import os
import threading
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ent_accounts import services as services_module
from ent_accounts.accounts import Account, Role, add_months
from ent_accounts.clock import FrozenClock
from ent_accounts.mail import Mailer
from ent_accounts.mail import client_config as mail_client_config
from ent_accounts.mail_queue import MailQueue
from ent_accounts.mail_queue import client_config as queue_client_config
from ent_accounts.passwords import hash_provisional, new_provisional_password
from ent_accounts.services import Services
from ent_accounts.settings import Settings
from ent_accounts.store import Store, client_config
from local import dynamodb_local, template
from local.events import sqs_event
from local.invoke import Functions

REGION = "eu-west-3"
SENDER = "noreply@ent.example.fr"
START = datetime(2026, 11, 30, 14, 37, tzinfo=UTC)
MAIL_QUEUE = "MailQueue"  # the queue of template.yaml that MAIL_QUEUE_URL names


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


_atomic_moto_requests()


@pytest.fixture(scope="session")
def dynamodb_local_endpoint():
    reason = dynamodb_local.available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the DynamoDB Local tests: {reason}")
        pytest.skip(reason)
    server = dynamodb_local.DynamoDBLocal()
    yield server.endpoint
    server.stop()


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
class World:
    """Everything a test needs: the services the handlers use, the mails sent, and an HTTP-ish client."""

    services: Services
    clock: FrozenClock
    ddb: Any
    functions: Functions
    backend: str
    _ses_backend: Any = field(default=None, repr=False)
    provisional_of: dict[str, str] = field(default_factory=dict)
    sqs: Any = None
    queue_urls: dict[str, str] = field(default_factory=dict)  # the template's queues (moto), by logical id

    @property
    def store(self) -> Store:
        return self.services.store

    def mails(self) -> list[Sent]:
        return [
            Sent(list(message.destinations["ToAddresses"]), message.subject, message.body)
            for message in self._ses_backend.sent_messages
        ]

    def deliver_queued_mail(self) -> dict[str, int]:
        """Hand every message waiting in the mail queue to the function consuming it, in batches of up to 10 as
        Lambda's event source mapping does. Those it handled are deleted; those it reported failed become visible
        again at once (as when the visibility timeout has passed): the next call hands them over again, and SQS
        moves them to the failed-events queue once they were received maxReceiveCount times."""
        url = self.queue_urls[MAIL_QUEUE]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        [consumer] = [f.logical_id for f in self.functions.by_id.values() if MAIL_QUEUE in f.queues]
        delivered, failed = 0, []
        while True:
            answer = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
            messages = answer.get("Messages", [])
            if not messages:
                break  # each message once: a received message stays invisible for the queue's visibility timeout
            answer = self.functions.invoke(consumer, sqs_event(messages, arn))
            refused = {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}
            for message in messages:
                if message["MessageId"] in refused:
                    failed.append(message)
                else:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    delivered += 1
        for message in failed:
            self.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return {"delivered": delivered, "failed": len(failed)}

    def queued(self, logical_id: str = MAIL_QUEUE) -> list[dict]:
        """The messages in one of the template's queues, as JSON, read from moto without receiving them (a receive
        would count towards maxReceiveCount)."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues[self.queue_urls[logical_id].rsplit("/", 1)[1]]
        return [json.loads(message.body) for message in queue._messages]

    def provision(self, identifier: str = "jdupont12", birth_date: date | None = date(2011, 5, 14), **extra) -> str:
        """Create an account as a school would, returning its provisional password."""
        password = new_provisional_password()
        account = Account(
            identifier=identifier,
            uai=extra.pop("uai", "0341234A"),
            role=extra.pop("role", Role.STUDENT),
            first_name=extra.pop("first_name", "Jeanne"),
            last_name=extra.pop("last_name", "Dupont"),
            birth_date=birth_date,
            provisional_password_hash=hash_provisional(password),
            provisional_expires_at=extra.pop("provisional_expires_at", add_months(self.clock.now(), 3)),
            created_at=self.clock.now(),
            **extra,
        )
        self.store.create_account(account)
        self.provisional_of[identifier] = password
        return password

    def call(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        """Send a request through the function that serves it in template.yaml, as API Gateway would."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        raw = self.functions.invoke_http(method, url, headers=headers, body=body)
        assert raw is not None, f"no function serves {method} {url}"
        return Answer.from_proxy(raw)

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


@pytest.fixture(scope="session")
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
    endpoint = request.getfixturevalue("dynamodb_local_endpoint") if backend == "dynamodb_local" else None
    # On DynamoDB Local, requests go to the real engine (moto only serves SES) and must stay concurrent.
    atomic = atomic_moto_requests() if backend == "moto" else nullcontext()
    with mock_aws(), atomic:
        # The clients the service builds for itself: same retry mode and timeouts.
        ses = boto3.client("sesv2", region_name=REGION, config=mail_client_config())
        ses.create_email_identity(EmailIdentity="ent.example.fr")
        ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint, config=client_config())
        table = f"ent-accounts-{uuid.uuid4().hex[:12]}"
        template.create_table(ddb, table)
        sqs = boto3.client("sqs", region_name=REGION, config=queue_client_config())
        queue_urls = template.create_queues(sqs, table)
        settings = Settings(table_name=table, mail_sender=SENDER, mail_queue_url=queue_urls[MAIL_QUEUE])
        store = Store(table, clock, client=ddb, expiry_shards=settings.expiry_shards)
        mailer, queue = Mailer(SENDER, client=ses), MailQueue(settings.mail_queue_url, client=sqs)
        current = Services(settings=settings, clock=clock, store=store, mailer=mailer, mail_queue=queue)
        services_module.use(current)
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        ses_backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
        yield World(current, clock, ddb, functions, backend, ses_backend, sqs=sqs, queue_urls=queue_urls)
        services_module.use(None)
        if endpoint:
            ddb.delete_table(TableName=table)


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
