"""The client registry: one item per registered client, all in one partition (pk=CLIENTS, sk=CLIENT#<client_id>).

One partition, because the registry is small (an académie registers tens of services, not thousands) and read
whole by the services page and the admin list: one Query lists it, a client's read is one GetItem. Each change may
carry its audit event (CLIENT#<client_id>, EVENT#…): then both are written in one transaction, or neither.

A CAS service URL belongs to one client: each one a client registers is claimed by an item of its own
(pk=CASSERVICE#<SHA-256 of its key>, sk=CASSERVICE, holding the client_id; the key is sso.clients.service_url_key,
so `https://ENT.example.fr:443/cas` and `https://ent.example.fr/cas` are one URL), written in the same transaction
as the client, on condition that no other client holds it. Two registrations racing for one URL cannot both pass:
the second one's transaction is cancelled (Conflict naming `service <url>`). A change releases the URLs the client
no longer lists, a deletion all of its URLs, in the same transaction. Overlapping URLs (`https://x.fr/` and
`https://x.fr/pronote/`) are different URLs: the most specific one answers (cas/services.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from ent_accounts.clock import iso
from ent_accounts.sso.clients import AuthMethod, Client, service_url_key
from ent_accounts.store.audit import AuditEvent, client_audit_item
from ent_accounts.store.errors import ClientExists, ConditionFailed, Conflict, ServiceUrlTaken
from ent_accounts.store.table import Table
from ent_accounts.store.transaction import Transaction

PARTITION = "CLIENTS"
PREFIX = "CLIENT#"
SERVICE_CLAIM = "CASSERVICE"
DELETE_ATTEMPTS = 3  # a deletion meets a change made between its read and its write: read again, delete again


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
        _write(table, stored, "attribute_not_exists(pk)", {}, event, claimed=client.service_urls)
    except (ConditionFailed, Conflict) as lost:
        if isinstance(lost, ConditionFailed) or _name(client.client_id) in lost.changed:
            raise ClientExists(client.client_id) from None
        _raise_taken(lost, client.service_urls)
        raise
    return stored


def replace_client(
    table: Table, client: Client, expected_version: int, event: AuditEvent | None, previous: Client | None = None
) -> Client:
    """Replace the client if it is still at `expected_version` (the version the change was based on), and return it
    as stored (the next version); Conflict when it changed or was deleted meanwhile, or when a service URL it adds
    is another client's (`service <url>` in `changed`). `previous`: the client as read at that version, whose
    service URLs it no longer lists are released (read here when not given)."""
    if previous is None:
        previous = get_client(table, client.client_id)
        if previous is None or previous.version != expected_version:
            raise Conflict("client changed", changed=[_name(client.client_id)])
    kept = {service_url_key(url) for url in client.service_urls}
    released = [url for url in previous.service_urls if service_url_key(url) not in kept]
    before = {service_url_key(url) for url in previous.service_urls}
    claimed = [url for url in client.service_urls if service_url_key(url) not in before]
    stored = _with_version(client, expected_version + 1)
    values = {":expected": {"N": str(expected_version)}}
    try:
        _write(table, stored, "version = :expected", values, event, claimed=claimed, released=released)
    except ConditionFailed:
        raise Conflict("client changed", changed=[_name(client.client_id)]) from None
    except Conflict as lost:
        if _name(client.client_id) not in lost.changed:
            _raise_taken(lost, claimed)
        raise
    return stored


def delete_client(table: Table, client_id: str, event: AuditEvent | None) -> bool:
    """Delete the client and release its service URLs; False when there was none (then no event is written).

    The client is read first (its service URLs), then deleted at the version read: a change made in between (a URL
    added, whose claim would outlive the client) makes it read and delete again."""
    for _ in range(DELETE_ATTEMPTS):
        current = get_client(table, client_id)
        if current is None:
            return False
        delete = {
            "TableName": table.table_name,
            "Key": client_key(client_id),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(current.version)}},
        }
        try:
            if event is None and not current.service_urls:
                table.request("delete_item", **delete)
            else:
                _transaction(table, client_id, {"Delete": delete}, event, released=current.service_urls).commit(
                    retries=2
                )
            return True
        except ConditionFailed:
            continue
        except Conflict as lost:
            if _name(client_id) not in lost.changed:
                raise
    raise Conflict("client changed", changed=[_name(client_id)])


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


def service_claim_key(url: str) -> dict:
    digest = hashlib.sha256(service_url_key(url).encode("utf-8")).hexdigest()
    return {"pk": {"S": f"{SERVICE_CLAIM}#{digest}"}, "sk": {"S": SERVICE_CLAIM}}


def service_holder(table: Table, url: str) -> str | None:
    """The client_id of the client that holds this service URL's claim, if any."""
    item = table.get(service_claim_key(url))
    return None if item is None else item["client_id"]["S"]


def _raise_taken(lost: Conflict, claimed: Iterable[str]) -> None:
    """ServiceUrlTaken when the transaction lost on the claim of one of these URLs (another client holds it)."""
    taken = [url for url in claimed if claim_name(url) in lost.changed]
    if taken:
        raise ServiceUrlTaken(taken) from None


def claim_name(url: str) -> str:
    """How a transaction names the claim of this service URL (in Conflict.changed when another client holds it)."""
    return f"service {url}"


def _write(
    table: Table,
    client: Client,
    condition: str,
    values: dict,
    event: AuditEvent | None,
    claimed: Iterable[str] = (),
    released: Iterable[str] = (),
) -> None:
    put = {"TableName": table.table_name, "Item": client_item(client), "ConditionExpression": condition}
    if values:
        put["ExpressionAttributeValues"] = values
    claimed, released = list(claimed), list(released)
    if event is None and not claimed and not released:
        table.request("put_item", **put)
    else:
        # A write of the same client in flight (another container registering it at the same instant) cancels the
        # transaction without deciding anything: sent again, it meets the other's outcome (and its condition).
        _transaction(table, client.client_id, {"Put": put}, event, claimed, released).commit(retries=2)


def _transaction(
    table: Table,
    client_id: str,
    write: dict,
    event: AuditEvent | None,
    claimed: Iterable[str] = (),
    released: Iterable[str] = (),
) -> Transaction:
    """The client's write, the claims of the service URLs it takes (refused if another client holds one) and the
    release of those it gives up (only if they are its own: a missing claim is released as well), and its event."""
    transaction = Transaction(table).add(_name(client_id), write)
    claimed = {service_url_key(url): url for url in claimed}.values()  # one write per claim item
    released = {service_url_key(url): url for url in released}.values()
    mine = {
        "ConditionExpression": "attribute_not_exists(pk) OR client_id = :client",
        "ExpressionAttributeValues": {":client": {"S": client_id}},
    }
    for url in claimed:
        item = {**service_claim_key(url), "client_id": {"S": client_id}, "service_url": {"S": service_url_key(url)}}
        transaction.add(claim_name(url), {"Put": {"TableName": table.table_name, "Item": item, **mine}})
    for url in released:
        transaction.add(
            f"released {claim_name(url)}",
            {"Delete": {"TableName": table.table_name, "Key": service_claim_key(url), **mine}},
        )
    if event is not None:
        item = client_audit_item(table, client_id, event.type, event.request_id, dict(event.details))
        transaction.add(f"audit client {client_id}", {"Put": {"TableName": table.table_name, "Item": item}})
    return transaction


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
