"""The failed-login counter of an identifier (known or not), and the claim a password check takes on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ent_accounts.accounts import Account
from ent_accounts.clock import epoch, from_epoch
from ent_accounts.errors import AccountLocked, ServiceBusy
from ent_accounts.lockout import Throttle, retry_after_seconds
from ent_accounts.store.accounts import account_from_item, account_key
from ent_accounts.store.errors import ConditionFailed
from ent_accounts.store.table import Table

CLAIM_ATTEMPTS = 12  # password checks racing on one identifier: each lost race costs one more conditional write


def throttle_key(identifier: str) -> dict:
    return {"pk": {"S": f"LOGIN#{identifier}"}, "sk": {"S": "THROTTLE"}}


def throttle_from_item(table: Table, item: dict | None) -> Throttle:
    if item is None or table.expired(item):
        return Throttle()
    locked = item.get("locked_until")
    return Throttle(int(item["failures"]["N"]), from_epoch(int(locked["N"])) if locked else None)


def account_and_throttle(table: Table, identifier: str) -> tuple[Account | None, Throttle]:
    """The account and its failed-login counter in one round trip (BatchGetItem, strongly consistent)."""
    items = {item["pk"]["S"]: item for item in table.batch_get([account_key(identifier), throttle_key(identifier)])}
    account_item = items.get(f"ACCOUNT#{identifier}")
    account = None if account_item is None or table.expired(account_item) else account_from_item(account_item)
    return account, throttle_from_item(table, items.get(f"LOGIN#{identifier}"))


def claim_password_check(
    table: Table, identifier: str, seen: Throttle, lock_for: Callable[[int], timedelta], memory: timedelta
) -> Throttle:
    """Take the right to check one password of this identifier, before any hashing: the attempt is counted as a
    failure at once (and locks for `lock_for(failures)` when it is one too many), and undone only once the
    password is proven right. Raises AccountLocked while a lock holds.

    The write is conditioned on the counter as `seen` (read with the account), so requests racing from several
    containers are counted one by one: whatever their number, at most the free failures plus one check per lock
    period reach the password. A lost race reads the counter DynamoDB returns with its refusal and tries again.
    """
    now = table.clock.now()
    for _ in range(CLAIM_ATTEMPTS):
        if seen.locked_until and seen.locked_until > now:
            raise AccountLocked(retry_after_seconds(seen.locked_until, now))
        failures = seen.failures + 1
        lock = lock_for(failures)
        claimed = Throttle(failures, now + lock if lock else None)
        values = {
            ":next": {"N": str(failures)},
            ":forget": {"N": str(epoch(now + memory))},
            ":now": {"N": str(epoch(now))},
            ":seen": {"N": str(seen.failures)},
        }
        update = "SET failures = :next, expires_at = :forget"
        if claimed.locked_until:
            update += ", locked_until = :until"
            values[":until"] = {"N": str(epoch(claimed.locked_until))}
        else:
            update += " REMOVE locked_until"
        # A counter past its memory (not yet removed by TTL) counts as none, like every read here.
        counted = "attribute_not_exists(failures) OR expires_at <= :now OR failures = :seen"
        condition = counted if not seen.failures else "failures = :seen AND expires_at > :now"
        unlocked = "attribute_not_exists(locked_until) OR locked_until <= :now"
        try:
            table.update(
                throttle_key(identifier),
                update,
                f"({condition}) AND ({unlocked})",
                values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return claimed
        except ConditionFailed as failed:
            seen = throttle_from_item(table, failed.item)
    raise ServiceBusy()  # as many requests at once as attempts here: the client tries again a moment later


def release_password_check(table: Table, identifier: str, claim: Throttle) -> None:
    """Undo a claim whose password (or birth date) proved right, without forgetting the other failures: the
    count goes down by one, and the lock this claim set, if it is still the one there, is lifted."""
    values = {":one": {"N": "1"}, ":zero": {"N": "0"}}
    update, condition = "SET failures = failures - :one", "failures > :zero"
    if claim.locked_until:
        values[":until"] = {"N": str(epoch(claim.locked_until))}
        update += " REMOVE locked_until"
        condition += " AND locked_until = :until"
    for _ in range(2):
        try:
            table.update(throttle_key(identifier), update, condition, values)
            return
        except ConditionFailed:
            pass
        # Another claim locked since (or a success forgot every failure): only take this one back.
        update, condition = "SET failures = failures - :one", "failures > :zero"
        values.pop(":until", None)


def clear_login_failures(table: Table, identifier: str) -> None:
    table.request("delete_item", TableName=table.table_name, Key=throttle_key(identifier))
