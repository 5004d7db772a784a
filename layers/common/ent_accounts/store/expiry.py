"""The sweep's side of the table: pending accounts due, from the sparse index, and their deletion in transactions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

from ent_accounts.accounts import DueAccount, Status
from ent_accounts.clock import epoch, from_epoch
from ent_accounts.store.accounts import account_key
from ent_accounts.store.audit import audit_item
from ent_accounts.store.errors import Conflict
from ent_accounts.store.table import EXPIRY_INDEX, Table
from ent_accounts.store.transaction import Transaction


def due_pending_accounts(table: Table, now: datetime) -> Iterator[DueAccount]:
    """Pending accounts with a reminder or their deletion due, from the sparse index: reads grow with those only.
    The accounts' keys only ("0" … expiry_shards - 1): the outbox's mails share the index under "OUTBOX#<n>"."""
    for shard in range(table.expiry_shards):
        items = table.query_items(
            IndexName=EXPIRY_INDEX,
            KeyConditionExpression="expiry_shard = :shard AND next_event_at <= :now",
            ExpressionAttributeValues={":shard": {"S": str(shard)}, ":now": {"N": str(epoch(now))}},
        )
        for item in items:
            yield DueAccount(
                identifier=item["pk"]["S"].removeprefix("ACCOUNT#"),
                code_hashes=frozenset(item.get("validation_code_hashes", {}).get("SS", [])),
                expires_at=from_epoch(int(item["expires_at"]["N"])),
            )


def can_delete_together(table: Table, expired: list[DueAccount]) -> bool:
    """Whether these accounts fit in one transaction of `delete_expired_accounts` (one account always does)."""
    writes = sum(_writes_to_delete(table, due) for due in expired)
    return len(expired) <= 1 or writes <= table.max_writes_per_transaction


def delete_expired_accounts(
    table: Table, expired: list[DueAccount], now: datetime, request_id: str
) -> list[DueAccount]:
    """Delete these accounts, their codes, and write their audit events, in one transaction (see
    `can_delete_together`); the accounts deleted are returned.

    Each account's delete is conditional (still pending, past its deadline): one that changed meanwhile (validated,
    or deleted by another run) cancels the transaction, and the transaction is sent again without it. Cancelled
    only by writes in flight on the same items, it is sent again after a pause, twice at most, then without the
    accounts concerned, which the next run finds again.
    """
    left, pauses = list(expired), 0
    while left:
        tx = Transaction(table)
        for due in left:
            queue_deletion(table, tx, due, now, request_id)
        try:
            tx.commit()
            return left
        except Conflict as conflict:
            failed, changed = conflict.failed, conflict.changed  # the writes are named after their account
        if not failed:
            return []  # nothing tells which account failed: leave them all to the next run
        if not changed and pauses < 2:
            time.sleep(0.02 * 2**pauses)  # let the write in flight finish
            pauses += 1
            continue
        left = [due for due in left if due.identifier not in (changed or failed)]
    return []


def _writes_to_delete(table: Table, expired: DueAccount) -> int:
    """How many writes deleting this account takes: the account, its codes, its audit event."""
    return 2 + len(_codes_deleted_with(table, expired))


def _codes_deleted_with(table: Table, expired: DueAccount) -> list[str]:
    # An account alone must fit in one transaction. Codes beyond that (none today: resends keep a few) need no
    # delete: they expire with the account's deadline, so reads already ignore them, and TTL removes them.
    return sorted(expired.code_hashes)[: table.max_writes_per_transaction - 2]


def queue_deletion(
    table: Table, tx: Transaction, expired: DueAccount, now: datetime, request_id: str, linked: bool = False
) -> None:
    """The account's conditional delete, its codes' deletes and its audit event, each named after the account.

    An account with links is deleted only with them (`linked`: the caller queued their removal in `tx`): without,
    the delete's condition fails on it, and the sweep deletes it with its family (flows/expiry.py)."""
    name = expired.identifier
    delete = {
        "TableName": table.table_name,
        "Key": account_key(expired.identifier),
        # Never an account whose address was once validated (defence in depth: none is ever pending).
        "ConditionExpression": "#status = :pending AND expires_at <= :now AND email_verified = :no"
        + ("" if linked else " AND attribute_not_exists(linked)"),
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":pending": {"S": Status.PENDING_VALIDATION.value},
            ":now": {"N": str(epoch(now))},
            ":no": {"BOOL": False},
        },
    }
    tx.add(name, {"Delete": delete})
    for code_hash in _codes_deleted_with(table, expired):
        tx.delete_code(code_hash, name=name)
    item = audit_item(table, expired.identifier, "account_expired", request_id, {})
    tx.add(name, {"Put": {"TableName": table.table_name, "Item": item}})
