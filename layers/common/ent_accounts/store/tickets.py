"""CAS service ticket items (`pk=CASTICKET#<sha256>`, `sk=CASTICKET`): put with the sign-in they answer (a write of
store/transaction.py), consumed by one conditional DeleteItem.

Consuming deletes whatever follows: a validation that then fails (another service, expired, renew not satisfied)
has spent the ticket too (CAS 3.0 §3.1.1: "whether or not validation was successful"). Two validations at once:
DynamoDB applies the deletes one after the other, the second finds nothing.
"""

from __future__ import annotations

import json

from ent_accounts.cas.tickets import ServiceTicket
from ent_accounts.clock import epoch, from_epoch
from ent_accounts.store.errors import ConditionFailed
from ent_accounts.store.table import Table


def ticket_key(ticket_hash: str) -> dict:
    return {"pk": {"S": f"CASTICKET#{ticket_hash}"}, "sk": {"S": "CASTICKET"}}


def ticket_item(ticket: ServiceTicket) -> dict:
    return {
        **ticket_key(ticket.ticket_hash),
        "client_id": {"S": ticket.client_id},
        "service": {"S": ticket.service},
        "identifier": {"S": ticket.identifier},
        "session_hash": {"S": ticket.session_hash},
        "user": {"S": ticket.user},
        "attributes": {"S": json.dumps(ticket.attributes, ensure_ascii=False, separators=(",", ":"))},
        "from_new_login": {"BOOL": ticket.from_new_login},
        "authenticated_at": {"N": str(epoch(ticket.authenticated_at))},
        "valid_until": {"N": str(epoch(ticket.valid_until))},
        "expires_at": {"N": str(epoch(ticket.expires_at))},
    }


def ticket_from_item(item: dict) -> ServiceTicket:
    return ServiceTicket(
        ticket_hash=item["pk"]["S"].removeprefix("CASTICKET#"),
        client_id=item["client_id"]["S"],
        service=item["service"]["S"],
        identifier=item["identifier"]["S"],
        session_hash=item["session_hash"]["S"],
        user=item["user"]["S"],
        attributes=json.loads(item["attributes"]["S"]),
        from_new_login=item["from_new_login"]["BOOL"],
        authenticated_at=from_epoch(int(item["authenticated_at"]["N"])),
        valid_until=from_epoch(int(item["valid_until"]["N"])),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
    )


def consume_ticket(table: Table, ticket_hash: str) -> ServiceTicket | None:
    """Delete the ticket and return it as it was (None: there was none, or another validation took it first). An
    expired one is returned too, so that the caller says why it fails; DynamoDB's TTL removes it days later."""
    try:
        answer = table.request(
            "delete_item",
            TableName=table.table_name,
            Key=ticket_key(ticket_hash),
            ConditionExpression="attribute_exists(pk)",
            ReturnValues="ALL_OLD",
        )
    except ConditionFailed:
        return None
    item = answer.get("Attributes")
    return None if item is None else ticket_from_item(item)
