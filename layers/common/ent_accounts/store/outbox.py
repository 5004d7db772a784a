"""Outbox items (`pk=OUTBOX#<id>`, `sk=OUTBOX`): mails to send, written in the transaction of the change they tell of
(Transaction.put_outbox), then claimed, marked sent, put back or marked failed by the sender (flows/outbox.py).

Until it is sent or failed, an item is in the sparse index `pending-by-next-event` (the account sweep's), under its
own keys `expiry_shard = OUTBOX#<n>`, `next_event_at` = when the outbox sweep should look at it (its creation, then
its latest claim, plus SWEEP_AFTER_SECONDS); sent or failed, both attributes are removed and it leaves the index. So
the sweep reads the stranded mails only, with neither a Scan nor an index of its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta

from ent_accounts.clock import epoch, from_epoch
from ent_accounts.outbox import (
    LEASE_SECONDS,
    SENT_KEPT_DAYS,
    SWEEP_AFTER_SECONDS,
    SWEEP_SHARDS,
    OutboxMail,
    OutboxState,
)
from ent_accounts.store.errors import ConditionFailed
from ent_accounts.store.table import EXPIRY_INDEX, Table, _bucket

PREFIX = "OUTBOX#"
SHARD_PREFIX = "OUTBOX#"  # the outbox's keys in the sweep index; the accounts' are "0", "1", …


def sweep_shard(outbox_id: str) -> str:
    """The item's partition key in the sweep index (spreads a burst of mails over SWEEP_SHARDS keys)."""
    return f"{SHARD_PREFIX}{_bucket(outbox_id, SWEEP_SHARDS)}"


def sweep_shard_keys() -> list[str]:
    return [f"{SHARD_PREFIX}{n}" for n in range(SWEEP_SHARDS)]


def outbox_key(outbox_id: str) -> dict:
    return {"pk": {"S": f"{PREFIX}{outbox_id}"}, "sk": {"S": "OUTBOX"}}


def outbox_item(mail: OutboxMail, now: datetime) -> dict:
    item = {
        **outbox_key(mail.outbox_id),
        "kind": {"S": mail.kind},
        "identifier": {"S": mail.identifier},
        "recipient": {"S": mail.to},
        "base_url": {"S": mail.base_url},
        "request_id": {"S": mail.request_id},
        "fields": {"S": json.dumps(mail.fields, separators=(",", ":"), sort_keys=True)},
        "state": {"S": mail.state.value},
        "attempts": {"N": str(mail.attempts)},
        "created_at": {"N": str(epoch(now))},
        # In the sweep index until sent or failed: looked at by the sweep if still unsent SWEEP_AFTER_SECONDS on.
        "expiry_shard": {"S": sweep_shard(mail.outbox_id)},
        "next_event_at": {"N": str(epoch(now) + SWEEP_AFTER_SECONDS)},
        # Gone after a week whatever happens (a stream record kept 24 hours, retried 6 hours at most); sent or
        # failed, a week after that.
        "expires_at": {"N": str(epoch(now + timedelta(days=SENT_KEPT_DAYS)))},
    }
    return item


def outbox_mail(item: dict) -> OutboxMail:
    return OutboxMail(
        outbox_id=item["pk"]["S"].removeprefix(PREFIX),
        kind=item["kind"]["S"],
        identifier=item["identifier"]["S"],
        to=item["recipient"]["S"],
        base_url=item["base_url"]["S"],
        request_id=item.get("request_id", {}).get("S", ""),
        fields=json.loads(item.get("fields", {}).get("S", "{}")),
        state=OutboxState(item["state"]["S"]),
        attempts=int(item.get("attempts", {}).get("N", "0")),
        last_error=item.get("last_error", {}).get("S"),
        created_at=from_epoch(int(item["created_at"]["N"])) if "created_at" in item else None,
    )


def get_outbox_mail(table: Table, outbox_id: str) -> OutboxMail | None:
    item = table.get(outbox_key(outbox_id))
    return outbox_mail(item) if item else None


def claim(table: Table, outbox_id: str) -> OutboxMail | None:
    """Take the mail to send it: pending, or claimed by a sender whose lease ran out. The attempt is counted, and the
    sweep's look at it moved on (SWEEP_AFTER_SECONDS, past the lease). None: sent already, failed, claimed by a
    sender still at work, or absent."""
    now = epoch(table.clock.now())
    try:
        answer = table.update(
            outbox_key(outbox_id),
            "SET #state = :sending, lease_until = :lease, expiry_shard = :shard, next_event_at = :sweep"
            " ADD attempts :one",
            "attribute_exists(pk) AND (#state = :pending OR (#state = :sending AND lease_until < :now))",
            {
                ":sending": {"S": OutboxState.SENDING.value},
                ":pending": {"S": OutboxState.PENDING.value},
                ":lease": {"N": str(now + LEASE_SECONDS)},
                ":now": {"N": str(now)},
                ":one": {"N": "1"},
                ":shard": {"S": sweep_shard(outbox_id)},
                ":sweep": {"N": str(now + SWEEP_AFTER_SECONDS)},
            },
            ExpressionAttributeNames={"#state": "state"},
            ReturnValues="ALL_NEW",
        )
    except ConditionFailed:
        return None
    return outbox_mail(answer["Attributes"])


def finish(table: Table, outbox_id: str, state: OutboxState, error: str | None = None) -> None:
    """After the sender's attempt: sent or failed (kept SENT_KEPT_DAYS, then TTL, and out of the sweep index), or
    pending again (`error` says why; the sweep looks at it again if the stream does not). Only the claim's holder
    finishes it."""
    values = {":state": {"S": state.value}, ":sending": {"S": OutboxState.SENDING.value}}
    update = "SET #state = :state REMOVE lease_until"
    if state is not OutboxState.PENDING:
        kept = table.clock.now() + timedelta(days=SENT_KEPT_DAYS)
        values[":expires"] = {"N": str(epoch(kept))}
        update = "SET #state = :state, expires_at = :expires REMOVE lease_until, expiry_shard, next_event_at"
    if error:
        values[":error"] = {"S": error}
        update = update.replace(" REMOVE", ", last_error = :error REMOVE")
    # Refused when another sender took it over after our lease ran out: its outcome stands.
    with suppress(ConditionFailed):
        table.update(
            outbox_key(outbox_id), update, "#state = :sending", values, ExpressionAttributeNames={"#state": "state"}
        )


def due_outbox_ids(table: Table, now: datetime) -> Iterator[str]:
    """The mails still unsent whose sweep time has come (pending, or claimed and past their lease), from the sparse
    index's outbox keys only: the reads grow with the stranded mails, not with the table. Eventually consistent: a
    mail sent a moment ago may still be listed (its claim then refuses it)."""
    for shard in sweep_shard_keys():
        items = table.query_items(
            IndexName=EXPIRY_INDEX,
            KeyConditionExpression="expiry_shard = :shard AND next_event_at <= :now",
            ExpressionAttributeValues={":shard": {"S": shard}, ":now": {"N": str(epoch(now))}},
            ProjectionExpression="pk",
        )
        for item in items:
            yield item["pk"]["S"].removeprefix(PREFIX)
