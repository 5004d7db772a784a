"""Store operations only the tests need: they read what the service writes, and never run in a Lambda function."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ent_accounts.accounts import DueAccount
from ent_accounts.lockout import Throttle
from ent_accounts.store import Store
from ent_accounts.store.throttles import throttle_from_item, throttle_key


def audit_events(store: Store, identifier: str) -> list[dict[str, Any]]:
    """Audit events of one account, oldest first, as plain values."""
    return _events(store, f"ACCOUNT#{identifier}")


def login_throttle(store: Store, identifier: str) -> Throttle:
    """The identifier's failed-login counter, as the login reads it."""
    return throttle_from_item(store, store.get(throttle_key(identifier)))


def delete_expired_account(store: Store, expired: DueAccount, now: datetime, request_id: str) -> bool:
    """Delete one account as the sweep does; False when it changed meanwhile."""
    return bool(store.delete_expired_accounts([expired], now, request_id))


def client_events(store: Store, client_id: str) -> list[dict[str, Any]]:
    """Audit events of one registered client, oldest first, as plain values."""
    return _events(store, f"CLIENT#{client_id}")


def grant_events(store: Store, principal: str) -> list[dict[str, Any]]:
    """Audit events of one IAM principal's grant, oldest first, as plain values."""
    return _events(store, f"GRANT#{principal}")


def _events(store: Store, partition: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    items = store.query_items(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :event)",
        ExpressionAttributeValues={":pk": {"S": partition}, ":event": {"S": "EVENT#"}},
        ConsistentRead=True,
    )
    return [{key: deserialize(value) for key, value in item.items()} for item in items if not store.expired(item)]
