"""The one table every store module writes to: its client, its name, its settings, and what all its items share.

Every request goes through `Table.request`, which turns botocore's errors into the store's own (store/errors.py),
so that nothing above the store knows DynamoDB's error codes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from ent_accounts.clock import Clock, epoch
from ent_accounts.store.errors import translated

TRANSACTION_WRITES = 100  # DynamoDB's limit on the writes of one TransactWriteItems
BATCH_GET_KEYS = 100  # DynamoDB's limit on the keys of one BatchGetItem
# The sparse index of the sweeps (HASH expiry_shard, RANGE next_event_at): pending accounts under the keys "0", "1", …
# (store/expiry.py), unsent outbox mails under "OUTBOX#0", … (store/outbox.py). Each sweep queries its own keys only.
EXPIRY_INDEX = "pending-by-next-event"


def client_config():
    import platform

    from botocore import __version__ as botocore_version
    from botocore.config import Config

    # Standard retry mode backs off on throttling; short timeouts keep an API call under API Gateway's 29 s.
    # Per request, botocore would also check every parameter against the service model and build its User-Agent
    # twice from a dozen components: ≈ 0.4 ms of CPU for a login's two requests (BENCHMARKS.md, login CPU). Our requests
    # are built by this package and exercised by the tests against DynamoDB Local, so the check is skipped (DynamoDB
    # still validates), and the User-Agent is a fixed string.
    return Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=2,
        read_timeout=5,
        parameter_validation=False,
        user_agent=f"ent-accounts botocore/{botocore_version} Python/{platform.python_version()}",
    )


class Table:
    """The table and its settings; the item modules (store/accounts.py, codes.py, …) take it as first argument."""

    max_writes_per_transaction = TRANSACTION_WRITES

    def __init__(
        self,
        table_name: str,
        clock: Clock,
        client: Any = None,
        expiry_shards: int = 8,
        school_shards: int = 8,
        audit_retention_days: int = 365,
        page_size: int | None = None,
    ) -> None:
        self.table_name = table_name
        self.clock = clock
        self.expiry_shards = expiry_shards
        self.school_shards = school_shards
        self.audit_retention_days = audit_retention_days
        self.page_size = page_size  # None: DynamoDB's 1 MB pages; tests set a few items to exercise paging
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("dynamodb", config=client_config())
        return self._client

    def request(self, operation: str, **parameters: Any) -> dict:
        """Send one DynamoDB request (`operation` as boto3 names it: "get_item", …); its errors come back as the
        store's own (see store/errors.py)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**parameters)
        except (ClientError, BotoCoreError) as error:
            raise translated(error) from error

    def update(self, key: dict, update: str, condition: str, values: dict, **extra: Any) -> dict:
        """One conditional UpdateItem (every update here has a condition); a refusal raises ConditionFailed."""
        return self.request(
            "update_item",
            TableName=self.table_name,
            Key=key,
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            **extra,
        )

    def expired(self, item: dict) -> bool:
        """Whether the item's `expires_at` has passed: reads treat it as absent, as TTL deletes it only days later."""
        expires_at = item.get("expires_at")
        return expires_at is not None and int(expires_at["N"]) <= epoch(self.clock.now())

    def get(self, key: dict) -> dict | None:
        """One item, read strongly consistent; None when absent or expired."""
        item = self.request("get_item", TableName=self.table_name, Key=key, ConsistentRead=True).get("Item")
        return None if item is None or self.expired(item) else item

    def batch_get(self, keys: Iterable[dict]) -> Iterator[dict]:
        """The items of these keys that exist (expired ones included), strongly consistent, in few round trips."""
        keys = list(keys)
        for start in range(0, len(keys), BATCH_GET_KEYS):
            request: dict | None = {
                self.table_name: {"Keys": keys[start : start + BATCH_GET_KEYS], "ConsistentRead": True}
            }
            while request:
                answer = self.request("batch_get_item", RequestItems=request)
                yield from answer["Responses"].get(self.table_name, [])
                request = answer.get("UnprocessedKeys") or None

    def query_items(self, **query: Any) -> Iterator[dict]:
        """Every item a Query finds, page after page (pages of `page_size` items when set)."""
        start = None
        while True:
            page = self.request(
                "query",
                TableName=self.table_name,
                **query,
                **({"ExclusiveStartKey": start} if start else {}),
                **({"Limit": self.page_size} if self.page_size else {}),
            )
            yield from page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def expiry_shard(self, identifier: str) -> str:
        """Which partition of the sweep's sparse index a pending account goes to (spreads its reads and writes)."""
        return str(_bucket(identifier, self.expiry_shards))

    def school_shard(self, uai: str, identifier: str) -> str:
        """The school index's partition key of an account (and of its links): `<uai>#<n>`, n from a hash of the
        identifier, so that a school's import spreads its index writes over `school_shards` keys."""
        return f"{uai}#{_bucket(identifier, self.school_shards)}"

    def school_shard_keys(self, uai: str) -> list[str]:
        """Every partition key of a school in the school index (a list queries each)."""
        return [f"{uai}#{n}" for n in range(self.school_shards)]


def _bucket(identifier: str, buckets: int) -> int:
    """A stable number in [0, buckets) from the identifier (the first 4 bytes of its SHA-256)."""
    digest = hashlib.sha256(identifier.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % buckets
