"""Mail allowances: counters of mails per identifier and hour, or per address and day, each one conditional write."""

from __future__ import annotations

from datetime import datetime, timedelta

from ent_accounts.accounts import mailbox_digest
from ent_accounts.clock import epoch
from ent_accounts.store.errors import ConditionFailed
from ent_accounts.store.table import Table


def take_mail_allowance(table: Table, identifier: str, per_hour: int) -> bool:
    """Count a mail its owner asked for (resend, address change) in the current hour; False when the hour's
    allowance is spent. Anonymous requests have their own allowance, so they never spend this one."""
    now = table.clock.now()
    key = {"pk": {"S": f"RATE#{identifier}"}, "sk": {"S": f"MAIL#{now:%Y-%m-%dT%H}"}}
    return _take_allowance(table, key, per_hour, now + timedelta(hours=2))


def take_anonymous_mail_allowance(table: Table, identifier: str, per_hour: int) -> bool:
    """Count a mail anyone may ask for about this identifier (a forgotten password), known or not, in the
    current hour; False when the hour's allowance is spent. One conditional write, the same for every
    identifier."""
    now = table.clock.now()
    key = {"pk": {"S": f"RATE#{identifier}"}, "sk": {"S": f"ANONYMOUS#{now:%Y-%m-%dT%H}"}}
    return _take_allowance(table, key, per_hour, now + timedelta(hours=2))


RESET = "RESET"  # forgotten-password mails
IDENTIFIERS = "IDENTIFIERS"  # forgotten-identifier mails


def take_address_allowance(
    table: Table, address: str, per_day: int, purpose: str = RESET, taker: str | None = None
) -> bool:
    """Count a mail of this purpose (RESET, IDENTIFIERS) to this address today, whichever accounts share it
    (siblings, a parent); False when the day's allowance is spent. The address is kept as a hash only.

    `taker` (the request's id): counted once for it however often it asks (the queue handing its message over again
    after SES refused to send): True again for a taker already counted today."""
    now = table.clock.now()
    key = {"pk": {"S": f"MAILBOX#{mailbox_digest(address)}"}, "sk": {"S": f"{purpose}#{now:%Y-%m-%d}"}}
    if taker is None:
        return _take_allowance(table, key, per_day, now + timedelta(days=2))
    return _take_allowance_once(table, key, per_day, now + timedelta(days=2), taker)


def take_anonymous_address_allowance(table: Table, address: str, per_hour: int) -> bool:
    """Count a request anyone may make about this address (a forgotten identifier), whether any account has it
    or not, in the current hour; False when the hour's allowance is spent. One conditional write, the same for
    every address, kept under the address's hash."""
    now = table.clock.now()
    key = {"pk": {"S": f"MAILBOX#{mailbox_digest(address)}"}, "sk": {"S": f"ANONYMOUS#{now:%Y-%m-%dT%H}"}}
    return _take_allowance(table, key, per_hour, now + timedelta(hours=2))


def _take_allowance(table: Table, key: dict, limit: int, forget: datetime) -> bool:
    try:
        table.update(
            key,
            "SET mails = if_not_exists(mails, :zero) + :one, expires_at = :forget",
            "attribute_not_exists(mails) OR mails < :limit",
            {
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
                ":limit": {"N": str(limit)},
                ":forget": {"N": str(epoch(forget))},
            },
        )
    except ConditionFailed:
        return False
    return True


def _take_allowance_once(table: Table, key: dict, limit: int, forget: datetime, taker: str) -> bool:
    """`_take_allowance`, the taker kept with the counter (at most `limit` of them): a taker counted already is
    not counted again. Refused: one strongly consistent read tells a spent allowance from a taker counted before."""
    try:
        table.update(
            key,
            "SET mails = if_not_exists(mails, :zero) + :one, expires_at = :forget ADD takers :takers",
            "(attribute_not_exists(mails) OR mails < :limit) AND NOT contains(takers, :taker)",
            {
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
                ":limit": {"N": str(limit)},
                ":forget": {"N": str(epoch(forget))},
                ":takers": {"SS": [taker]},
                ":taker": {"S": taker},
            },
        )
    except ConditionFailed:
        item = table.get(key)
        return item is not None and taker in item.get("takers", {}).get("SS", [])
    return True
