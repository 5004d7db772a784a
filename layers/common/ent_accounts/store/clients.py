"""The client registry: one item per registered client, all in one partition (pk=CLIENTS, sk=CLIENT#<client_id>).

One partition, because the registry is small (an académie registers tens of services, not thousands) and read
whole by the services page and the admin list: one Query lists it, a client's read is one GetItem. Each change may
carry its audit event (CLIENT#<client_id>, EVENT#…): then both are written in one transaction, or neither.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ent_accounts.clock import iso
from ent_accounts.sso.clients import AuthMethod, Client
from ent_accounts.store.audit import AuditEvent, client_audit_item
from ent_accounts.store.errors import ClientExists, ConditionFailed, Conflict
from ent_accounts.store.table import Table
from ent_accounts.store.transaction import Transaction

PARTITION = "CLIENTS"
PREFIX = "CLIENT#"


def client_key(client_id: str) -> dict:
    return {"pk": {"S": PARTITION}, "sk": {"S": f"{PREFIX}{client_id}"}}


def get_client(table: Table, client_id: str) -> Client | None:
    item = table.get(client_key(client_id))
    return None if item is None else client_from_item(item)


def list_clients(table: Table) -> list[Client]:
    """Every registered client, by client_id (one Query, page after page; strongly consistent: an admin sees a
    change it has just made)."""
    items = table.query_items(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": PARTITION}, ":prefix": {"S": PREFIX}},
        ConsistentRead=True,
    )
    return [client_from_item(item) for item in items]


def create_client(table: Table, client: Client, event: AuditEvent | None) -> Client:
    """Store a new client (version 1) and return it as stored; ClientExists when the client_id is registered."""
    stored = _with_version(client, 1)
    try:
        _write(table, stored, "attribute_not_exists(pk)", {}, event)
    except (ConditionFailed, Conflict) as lost:
        if isinstance(lost, ConditionFailed) or _name(client.client_id) in lost.changed:
            raise ClientExists(client.client_id) from None
        raise
    return stored


def replace_client(table: Table, client: Client, expected_version: int, event: AuditEvent | None) -> Client:
    """Replace the client if it is still at `expected_version` (the version the change was based on), and return it
    as stored (the next version); Conflict when it changed or was deleted meanwhile."""
    stored = _with_version(client, expected_version + 1)
    try:
        _write(table, stored, "version = :expected", {":expected": {"N": str(expected_version)}}, event)
    except ConditionFailed:
        raise Conflict("client changed", changed=[_name(client.client_id)]) from None
    return stored


def delete_client(table: Table, client_id: str, event: AuditEvent | None) -> bool:
    """Delete the client; False when there was none (then no event is written)."""
    delete = {
        "TableName": table.table_name,
        "Key": client_key(client_id),
        "ConditionExpression": "attribute_exists(pk)",
    }
    try:
        if event is None:
            table.request("delete_item", **delete)
        else:
            _with_event(table, client_id, {"Delete": delete}, event).commit(retries=2)
    except ConditionFailed:
        return False
    except Conflict as lost:
        if _name(client_id) in lost.changed:
            return False
        raise
    return True


def client_item(client: Client) -> dict:
    item = {
        **client_key(client.client_id),
        "client_id": {"S": client.client_id},
        "name": {"S": client.name},
        "redirect_uris": _list(client.redirect_uris),
        "post_logout_redirect_uris": _list(client.post_logout_redirect_uris),
        "token_endpoint_auth_method": {"S": client.token_endpoint_auth_method.value},
        "all_schools": {"BOOL": client.all_schools},
        "pairwise_subject": {"BOOL": client.pairwise_subject},
        "subject_salt": {"S": client.subject_salt},
        "secret_hashes": _list(client.secret_hashes),  # in order: the current secret's, then the previous one's
        "version": {"N": str(client.version)},
        "service_urls": _list(client.service_urls),
        "cas_attributes": _list(client.cas_attributes),
        "cas_single_logout": {"BOOL": client.cas_single_logout},
    }
    if client.schools:
        item["schools"] = {"SS": sorted(client.schools)}
    for name, value in (
        ("backchannel_logout_uri", client.backchannel_logout_uri),
        ("initiate_login_uri", client.initiate_login_uri),
        ("previous_secret_expires_at", _iso(client.previous_secret_expires_at)),
        ("created_at", _iso(client.created_at)),
        ("updated_at", _iso(client.updated_at)),
    ):
        if value:
            item[name] = {"S": value}
    return item


def client_from_item(item: dict) -> Client:
    def text(name: str) -> str | None:
        return item.get(name, {}).get("S")

    def texts(name: str) -> tuple[str, ...]:
        return tuple(value["S"] for value in item.get(name, {}).get("L", []))

    return Client(
        client_id=item["client_id"]["S"],
        name=item["name"]["S"],
        redirect_uris=texts("redirect_uris"),
        token_endpoint_auth_method=AuthMethod(item["token_endpoint_auth_method"]["S"]),
        post_logout_redirect_uris=texts("post_logout_redirect_uris"),
        backchannel_logout_uri=text("backchannel_logout_uri"),
        initiate_login_uri=text("initiate_login_uri"),
        schools=frozenset(item.get("schools", {}).get("SS", [])),
        all_schools=item.get("all_schools", {}).get("BOOL", False),
        pairwise_subject=item.get("pairwise_subject", {}).get("BOOL", False),
        subject_salt=text("subject_salt") or "",
        secret_hashes=texts("secret_hashes"),
        previous_secret_expires_at=_instant(text("previous_secret_expires_at")),
        created_at=_instant(text("created_at")),
        updated_at=_instant(text("updated_at")),
        version=int(item["version"]["N"]),
        service_urls=texts("service_urls"),
        cas_attributes=texts("cas_attributes"),
        cas_single_logout=item.get("cas_single_logout", {}).get("BOOL", True),
    )


def _write(table: Table, client: Client, condition: str, values: dict, event: AuditEvent | None) -> None:
    put = {"TableName": table.table_name, "Item": client_item(client), "ConditionExpression": condition}
    if values:
        put["ExpressionAttributeValues"] = values
    if event is None:
        table.request("put_item", **put)
    else:
        # A write of the same client in flight (another container registering it at the same instant) cancels the
        # transaction without deciding anything: sent again, it meets the other's outcome (and its condition).
        _with_event(table, client.client_id, {"Put": put}, event).commit(retries=2)


def _with_event(table: Table, client_id: str, write: dict, event: AuditEvent) -> Transaction:
    item = client_audit_item(table, client_id, event.type, event.request_id, dict(event.details))
    return (
        Transaction(table)
        .add(_name(client_id), write)
        .add(f"audit client {client_id}", {"Put": {"TableName": table.table_name, "Item": item}})
    )


def _name(client_id: str) -> str:
    return f"client {client_id}"


def _with_version(client: Client, version: int) -> Client:
    return replace(client, version=version)


def _list(values: tuple[str, ...]) -> dict:
    return {"L": [{"S": value} for value in values]}


def _iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
