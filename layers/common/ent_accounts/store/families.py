"""Links between a parent (responsable légal) and a child, kept in both accounts' partitions.

A link is two items: pk=ACCOUNT#<parent>, sk=LINK#CHILD#<child> and pk=ACCOUNT#<child>, sk=LINK#PARENT#<parent>,
written and deleted together (one transaction), so that either account's links are one Query of its partition
(`links_of`: sk begins with LINK#). The account item (sk=ACCOUNT) and its audit events (sk=EVENT#…) share that
partition and are never read by that Query. Link items carry `uai` and `identifier` (the partition's account), so the
school index lists them beside the accounts (store/accounts.py, `school_accounts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ent_accounts.store.accounts import account_key
from ent_accounts.store.table import Table

CHILD = "LINK#CHILD#"
PARENT = "LINK#PARENT#"


@dataclass
class Family:
    """Whom an account is linked to: its children (a parent) or its responsables (a student), by identifier."""

    children: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)

    @property
    def linked(self) -> list[str]:
        return [*self.children, *self.parents]


def link_keys(parent: str, child: str) -> tuple[dict, dict]:
    parent_side = {"pk": account_key(parent)["pk"], "sk": {"S": f"{CHILD}{child}"}}
    child_side = {"pk": account_key(child)["pk"], "sk": {"S": f"{PARENT}{parent}"}}
    return parent_side, child_side


def links_of(table: Table, identifier: str) -> Family:
    """The account's links: one Query of its partition, strongly consistent."""
    family = Family()
    query = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :link)",
        "ExpressionAttributeValues": {":pk": account_key(identifier)["pk"], ":link": {"S": "LINK#"}},
        "ConsistentRead": True,
    }
    for item in table.query_items(**query):
        sk = item["sk"]["S"]
        if sk.startswith(CHILD):
            family.children.append(sk.removeprefix(CHILD))
        elif sk.startswith(PARENT):
            family.parents.append(sk.removeprefix(PARENT))
    return family


def families_of(table: Table, identifiers: Iterable[str]) -> dict[str, Family]:
    """Several accounts' links (one Query each)."""
    return {identifier: links_of(table, identifier) for identifier in sorted(set(identifiers))}


def link_writes(table: Table, parent: str, child: str, uai: str) -> list[dict]:
    """The two Puts of a new link; each fails if the link exists already."""
    writes = []
    for key, owner in zip(link_keys(parent, child), (parent, child), strict=True):
        # school_shard and identifier (the partition's account) put the link in the school index, next to its
        # account (the same key: the shard comes from the owner's identifier): a school's list reads its links with
        # its accounts, in the same Queries.
        item = {**key, "parent": {"S": parent}, "child": {"S": child}, "uai": {"S": uai}, "identifier": {"S": owner}}
        item["school_shard"] = {"S": table.school_shard(uai, owner)}
        put = {"TableName": table.table_name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        writes.append({"Put": put})
    return writes


def unlink_writes(table: Table, parent: str, child: str) -> list[dict]:
    """The two Deletes of a link (deleting a link already gone does nothing)."""
    return [{"Delete": {"TableName": table.table_name, "Key": key}} for key in link_keys(parent, child)]


def mark_linked_write(table: Table, identifier: str) -> dict:
    """The Update marking an account as linked. It bumps `version`, so a change based on an older read (which would
    put the account back without the mark) is refused instead of losing it; fails if the account is gone."""
    update = {
        "TableName": table.table_name,
        "Key": account_key(identifier),
        "UpdateExpression": "SET linked = :yes ADD version :one",
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":one": {"N": "1"}},
    }
    return {"Update": update}
