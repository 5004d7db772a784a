"""The stack the benches measure: the handlers of template.yaml in this process on DynamoDB Local (moto when it
cannot run here, said in the results), SES and the queues from moto; built by the tests' harness (local/harness.py)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import environment  # noqa: F401 (the paths and the embedded-AWS environment, before boto3)
from local.harness import Stack

# The benches' frozen clock runs a year ahead of the machine's: DynamoDB Local applies the table's TTL on expires_at
# against the real clock, and would otherwise delete the "expired" accounts before the sweep reaches them.
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365)


def median(values: list[float]) -> float:
    return statistics.median(values)


class Backend:
    """DynamoDB Local when it can run here (moto otherwise, said in the results), one table per use."""

    def __init__(self) -> None:
        from local import dynamodb_local

        self.reason = dynamodb_local.available()
        self.server = None if self.reason else dynamodb_local.DynamoDBLocal()
        self.name = "moto" if self.reason else "dynamodb-local"

    @property
    def endpoint(self) -> str | None:
        return self.server.endpoint if self.server else None

    def stop(self) -> None:
        if self.server:
            self.server.stop()


@dataclass
class World(Stack):
    @classmethod
    def on(cls, backend: Backend, patient: bool = False) -> World:
        """A fresh table on `backend` (inside mock_aws()). `patient`: longer timeouts for a big table on DynamoDB
        Local, which is far slower than DynamoDB at a 100,000-item scan."""
        from botocore.config import Config

        from ent_accounts.clock import FrozenClock
        from ent_accounts.store import client_config

        config = client_config()
        if patient:
            config = config.merge(Config(read_timeout=300, retries={"mode": "standard", "max_attempts": 5}))
        world = cls.start(FrozenClock(START), endpoint=backend.endpoint, table_prefix="bench", ddb_config=config)
        if backend.server:
            # moto (here for SES) inspects every request of every client, then lets DynamoDB Local's through:
            # ≈ 0.25 ms of CPU per login that a Lambda function, without moto, never spends.
            from moto.core.models import botocore_stubber

            world.ddb.meta.events.unregister("before-send", botocore_stubber)
        return world

    @property
    def table(self) -> str:
        return self.store.table_name

    @property
    def settings(self):
        return self.services.settings

    def call(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.expect(method, url, body, headers)

    def deliver_all_queued_mail(self) -> None:
        """What Lambda's SQS event source does with the waiting messages; a failed one is an error of the bench."""
        handed = self.deliver_queued_mail()
        if handed["failed"]:
            raise RuntimeError(f"queued mail failed: {handed}")
