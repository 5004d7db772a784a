"""Account items, identifier counters, the school index that lists a school's accounts, and the mailbox index that
lists the accounts whose validated address a mailbox is."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ent_accounts.accounts import Account, Role, Status, mailbox_digest, next_event_at
from ent_accounts.clock import epoch, iso
from ent_accounts.schools import SchoolAccount
from ent_accounts.store.errors import ConditionFailed, IdentifierTaken
from ent_accounts.store.table import Table

ACCOUNT_SK = "ACCOUNT"
SCHOOL_INDEX = "accounts-by-school-shard"  # hash key school_shard (`<uai>#<n>`), range key identifier
MAILBOX_INDEX = "accounts-by-mailbox"


def account_key(identifier: str) -> dict:
    return {"pk": {"S": f"ACCOUNT#{identifier}"}, "sk": {"S": ACCOUNT_SK}}


def counter_key(base: str) -> dict:
    return {"pk": {"S": f"IDENTIFIER#{base}"}, "sk": {"S": "COUNTER"}}


def create_account(table: Table, account: Account) -> None:
    """Add a new account; raises IdentifierTaken when the identifier exists (even expired, until swept)."""
    account.version = 1
    try:
        table.request(
            "put_item",
            TableName=table.table_name,
            Item=account_item(table, account),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ConditionFailed:
        raise IdentifierTaken(account.identifier) from None


def get_account(table: Table, identifier: str) -> Account | None:
    item = table.get(account_key(identifier))
    return None if item is None else account_from_item(item)


def expired_account(table: Table, identifier: str) -> Account | None:
    """The account as stored, even past its deadline (the sweep deleting it reads what goes with it)."""
    key = account_key(identifier)
    item = table.request("get_item", TableName=table.table_name, Key=key, ConsistentRead=True).get("Item")
    return None if item is None else account_from_item(item)


def get_accounts(table: Table, identifiers: Iterable[str]) -> dict[str, Account]:
    """Several accounts in few round trips (BatchGetItem, strongly consistent); absent or expired ones left out."""
    items = table.batch_get(account_key(identifier) for identifier in sorted(set(identifiers)))
    return {item["identifier"]["S"]: account_from_item(item) for item in items if not table.expired(item)}


def identifier_counters(table: Table, bases: Iterable[str]) -> dict[str, int]:
    """How many identifiers of each base were ever handed out (0: never used), read strongly consistent."""
    wanted = sorted(set(bases))
    counters = dict.fromkeys(wanted, 0)
    for item in table.batch_get(counter_key(base) for base in wanted):
        counters[item["pk"]["S"].removeprefix("IDENTIFIER#")] = int(item["allocated"]["N"])
    return counters


def school_accounts(table: Table, uai: str) -> list[SchoolAccount]:
    """Every account of a school, from the school index (eventually consistent: a change may lag a moment).

    The school's items are spread over `table.school_shards` keys of the index: one Query per key, sent at once,
    merged in the index's own order (by identifier). A pending account past its deadline is left out, as every read
    treats it as deleted.
    """
    now = table.clock.now()
    items, links = [], []
    for item in sorted(_school_items(table, uai), key=lambda item: item["identifier"]["S"]):
        (items if item["sk"]["S"] == ACCOUNT_SK else links).append(item)
    accounts = [_school_account_from_item(item) for item in items]
    shown = {a.identifier: a for a in accounts if a.validation_deadline is None or a.validation_deadline > now}
    family: dict[str, list[str]] = {}
    for item in links:  # the parent's side and the child's side: each account lists its own
        owner, sk = item["pk"]["S"].removeprefix("ACCOUNT#"), item["sk"]["S"]
        if sk.startswith("LINK#"):
            family.setdefault(owner, []).append(sk.rsplit("#", 1)[-1])
    return [
        replace(account, linked=tuple(_linked(shown, family.get(identifier, ()))))
        for identifier, account in shown.items()
    ]


def _school_items(table: Table, uai: str) -> list[dict]:
    def shard(key: str) -> list[dict]:
        query = {
            "IndexName": SCHOOL_INDEX,
            "KeyConditionExpression": "school_shard = :shard",
            "ExpressionAttributeValues": {":shard": {"S": key}},
        }
        return list(table.query_items(**query))

    keys = table.school_shard_keys(uai)
    table.client  # noqa: B018 (made once here, not by each thread)
    with ThreadPoolExecutor(max_workers=len(keys)) as pool:  # each Query waits on the network, not the CPU
        return [item for found in pool.map(shard, keys) for item in found]


def accounts_of_mailbox(table: Table, address: str, limit: int) -> list[Account]:
    """The accounts whose validated, deliverable address is `address`, at most `limit`, by identifier.

    The mailbox index is sparse (only such accounts carry `recovery_mailbox`) and keys only (no attribute of the
    account is copied into it); it is eventually consistent, so each account it names is then read strongly
    consistent and kept only if it still has that address: one that changed its address a moment ago is left out.
    """
    digest = mailbox_digest(address)
    query = {
        "IndexName": MAILBOX_INDEX,
        "KeyConditionExpression": "recovery_mailbox = :mailbox",
        "ExpressionAttributeValues": {":mailbox": {"S": digest}},
    }
    identifiers = sorted({item["pk"]["S"].removeprefix("ACCOUNT#") for item in table.query_items(**query)})
    found = get_accounts(table, identifiers[:limit])
    return [found[i] for i in identifiers[:limit] if i in found and found[i].recovery_mailbox == digest]


def backfill_recovery_mailboxes(table: Table) -> tuple[int, int]:
    """Once, after the mailbox index is deployed: give `recovery_mailbox` to the accounts validated before it existed
    (every account written since carries it). One Scan of the table (filtered on the server) and one conditional
    update per such account, on the `version` read: an account changed meanwhile was written whole, with its own
    `recovery_mailbox` or without, and is left alone. The version does not move: nothing else changes. Safe to run
    again. (written, left as changed meanwhile)."""
    scan = {
        "TableName": table.table_name,
        "FilterExpression": "sk = :account AND #status = :active AND email_verified = :yes"
        " AND attribute_not_exists(recovery_mailbox)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":account": {"S": ACCOUNT_SK},
            ":active": {"S": Status.ACTIVE.value},
            ":yes": {"BOOL": True},
        },
    }
    written = changed = 0
    start = None
    while True:
        page = table.request("scan", **scan, **({"ExclusiveStartKey": start} if start else {}))
        for item in page["Items"]:
            account = account_from_item(item)
            if (mailbox := account.recovery_mailbox) is None:
                continue  # an address that bounces: not listed
            try:
                table.update(
                    account_key(account.identifier),
                    "SET recovery_mailbox = :mailbox",
                    "version = :version AND attribute_not_exists(recovery_mailbox)",
                    {":mailbox": {"S": mailbox}, ":version": {"N": str(account.version)}},
                )
                written += 1
            except ConditionFailed:
                changed += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            return written, changed


def _linked(shown: dict[str, SchoolAccount], identifiers) -> list[tuple[str, str, str, str | None]]:
    found = [shown[i] for i in identifiers if i in shown]
    found.sort(key=lambda a: (a.last_name.casefold(), a.first_name.casefold(), a.identifier))
    return [(a.identifier, a.first_name, a.last_name, a.school_class) for a in found]


def account_item(table: Table, account: Account) -> dict:
    """The account as stored: its attributes, and while it is pending, what the sweep and TTL need."""
    item = {**account_key(account.identifier), **_account_attributes(account)}
    item["school_shard"] = {"S": table.school_shard(account.uai, account.identifier)}  # the school index's key
    upcoming = next_event_at(account)
    if (mailbox := account.recovery_mailbox) is not None:
        # Only ACTIVE accounts with a validated address that receives mail: the key of the sparse mailbox index.
        item["recovery_mailbox"] = {"S": mailbox}
    if upcoming is not None:
        # Only pending accounts carry these: the TTL backstop, and the keys of the sparse index the sweep reads.
        item["expires_at"] = {"N": str(epoch(account.validation_deadline))}
        item["expiry_shard"] = {"S": table.expiry_shard(account.identifier)}
        item["next_event_at"] = {"N": str(epoch(upcoming))}
    return item


def _account_attributes(account: Account) -> dict:
    values: dict[str, Any] = {
        "identifier": account.identifier,
        "uai": account.uai,
        "role": account.role.value,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "status": account.status.value,
        "birth_date": account.birth_date.isoformat() if account.birth_date else None,
        "class": account.school_class,
        "provisional_password_hash": account.provisional_password_hash,
        "provisional_expires_at": iso(account.provisional_expires_at) if account.provisional_expires_at else None,
        "password_hash": account.password_hash,
        "email": account.email,
        "pending_email": account.pending_email,
        "validation_deadline": iso(account.validation_deadline) if account.validation_deadline else None,
        "undeliverable_email": account.undeliverable_email,
        "undeliverable_reason": account.undeliverable_reason,
        "created_at": iso(account.created_at) if account.created_at else None,
        "created_by": account.created_by,
        "subject": account.subject,
        "validation_mail_id": account.validation_mail_id,
    }
    item = {key: {"S": value} for key, value in values.items() if value}
    item["email_verified"] = {"BOOL": account.email_verified}
    item["credential_version"] = {"N": str(account.credential_version)}
    item["reminder_stage"] = {"N": str(account.reminder_stage)}
    item["version"] = {"N": str(account.version)}
    if account.linked:
        item["linked"] = {"BOOL": True}
    if account.validation_code_hashes:
        item["validation_code_hashes"] = {"SS": sorted(account.validation_code_hashes)}
    return item


def _instant(item: dict, name: str) -> datetime | None:
    value = item.get(name, {}).get("S")
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _school_account_from_item(item: dict) -> SchoolAccount:
    return SchoolAccount(
        identifier=item["identifier"]["S"],
        role=item["role"]["S"],
        first_name=item["first_name"]["S"],
        last_name=item["last_name"]["S"],
        school_class=item.get("class", {}).get("S"),
        status=Status(item["status"]["S"]),
        email_verified=item.get("email_verified", {}).get("BOOL", False),
        validation_deadline=_instant(item, "validation_deadline"),
        provisional_expires_at=_instant(item, "provisional_expires_at"),
    )


def account_from_item(item: dict) -> Account:
    def text(name: str) -> str | None:
        return item.get(name, {}).get("S")

    birth_date = text("birth_date")
    return Account(
        identifier=item["identifier"]["S"],
        uai=item["uai"]["S"],
        role=Role(item["role"]["S"]),
        first_name=item["first_name"]["S"],
        last_name=item["last_name"]["S"],
        status=Status(item["status"]["S"]),
        birth_date=date.fromisoformat(birth_date) if birth_date else None,
        school_class=text("class"),
        provisional_password_hash=text("provisional_password_hash"),
        provisional_expires_at=_instant(item, "provisional_expires_at"),
        password_hash=text("password_hash"),
        email=text("email"),
        email_verified=item.get("email_verified", {}).get("BOOL", False),
        pending_email=text("pending_email"),
        validation_deadline=_instant(item, "validation_deadline"),
        validation_code_hashes=set(item.get("validation_code_hashes", {}).get("SS", [])),
        credential_version=int(item.get("credential_version", {}).get("N", "0")),
        reminder_stage=int(item.get("reminder_stage", {}).get("N", "0")),
        undeliverable_email=text("undeliverable_email"),
        undeliverable_reason=text("undeliverable_reason"),
        created_at=_instant(item, "created_at"),
        created_by=text("created_by"),
        subject=text("subject"),
        validation_mail_id=text("validation_mail_id"),
        linked=item.get("linked", {}).get("BOOL", False),
        version=int(item["version"]["N"]),
    )


def ensure_subject(table: Table, identifier: str, candidate: str) -> str:
    """The account's subject: `candidate` written if it has none yet, else the one it has (a sign-in racing on
    the same account keeps the first). The write bumps `version`, so a change based on an older read (which would
    put the account back without it) is refused instead of losing it."""
    try:
        table.update(
            account_key(identifier),
            "SET subject = :subject ADD version :one",
            "attribute_exists(pk) AND attribute_not_exists(subject)",
            {":subject": {"S": candidate}, ":one": {"N": "1"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return candidate
    except ConditionFailed as failed:
        existing = (failed.item or {}).get("subject", {}).get("S")
        if existing is None:  # the account is gone
            raise
        return existing
