"""One-time code items (links and challenges), stored under the hash of the code."""

from __future__ import annotations

from ent_accounts.clock import epoch, from_epoch
from ent_accounts.codes import Code, Purpose
from ent_accounts.store.table import Table


def code_key(code_hash: str) -> dict:
    return {"pk": {"S": f"CODE#{code_hash}"}, "sk": {"S": "CODE"}}


def get_code(table: Table, code_hash: str) -> Code | None:
    item = table.get(code_key(code_hash))
    if item is None:
        return None
    return Code(
        code_hash=code_hash,
        purpose=Purpose(item["purpose"]["S"]),
        identifier=item["identifier"]["S"],
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        email=item.get("email", {}).get("S"),
        used=item.get("used", {}).get("BOOL", False),
        credential_version=int(item["credential_version"]["N"]) if "credential_version" in item else None,
        wrong_attempts=int(item.get("wrong_attempts", {}).get("N", "0")),
        uai=item.get("uai", {}).get("S"),
    )


def put_code(table: Table, code: Code) -> None:
    table.request(
        "put_item", TableName=table.table_name, Item=code_item(code), ConditionExpression="attribute_not_exists(pk)"
    )


def count_wrong_attempt(table: Table, code_hash: str) -> None:
    """One more wrong answer given with this code (a birth date with a first-connection challenge)."""
    table.update(code_key(code_hash), "ADD wrong_attempts :one", "attribute_exists(pk)", {":one": {"N": "1"}})


def code_item(code: Code) -> dict:
    item = {
        **code_key(code.code_hash),
        "purpose": {"S": code.purpose.value},
        "identifier": {"S": code.identifier},
        "expires_at": {"N": str(epoch(code.expires_at))},
        "used": {"BOOL": code.used},
    }
    if code.email:
        item["email"] = {"S": code.email}
    if code.credential_version is not None:
        item["credential_version"] = {"N": str(code.credential_version)}
    if code.uai:
        item["uai"] = {"S": code.uai}
    return item
