"""Grants of IAM callers: one item per principal, in one partition (pk=GRANTS, sk=PRINCIPAL#<principal>).

One partition, like the client registry: ops grant a handful of integrations (a nightly SIECLE sync per académie,
a support role), read one at a time (GetItem, by the caller's principal) and listed whole by one Query. Each change
is written with its audit event (pk=GRANT#<principal>, sk=EVENT#…) in one transaction, or not at all; the events stay
after the grant is removed, for the retention period.
"""

from __future__ import annotations

from datetime import datetime

from ent_accounts.clock import iso
from ent_accounts.principals import Grant
from ent_accounts.store.audit import AuditEvent, audit_item
from ent_accounts.store.table import Table
from ent_accounts.store.transaction import Transaction

PARTITION = "GRANTS"
PREFIX = "PRINCIPAL#"


def grant_key(principal: str) -> dict:
    return {"pk": {"S": PARTITION}, "sk": {"S": f"{PREFIX}{principal}"}}


def get_grant(table: Table, principal: str) -> Grant | None:
    item = table.get(grant_key(principal))
    return None if item is None else grant_from_item(item)


def list_grants(table: Table) -> list[Grant]:
    """Every grant, by principal (one Query, page after page; strongly consistent)."""
    items = table.query_items(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": PARTITION}, ":prefix": {"S": PREFIX}},
        ConsistentRead=True,
    )
    return [grant_from_item(item) for item in items]


def put_grant(table: Table, grant: Grant, expected_version: int, event: AuditEvent) -> None:
    """Write the grant (its `version` the next one) if the stored one is still at `expected_version` (0: none is
    stored); Conflict (`grant <principal>` in `changed`) when it changed meanwhile."""
    if expected_version == 0:
        condition, values = "attribute_not_exists(pk)", {}
    else:
        condition, values = "version = :expected", {":expected": {"N": str(expected_version)}}
    put = {"TableName": table.table_name, "Item": grant_item(grant), "ConditionExpression": condition}
    if values:
        put["ExpressionAttributeValues"] = values
    _commit(table, grant.principal, {"Put": put}, event)


def delete_grant(table: Table, principal: str, expected_version: int, event: AuditEvent) -> None:
    """Delete the grant if it is still at `expected_version`; Conflict when it changed or went meanwhile."""
    delete = {
        "TableName": table.table_name,
        "Key": grant_key(principal),
        "ConditionExpression": "version = :expected",
        "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
    }
    _commit(table, principal, {"Delete": delete}, event)


def _commit(table: Table, principal: str, write: dict, event: AuditEvent) -> None:
    item = audit_item(table, principal, event.type, event.request_id, dict(event.details))
    item["pk"] = {"S": f"GRANT#{principal}"}
    transaction = Transaction(table).add(name(principal), write)
    transaction.add(f"audit grant {principal}", {"Put": {"TableName": table.table_name, "Item": item}})
    transaction.commit(retries=2)  # Conflict naming `grant <principal>` when its condition no longer held


def name(principal: str) -> str:
    """How a transaction names the grant's write (in Conflict.changed when it lost)."""
    return f"grant {principal}"


def grant_item(grant: Grant) -> dict:
    item = {
        **grant_key(grant.principal),
        "principal": {"S": grant.principal},
        "arn": {"S": grant.arn},
        "all_schools": {"BOOL": grant.all_schools},
        "created_by": {"S": grant.created_by},
        "updated_by": {"S": grant.updated_by},
        "version": {"N": str(grant.version)},
    }
    if grant.schools:
        item["schools"] = {"SS": sorted(grant.schools)}
    for field, moment in (("created_at", grant.created_at), ("updated_at", grant.updated_at)):
        if moment:
            item[field] = {"S": iso(moment)}
    return item


def grant_from_item(item: dict) -> Grant:
    def text(field: str) -> str:
        return item.get(field, {}).get("S", "")

    def instant(field: str) -> datetime | None:
        value = text(field)
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    return Grant(
        principal=item["principal"]["S"],
        arn=text("arn") or item["principal"]["S"],
        schools=frozenset(item.get("schools", {}).get("SS", [])),
        all_schools=item.get("all_schools", {}).get("BOOL", False),
        created_by=text("created_by"),
        created_at=instant("created_at"),
        updated_by=text("updated_by"),
        updated_at=instant("updated_at"),
        version=int(item["version"]["N"]),
    )
