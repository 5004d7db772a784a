"""Person claims: one item per person a school imported, so that an import recognises them and two racing imports
never create one person twice.

A claim's key is a SHA-256 of what makes the person within a school (`person_key`): for a student, the UAI, the
names (ascii_letters: case, accents, spaces ignored) and the birth date; for a parent, the names and the e-mail
address the school gave, or, without one, the names and the claim of one of their children (a parent named for
two children holds two claims). The key says nothing readable about the person. The item holds the identifier of
the account it names; it is written in the same transaction as the account (condition: absent, or naming an account
that no longer exists), so the second of two racing imports fails that write and reads the claim instead.

A claim may outlive its account (a deletion removes the claims it can compute; the others name an account that is
gone): a reader checks the account exists in the same school before trusting it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ent_accounts.store.table import Table

PERSON_SK = "PERSON"


def person_key(uai: str, *parts: str) -> str:
    """The claim's name: SHA-256 of the UAI and the normalised parts (names, birth date, e-mail, a child's claim)."""
    text = "\x1f".join((uai, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claim_key(key: str) -> dict:
    return {"pk": {"S": f"PERSON#{key}"}, "sk": {"S": PERSON_SK}}


def claimed(table: Table, keys: Iterable[str]) -> dict[str, str]:
    """The identifier each existing claim names (BatchGetItem, strongly consistent); unclaimed keys left out."""
    found = {}
    for item in table.batch_get(claim_key(key) for key in sorted(set(keys))):
        found[item["pk"]["S"].removeprefix("PERSON#")] = item["identifier"]["S"]
    return found


def claim_write(table: Table, key: str, identifier: str, uai: str, stale: str | None = None) -> dict:
    """The Put of a claim: only if nobody holds it, or (`stale`) if it still names that account, found gone."""
    put = {
        "TableName": table.table_name,
        "Item": {**claim_key(key), "identifier": {"S": identifier}, "school": {"S": uai}},
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    if stale:
        put["ConditionExpression"] = "attribute_not_exists(pk) OR identifier = :stale"
        put["ExpressionAttributeValues"] = {":stale": {"S": stale}}
    return {"Put": put}


def release_write(table: Table, key: str, identifier: str) -> dict:
    """The Delete of a claim, only while it names this account (another may have taken it over)."""
    delete = {
        "TableName": table.table_name,
        "Key": claim_key(key),
        "ConditionExpression": "attribute_not_exists(pk) OR identifier = :identifier",
        "ExpressionAttributeValues": {":identifier": {"S": identifier}},
    }
    return {"Delete": delete}
