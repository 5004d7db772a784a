"""A school's contact (ent_accounts/school_contact.py): one item per school, pk=SCHOOL#<UAI>, sk=CONTACT.

Written by the school's administrators only through `put_contact`, conditional on the version they read (two
administrators saving at once: the second is told to read it again, never silently overwritten), with its audit
event (pk=SCHOOL#<UAI>, sk=EVENT#…) in the same transaction. Read by every signed-in page (through a short cache,
flows/school_contact.py) with one eventually consistent GetItem.
"""

from __future__ import annotations

from datetime import datetime

from ent_accounts.clock import iso
from ent_accounts.school_contact import SchoolContact
from ent_accounts.store.audit import AuditEvent, audit_item
from ent_accounts.store.table import Table
from ent_accounts.store.transaction import Transaction

SORT_KEY = "CONTACT"
_OPTIONAL = ("phone", "email", "web_page", "hours")


def contact_key(uai: str) -> dict:
    return {"pk": {"S": f"SCHOOL#{uai}"}, "sk": {"S": SORT_KEY}}


def get_contact(table: Table, uai: str, consistent: bool = False) -> SchoolContact | None:
    item = table.request("get_item", TableName=table.table_name, Key=contact_key(uai), ConsistentRead=consistent).get(
        "Item"
    )
    return None if item is None else contact_from_item(item)


def put_contact(table: Table, contact: SchoolContact, expected_version: int, event: AuditEvent) -> None:
    """Write the contact at the next version if the stored one is still at `expected_version` (0: none is);
    Conflict (`school contact <uai>` in `changed`) when it changed meanwhile."""
    if expected_version == 0:
        condition, values = "attribute_not_exists(pk)", {}
    else:
        condition, values = "version = :expected", {":expected": {"N": str(expected_version)}}
    put = {"TableName": table.table_name, "Item": contact_item(contact), "ConditionExpression": condition}
    if values:
        put["ExpressionAttributeValues"] = values
    audit = audit_item(table, contact.uai, event.type, event.request_id, dict(event.details))
    audit["pk"] = {"S": f"SCHOOL#{contact.uai}"}
    transaction = Transaction(table).add(name(contact.uai), {"Put": put})
    transaction.add(f"audit school contact {contact.uai}", {"Put": {"TableName": table.table_name, "Item": audit}})
    transaction.commit(retries=2)


def name(uai: str) -> str:
    """How a transaction names the contact's write (in Conflict.changed when it lost)."""
    return f"school contact {uai}"


def contact_item(contact: SchoolContact) -> dict:
    item = {
        **contact_key(contact.uai),
        "uai": {"S": contact.uai},
        "name": {"S": contact.name},
        "version": {"N": str(contact.version)},
        "updated_by": {"S": contact.updated_by},
    }
    for field in _OPTIONAL:
        if value := getattr(contact, field):
            item[field] = {"S": value}
    if contact.updated_at:
        item["updated_at"] = {"S": iso(contact.updated_at)}
    return item


def contact_from_item(item: dict) -> SchoolContact:
    def text(field: str) -> str | None:
        return item.get(field, {}).get("S") or None

    updated_at = text("updated_at")
    return SchoolContact(
        uai=item["uai"]["S"],
        name=item["name"]["S"],
        **{field: text(field) for field in _OPTIONAL},
        version=int(item["version"]["N"]),
        updated_at=datetime.fromisoformat(updated_at.replace("Z", "+00:00")) if updated_at else None,
        updated_by=text("updated_by") or "",
    )
