"""The school index's migration: give every account and link item its `school_shard` (docs/DESIGN.md, "Hot keys").

Items written before the index was sharded carry `uai` but no `school_shard`, so the index (keyed by school_shard)
does not hold them and a school's list misses them. `backfill_school_shards` reads the table once (a Scan: it does
not need the old index) and sets on each item of a school the key the store would write today, by the item's key
alone: nothing else of the item changes, and its `version` stays (the item means the same). A write is conditional
on the item still being that school's and still holding the shard read (or none), so an item deleted or rewritten
meanwhile is left as it is; running it again finds nothing to do. It also moves items after `SCHOOL_SHARDS` was
lowered (an item on a shard the list no longer queries).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ent_accounts.store.errors import ConditionFailed
from ent_accounts.store.table import Table

NAMES = {"#uai": "uai", "#shard": "school_shard", "#id": "identifier", "#pk": "pk", "#sk": "sk"}


@dataclass
class Backfill:
    """What a run found: items of schools read, rewritten, and left because they changed meanwhile."""

    read: int = 0
    rewritten: int = 0
    changed: int = 0

    def __add__(self, other: Backfill) -> Backfill:
        return Backfill(self.read + other.read, self.rewritten + other.rewritten, self.changed + other.changed)


def backfill_school_shards(table: Table, uai: str | None = None, segments: int = 1) -> Backfill:
    """Set `school_shard` on every account and link item (of one school with `uai`, else of all) that lacks it or
    holds another one than `table.school_shards` gives. Idempotent; safe while the service runs.

    `segments`: a parallel Scan, one thread per segment, each rewriting what it reads (a million students' table
    is millions of link and account items: one at a time, a write every few milliseconds, would take hours)."""
    if segments == 1:
        return _backfill(table, uai, {})
    table.client  # noqa: B018 (made once here, not by each thread)
    with ThreadPoolExecutor(max_workers=segments) as pool:
        parts = pool.map(lambda n: _backfill(table, uai, {"Segment": n, "TotalSegments": segments}), range(segments))
        return sum(parts, Backfill())


def _backfill(table: Table, uai: str | None, segment: dict) -> Backfill:
    done = Backfill()
    scan = {
        **segment,
        "ProjectionExpression": "#pk, #sk, #uai, #id, #shard",
        "FilterExpression": "#uai = :uai" if uai else "attribute_exists(#uai)",
        "ExpressionAttributeNames": NAMES,
        **({"ExpressionAttributeValues": {":uai": {"S": uai}}} if uai else {}),
    }
    for item in _scan(table, scan):
        done.read += 1
        school = item["uai"]["S"]
        owner = item.get("identifier", {}).get("S") or item["pk"]["S"].removeprefix("ACCOUNT#")
        wanted = table.school_shard(school, owner)
        held = item.get("school_shard", {}).get("S")
        if held == wanted:
            continue
        values = {":uai": {"S": school}, ":shard": {"S": wanted}}
        condition = "#uai = :uai AND attribute_not_exists(#shard)"
        if held is not None:
            values[":held"] = {"S": held}
            condition = "#uai = :uai AND #shard = :held"
        try:
            table.update(
                {"pk": item["pk"], "sk": item["sk"]},
                "SET #shard = :shard",
                condition,
                values,
                ExpressionAttributeNames={"#uai": "uai", "#shard": "school_shard"},
            )
            done.rewritten += 1
        except ConditionFailed:  # deleted, or rewritten by the service (which writes the shard itself) meanwhile
            done.changed += 1
    return done


def _scan(table: Table, scan: dict):
    start = None
    while True:
        page = table.request(
            "scan",
            TableName=table.table_name,
            **scan,
            **({"ExclusiveStartKey": start} if start else {}),
            **({"Limit": table.page_size} if table.page_size else {}),
        )
        yield from page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return
