"""The client registry's items: one per service an académie registered, all in one partition (one Query lists them,
one GetItem reads one).

Minimal for the protocol's needs (read, list, create); the registry (admin routes, CLI, updates, rotation) owns
the full module. Items: pk="CLIENTS", sk="CLIENT#<client_id>".
"""

from __future__ import annotations

from ent_accounts.clock import epoch, from_epoch
from ent_accounts.sso.clients import AuthMethod, Client
from ent_accounts.store.errors import ClientExists, ConditionFailed
from ent_accounts.store.table import Table

PARTITION = "CLIENTS"


def client_key(client_id: str) -> dict:
    return {"pk": {"S": PARTITION}, "sk": {"S": f"CLIENT#{client_id}"}}


def get_client(table: Table, client_id: str) -> Client | None:
    item = table.get(client_key(client_id))
    return None if item is None else client_from_item(item)


def list_clients(table: Table) -> list[Client]:
    query = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": PARTITION}},
        "ConsistentRead": True,
    }
    return [client_from_item(item) for item in table.query_items(**query)]


def create_client(table: Table, client: Client) -> None:
    try:
        table.request(
            "put_item",
            TableName=table.table_name,
            Item=client_item(client),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ConditionFailed:
        raise ClientExists(client.client_id) from None


def client_item(client: Client) -> dict:
    item: dict = {
        **client_key(client.client_id),
        "client_id": {"S": client.client_id},
        "name": {"S": client.name},
        "redirect_uris": {"L": [{"S": uri} for uri in client.redirect_uris]},
        "token_endpoint_auth_method": {"S": client.token_endpoint_auth_method.value},
        "post_logout_redirect_uris": {"L": [{"S": uri} for uri in client.post_logout_redirect_uris]},
        "all_schools": {"BOOL": client.all_schools},
        "pairwise_subject": {"BOOL": client.pairwise_subject},
        "secret_hashes": {"L": [{"S": value} for value in client.secret_hashes]},
        "version": {"N": str(client.version)},
    }
    if client.schools:
        item["schools"] = {"SS": sorted(client.schools)}
    for name in ("backchannel_logout_uri", "initiate_login_uri", "subject_salt"):
        if value := getattr(client, name):
            item[name] = {"S": value}
    for name in ("previous_secret_expires_at", "created_at", "updated_at"):
        if (value := getattr(client, name)) is not None:
            item[name] = {"N": str(epoch(value))}
    return item


def client_from_item(item: dict) -> Client:
    def text(name: str) -> str | None:
        return item.get(name, {}).get("S")

    def texts(name: str) -> tuple[str, ...]:
        return tuple(value["S"] for value in item.get(name, {}).get("L", []))

    def instant(name: str):
        value = item.get(name, {}).get("N")
        return from_epoch(int(value)) if value else None

    return Client(
        client_id=item["client_id"]["S"],
        name=item["name"]["S"],
        redirect_uris=texts("redirect_uris"),
        token_endpoint_auth_method=AuthMethod(item["token_endpoint_auth_method"]["S"]),
        post_logout_redirect_uris=texts("post_logout_redirect_uris"),
        backchannel_logout_uri=text("backchannel_logout_uri"),
        initiate_login_uri=text("initiate_login_uri"),
        schools=frozenset(item.get("schools", {}).get("SS", ())),
        all_schools=item.get("all_schools", {}).get("BOOL", False),
        pairwise_subject=item.get("pairwise_subject", {}).get("BOOL", False),
        subject_salt=text("subject_salt") or "",
        secret_hashes=texts("secret_hashes"),
        previous_secret_expires_at=instant("previous_secret_expires_at"),
        created_at=instant("created_at"),
        updated_at=instant("updated_at"),
        version=int(item.get("version", {}).get("N", "0")),
    )
