"""Outbox items (`pk=OUTBOX#<id>`, `sk=OUTBOX`): mails to send, written in the transaction of the change they tell of
(Transaction.put_outbox), then claimed, marked sent, put back or marked failed by the sender (flows/outbox.py)."""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import datetime, timedelta

from ent_accounts.clock import epoch, from_epoch
from ent_accounts.outbox import LEASE_SECONDS, SENT_KEPT_DAYS, OutboxMail, OutboxState
from ent_accounts.store.errors import ConditionFailed
from ent_accounts.store.table import Table

PREFIX = "OUTBOX#"


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
    """Take the mail to send it: pending, or claimed by a sender whose lease ran out. The attempt is counted. None:
    sent already, failed, claimed by a sender still at work, or absent."""
    now = epoch(table.clock.now())
    try:
        answer = table.update(
            outbox_key(outbox_id),
            "SET #state = :sending, lease_until = :lease ADD attempts :one",
            "attribute_exists(pk) AND (#state = :pending OR (#state = :sending AND lease_until < :now))",
            {
                ":sending": {"S": OutboxState.SENDING.value},
                ":pending": {"S": OutboxState.PENDING.value},
                ":lease": {"N": str(now + LEASE_SECONDS)},
                ":now": {"N": str(now)},
                ":one": {"N": "1"},
            },
            ExpressionAttributeNames={"#state": "state"},
            ReturnValues="ALL_NEW",
        )
    except ConditionFailed:
        return None
    return outbox_mail(answer["Attributes"])


def finish(table: Table, outbox_id: str, state: OutboxState, error: str | None = None) -> None:
    """After the sender's attempt: sent or failed (kept SENT_KEPT_DAYS, then TTL), or pending again (`error` says
    why). Only the claim's holder finishes it."""
    values = {":state": {"S": state.value}, ":sending": {"S": OutboxState.SENDING.value}}
    update = "SET #state = :state REMOVE lease_until"
    if state is not OutboxState.PENDING:
        kept = table.clock.now() + timedelta(days=SENT_KEPT_DAYS)
        values[":expires"] = {"N": str(epoch(kept))}
        update = "SET #state = :state, expires_at = :expires REMOVE lease_until"
    if error:
        values[":error"] = {"S": error}
        update = update.replace(" REMOVE", ", last_error = :error REMOVE")
    # Refused when another sender took it over after our lease ran out: its outcome stands.
    with suppress(ConditionFailed):
        table.update(
            outbox_key(outbox_id), update, "#state = :sending", values, ExpressionAttributeNames={"#state": "state"}
        )
