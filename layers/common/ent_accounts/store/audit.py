"""Audit events: what happened to an account or a registered client, when, from which request; never a secret."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ent_accounts.clock import epoch, iso
from ent_accounts.store.table import Table


@dataclass(frozen=True)
class AuditEvent:
    """An audit event to write in the same request as the change it records: its type, the request it came from,
    its details (who asked, what changed; never a secret)."""

    type: str
    request_id: str
    details: Mapping[str, str] = field(default_factory=dict)


def audit_item(table: Table, identifier: str, event_type: str, request_id: str, details: dict[str, str]) -> dict:
    """An audit event in the account's partition, kept for the retention period."""
    now = table.clock.now()
    item = {
        "pk": {"S": f"ACCOUNT#{identifier}"},
        # Real nanoseconds break ties within a second, so events read back in the order they happened.
        "sk": {"S": f"EVENT#{iso(now)}#{time.time_ns():020d}{secrets.token_hex(2)}"},
        "type": {"S": event_type},
        "time": {"S": iso(now)},
        "request_id": {"S": request_id or "-"},
        "expires_at": {"N": str(epoch(now + timedelta(days=table.audit_retention_days)))},
    }
    item.update({key: {"S": str(value)} for key, value in details.items()})
    return item


def record_event(table: Table, identifier: str, event_type: str, request_id: str, details: dict[str, str]) -> None:
    item = audit_item(table, identifier, event_type, request_id, details)
    table.request("put_item", TableName=table.table_name, Item=item)


def client_audit_item(table: Table, client_id: str, event_type: str, request_id: str, details: dict[str, str]) -> dict:
    """An audit event of the client registry, in the client's own partition (CLIENT#<client_id>): kept after the
    client is deleted, for the retention period, like an account's."""
    item = audit_item(table, client_id, event_type, request_id, details)
    item["pk"] = {"S": f"CLIENT#{client_id}"}
    return item


def record_unknown_login_failure(table: Table, identifier: str, request_id: str, keep: timedelta) -> None:
    """A failed login on an identifier that has no account, next to its throttle item, forgotten after `keep`."""
    item = audit_item(table, identifier, "login_failed_unknown_identifier", request_id, {})
    item["pk"] = {"S": f"LOGIN#{identifier}"}
    item["expires_at"] = {"N": str(epoch(table.clock.now() + keep))}
    table.request("put_item", TableName=table.table_name, Item=item)


@dataclass(frozen=True)
class RecordedEvent:
    """An audit event read back: its type, when, and its details (who asked, what changed; never a secret)."""

    type: str
    time: datetime
    details: Mapping[str, str] = field(default_factory=dict)


_ENVELOPE = {"pk", "sk", "type", "time", "request_id", "expires_at"}


def account_events(table: Table, identifier: str, limit: int) -> list[RecordedEvent]:
    """The account's latest `limit` audit events, newest first (one Query page, strongly consistent: the trail
    shows the change just made). Events past their retention are left out, as every read treats them as gone."""
    page = table.request(
        "query",
        TableName=table.table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :event)",
        ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{identifier}"}, ":event": {"S": "EVENT#"}},
        ScanIndexForward=False,
        ConsistentRead=True,
        Limit=limit,
    )
    return [
        RecordedEvent(
            type=item["type"]["S"],
            time=datetime.fromisoformat(item["time"]["S"].replace("Z", "+00:00")),
            details={key: value["S"] for key, value in item.items() if key not in _ENVELOPE and "S" in value},
        )
        for item in page["Items"]
        if not table.expired(item)
    ]
