"""Warm Lambda containers racing on one DynamoDB Local: each is an OS process with its own imported handlers, its own
boto3 clients and its own embedded SES, as AWS runs one container per concurrent request.

`Containers.at_once(world, requests)` hands request i to container i; all wait on one barrier, then send their
request through the function that serves it in template.yaml, as API Gateway would. Threads in one process cannot
show these races honestly (one interpreter, one connection pool); processes can.
"""

from __future__ import annotations

import multiprocessing
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SIZE = 8  # concurrent requests the races send: as many containers as Lambda would start for them
CONTAINERS_LINK_KEY = b"containers-share-one-mail-link-key"


@dataclass
class Outcome:
    status: int
    body: Any
    mails: list[dict] = field(default_factory=list)  # what this request sent: to, subject, html


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class Containers:
    def __init__(self, endpoint: str, size: int = SIZE) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter, like a new container
        self.size = size
        self.delivered: list[dict] = []  # the mails the outbox sent after the last race
        self.barrier = context.Barrier(size)
        self.results = context.Queue()
        self.inboxes = [context.Queue() for _ in range(size)]
        self.processes = [
            context.Process(target=_container, args=(endpoint, inbox, self.results, self.barrier), daemon=True)
            for inbox in self.inboxes
        ]
        for process in self.processes:
            process.start()
        for _ in range(size):  # every container is warm (handlers imported) before the first race
            kind, detail = self.results.get(timeout=120)
            if kind != "ready":
                raise RuntimeError(f"a container failed to start: {detail}")

    def at_once(self, world, requests: list[Request]) -> list[Outcome]:
        """Send `requests` (exactly one per container) at the same moment, at the world's frozen time."""
        assert len(requests) == self.size, f"a race takes {self.size} requests"
        from ent_accounts.outbox import MailLinkKey

        instant = world.clock.now().isoformat()
        # The outbox items the race writes carry codes of the containers' shared key: the test's sender uses it too.
        world.deliver_outbox()
        world.services.link_key = MailLinkKey("", local_key=CONTAINERS_LINK_KEY)
        for index, (inbox, request) in enumerate(zip(self.inboxes, requests, strict=True)):
            inbox.put((index, world.store.table_name, instant, request))
        outcomes: dict[int, Outcome] = {}
        for _ in requests:
            kind, detail = self.results.get(timeout=120)
            if kind == "error":
                raise RuntimeError(f"a container failed: {detail}")
            index, outcome = detail
            outcomes[index] = outcome
        sent = len(world.sent)
        world.deliver_outbox()  # what the stream's consumer does once the race's transactions committed
        self.delivered = [
            {"to": list(message.destinations["ToAddresses"]), "subject": message.subject, "html": message.body}
            for message in world.sent[sent:]
        ]
        return [outcomes[index] for index in range(self.size)]

    def stop(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def _container(endpoint: str, inbox, results, barrier) -> None:
    """One warm container: waits for requests, runs each through its function on the shared DynamoDB Local."""
    sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]
    from tests.support.fake_aws import use_fake_aws

    # Quieter than the test process: eight containers' logs would drown pytest's report.
    use_fake_aws(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true")
    try:
        import json

        import boto3
        from moto import mock_aws

        from ent_accounts import services as services_module
        from ent_accounts.clock import FrozenClock
        from ent_accounts.outbox import MailLinkKey
        from ent_accounts.services import Services
        from ent_accounts.settings import Settings
        from ent_accounts.store import client_config
        from local.harness import OPS_ROLE, REGION, SENDER, Stack, moto_ses
        from local.invoke import Functions
        from tests.support.oidc import install_signer

        mock = mock_aws()
        mock.start()  # SES only: requests to DynamoDB Local's address go to the real engine
        ses, sent = moto_ses()
        ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint, config=client_config())
        functions = Functions()
        for logical_id in functions.by_id:
            if functions.by_id[logical_id].routes:
                functions.handler(logical_id)  # warm: imported before the race
        clock = FrozenClock(datetime.now().astimezone())
        built: dict[str, Stack] = {}
    except BaseException as error:
        results.put(("error", repr(error)))
        return
    results.put(("ready", None))
    while (task := inbox.get()) is not None:
        index, table, instant, request = task
        try:
            clock.set(datetime.fromisoformat(instant))
            if table not in built:
                settings = Settings(table_name=table, mail_sender=SENDER, admin_principals=(OPS_ROLE,))
                services = Services.from_settings(settings, clock, dynamodb=ddb, ses=ses)
                install_signer(services)  # the token endpoint's ID tokens: a key in memory, not KMS
                # The outbox's link codes: one key for every container and the test (as Lambda's share the KMS key);
                # the test delivers the outbox after the race (`at_once`), the containers send nothing themselves.
                services.link_key = MailLinkKey("", local_key=CONTAINERS_LINK_KEY)
                built[table] = Stack(services, clock, ddb, functions, sent=sent)
            services_module.use(built[table].services)
            before = len(sent)
            barrier.wait(timeout=60)
            raw = built[table].request(request.method, request.url, request.body, request.headers)
            mails = [
                {"to": list(message.destinations["ToAddresses"]), "subject": message.subject, "html": message.body}
                for message in sent[before:]
            ]
            text = raw.get("body") or ""
            try:
                answer = json.loads(text)
            except ValueError:
                answer = text
            results.put(("done", (index, Outcome(raw["statusCode"], answer, mails))))
        except BaseException as error:
            results.put(("error", repr(error)))
