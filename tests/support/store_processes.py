"""Warm processes calling the flows at one instant on one DynamoDB Local: a CAS validation (`cas.validation.validate`,
what /cas/serviceValidate does: the ticket consumed, its login recorded on the session) against a logout ending the
session (`sso.logout.ending_session`).

`StoreProcesses.at_once(world, calls)` hands call i (the name of a task below and its arguments) to process i; all
wait on one barrier, then call. Each process is a fresh interpreter with its own boto3 client, as each Lambda
container is (tests/support/containers.py does the same for requests through the functions). What a logout queues is
kept by a stand-in queue and sent back with its result: the race is about the store, not SQS.
"""

from __future__ import annotations

import multiprocessing
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SIZE = 8


class _KeptNotices:
    """The logout queue of a process: it keeps what a logout would queue."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, notices) -> int:
        notices = list(notices)
        self.sent.extend(notice.to_message() for notice in notices)
        return len(notices)


def validate_ticket(services, ticket: str, service: str) -> str:
    """ "recorded" (the validation succeeded: its login is on the session) or the CAS error code it answered."""
    from ent_accounts.cas.validation import ValidationFailure, validate

    try:
        validate(services, ticket=ticket, service=service, renew=False, takes_proxy_tickets=False)
    except ValidationFailure as failure:
        return failure.code
    return "recorded"


def end_session(services, token: str, request_id: str, issuer: str) -> dict | None:
    from ent_accounts.sso.logout import ending_session

    ended = ending_session(services, token, request_id, issuer)
    if ended is None:
        return None
    return {
        "cas_logins": [(login.client_id, login.service, login.ticket) for login in ended.cas_logins],
        "queued": services.logout_queue.sent,
    }


def staff_second_step(services, token: str, code: str, secret: str) -> str:
    """A staff sign-in's second step (flows/staff.py) with this code: "accepted" or the error code it answered. The
    TOTP secret is handed over in clear: each process has no KMS of the test's (the race is about the store)."""
    from ent_accounts.errors import DomainError
    from ent_accounts.flows import staff

    class KnownSecret:
        def open(self, member_id: str, sealed: bytes) -> str:
            return secret

    services.staff_secrets = KnownSecret()
    try:
        staff.second_step(services, token, code, "race")
    except DomainError as error:
        return error.code
    return "accepted"


TASKS = {"validate_ticket": validate_ticket, "end_session": end_session, "staff_second_step": staff_second_step}


class StoreProcesses:
    def __init__(self, endpoint: str, size: int = SIZE) -> None:
        context = multiprocessing.get_context("spawn")
        self.size = size
        self.barrier = context.Barrier(size)
        self.results = context.Queue()
        self.inboxes = [context.Queue() for _ in range(size)]
        self.processes = [
            context.Process(target=_process, args=(endpoint, inbox, self.results, self.barrier), daemon=True)
            for inbox in self.inboxes
        ]
        for process in self.processes:
            process.start()
        for _ in range(size):
            kind, detail = self.results.get(timeout=120)
            if kind != "ready":
                raise RuntimeError(f"a process failed to start: {detail}")

    def at_once(self, world, calls: list[tuple[str, tuple]]) -> list[Any]:
        """Each call's result, in order: exactly one call per process, at the world's frozen time."""
        assert len(calls) == self.size, f"a race takes {self.size} calls"
        instant = world.clock.now().isoformat()
        for index, (inbox, (task, args)) in enumerate(zip(self.inboxes, calls, strict=True)):
            inbox.put((index, world.store.table_name, instant, task, args))
        results: dict[int, Any] = {}
        for _ in calls:
            kind, detail = self.results.get(timeout=120)
            if kind == "error":
                raise RuntimeError(f"a process failed: {detail}")
            index, result = detail
            results[index] = result
        return [results[index] for index in range(self.size)]

    def stop(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def _process(endpoint: str, inbox, results, barrier) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]
    from tests.support.fake_aws import use_fake_aws

    use_fake_aws(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true")
    try:
        import boto3

        from ent_accounts.clock import FrozenClock
        from ent_accounts.services import Services
        from ent_accounts.settings import Settings
        from ent_accounts.store import client_config
        from local.harness import REGION, SENDER

        ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint, config=client_config())
        clock = FrozenClock(datetime.now().astimezone())
    except BaseException as error:
        results.put(("error", repr(error)))
        return
    results.put(("ready", None))
    while (task := inbox.get()) is not None:
        index, table, instant, name, args = task
        try:
            clock.set(datetime.fromisoformat(instant))
            settings = Settings(table_name=table, mail_sender=SENDER)
            services = Services.from_settings(settings, clock, dynamodb=ddb, logout_queue=_KeptNotices())
            barrier.wait(timeout=60)
            results.put(("done", (index, TASKS[name](services, *args))))
        except BaseException as error:
            results.put(("error", repr(error)))
