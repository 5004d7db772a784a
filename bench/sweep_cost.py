"""4. Sweep cost: the items the scheduled sweep reads per account it deletes, in a big table with a few expired
accounts, next to a Scan with the same filter."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from bench.world import START, World


def sweep(world: World) -> dict[str, int]:
    from local.events import scheduled_event

    return world.functions.invoke("ExpireAccountsFunction", scheduled_event()) or {}


def load_accounts(world: World, total: int, expired: int, threads: int = 4) -> float:
    """`total` accounts straight into the table (BatchWriteItem from a thread pool): `expired` pending accounts past
    their deadline, a tenth of the rest pending with a deadline to come, the others active."""
    from ent_accounts.accounts import Account, Role, Status

    prefix = uuid.uuid4().hex[:6]

    def item(n: int) -> dict:
        account = Account(
            identifier=f"s{prefix}{n:07d}",
            uai="0341234A",
            role=Role.STUDENT,
            first_name="Léa",
            last_name="Martin",
            birth_date=date(2011, 5, 14),
            created_at=START - timedelta(days=120),
            email="eleve@laposte.net",
            password_hash="$argon2id$bench",  # noqa: S106 (never verified)
            version=1,
        )
        if n < expired:
            account.status, account.reminder_stage = Status.PENDING_VALIDATION, 2
            account.validation_deadline = START - timedelta(days=1 + n % 20)
        elif n % 10 == 0:
            account.status = Status.PENDING_VALIDATION
            account.validation_deadline = START + timedelta(days=60 + n % 20)
        else:
            account.status, account.email_verified = Status.ACTIVE, True
        return world.store.account_item(account)

    def write(batch: list[int]) -> None:
        requests = {world.table: [{"PutRequest": {"Item": item(n)}} for n in batch]}
        while requests:
            requests = world.ddb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or None

    batches = [list(range(start, min(start + 25, total))) for start in range(0, total, 25)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, batches))
    return time.perf_counter() - started


def _scanned(world: World, action) -> tuple[Any, int]:
    read = []

    def count(parsed, **_: Any) -> None:
        read.append(parsed.get("ScannedCount", 0))

    world.ddb.meta.events.register("after-call.dynamodb.Query", count)
    world.ddb.meta.events.register("after-call.dynamodb.Scan", count)
    try:
        return action(), sum(read)
    finally:
        world.ddb.meta.events.unregister("after-call.dynamodb.Query", count)
        world.ddb.meta.events.unregister("after-call.dynamodb.Scan", count)


def scan_sweep(world: World) -> int:
    """The naive sweep: scan the table for pending accounts past their deadline (matches only counted)."""
    found = 0
    for page in world.ddb.get_paginator("scan").paginate(
        TableName=world.table,
        FilterExpression="#status = :pending AND expires_at <= :now",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":pending": {"S": "PENDING_VALIDATION"},
            ":now": {"N": str(int(world.clock.now().timestamp()))},
        },
    ):
        found += page["Count"]
    return found


def sweep_cost(world: World, total: int) -> dict[str, Any]:
    expired = max(total // 100, 1)
    load_seconds = load_accounts(world, total, expired, threads=4)
    found, scan_read = _scanned(world, lambda: scan_sweep(world))
    started = time.perf_counter()
    summary, sweep_read = _scanned(world, lambda: sweep(world))
    sweep_seconds = time.perf_counter() - started
    deleted = summary["deleted"]
    return {
        "accounts": total,
        "expired": expired,
        "load_seconds": round(load_seconds, 1),
        "sweep": {"read": sweep_read, "deleted": deleted, "read_per_deleted": round(sweep_read / max(deleted, 1), 3)},
        "sweep_seconds": round(sweep_seconds, 2),
        "scan": {"read": scan_read, "found": found, "read_per_found": round(scan_read / max(found, 1), 1)},
        "target_read_per_deleted": 1.1,
    }
