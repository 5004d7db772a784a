"""What single sign-on reads between requests: pending sign-ins, authorization codes and access tokens (their items:
store/grants.py), alone or with the session, the client and the account they concern, in as few round trips as
the keys allow. Reads treat an expired item as absent, like the rest of the store. The writes that must happen
together (a code issued and its pending sign-in used, a code redeemed with its access token and the client
recorded on the session) are transaction writes (store/transaction.py)."""

from __future__ import annotations

from ent_accounts.accounts import Account
from ent_accounts.lockout import Throttle
from ent_accounts.oidc.grants import AccessToken, AuthorizationCode
from ent_accounts.sessions import Session
from ent_accounts.sso.clients import Client
from ent_accounts.sso.sign_in import PendingSignIn
from ent_accounts.store.accounts import account_from_item, account_key
from ent_accounts.store.clients import client_from_item, client_key
from ent_accounts.store.grants import (
    access_token_from_item,
    access_token_key,
    code_from_item,
    code_key,
    sign_in_from_item,
    sign_in_item,
    sign_in_key,
)
from ent_accounts.store.sessions import session_from_item, session_key
from ent_accounts.store.table import Table
from ent_accounts.store.throttles import throttle_from_item, throttle_key

# --- pending sign-ins --------------------------------------------------------------------------------------------


def put_sign_in(table: Table, sign_in: PendingSignIn) -> None:
    table.request(
        "put_item",
        TableName=table.table_name,
        Item=sign_in_item(sign_in),
        ConditionExpression="attribute_not_exists(pk)",
    )


def get_sign_in(table: Table, ref_hash: str) -> PendingSignIn | None:
    item = table.get(sign_in_key(ref_hash))
    return None if item is None else sign_in_from_item(item)


def sign_in_reads(
    table: Table, session_hash: str | None, client_id: str | None, ref_hash: str | None
) -> tuple[Session | None, Client | None, PendingSignIn | None]:
    """The browser's session, the client and the pending sign-in, those asked for, in one BatchGetItem (strongly
    consistent); absent or expired ones are None."""
    wanted = []
    if session_hash:
        wanted.append(session_key(session_hash))
    if client_id:
        wanted.append(client_key(client_id))
    if ref_hash:
        wanted.append(sign_in_key(ref_hash))
    found = {
        item["pk"]["S"] + "|" + item["sk"]["S"]: item for item in table.batch_get(wanted) if not table.expired(item)
    }

    def one(key: dict | None):
        return None if key is None else found.get(key["pk"]["S"] + "|" + key["sk"]["S"])

    session_item = one(session_key(session_hash) if session_hash else None)
    client_item = one(client_key(client_id) if client_id else None)
    sign_in_item_ = one(sign_in_key(ref_hash) if ref_hash else None)
    return (
        session_from_item(session_item) if session_item else None,
        client_from_item(client_item) if client_item else None,
        sign_in_from_item(sign_in_item_) if sign_in_item_ else None,
    )


# --- authorization codes -----------------------------------------------------------------------------------------


def client_and_code(table: Table, client_id: str, code_hash: str) -> tuple[Client | None, AuthorizationCode | None]:
    """The client and the code it presents, in one BatchGetItem (strongly consistent); absent or expired: None."""
    items = {item["pk"]["S"]: item for item in table.batch_get([client_key(client_id), code_key(code_hash)])}
    client_item = items.get("CLIENTS")
    client_item = client_item if client_item and client_item["sk"]["S"] == f"CLIENT#{client_id}" else None
    code = items.get(f"AUTHCODE#{code_hash}")
    return (
        None if client_item is None or table.expired(client_item) else client_from_item(client_item),
        None if code is None or table.expired(code) else code_from_item(code),
    )


def get_authorization_code(table: Table, code_hash: str) -> AuthorizationCode | None:
    item = table.get(code_key(code_hash))
    return None if item is None else code_from_item(item)


# --- access tokens -----------------------------------------------------------------------------------------------


def get_access_token(table: Table, token_hash: str) -> AccessToken | None:
    item = table.get(access_token_key(token_hash))
    return None if item is None else access_token_from_item(item)


def access_token_reads(
    table: Table, token_hash: str
) -> tuple[AccessToken | None, Session | None, Account | None, Client | None]:
    """An access token and what it stands on: the session it came through, its account and its client (each None
    when absent or expired). Two round trips: the GetItem of the token, whose item names the others, then one
    BatchGetItem of those three (strongly consistent); only the first for an unknown or expired token."""
    token = get_access_token(table, token_hash)
    if token is None or not (token.session_hash and token.identifier):
        return token, None, None, None
    session, account, client = None, None, None
    for item in table.batch_get(
        [session_key(token.session_hash), account_key(token.identifier), client_key(token.client_id)]
    ):
        if table.expired(item):
            continue
        kind = item["pk"]["S"].split("#", 1)[0]
        if kind == "SESSION":
            session = session_from_item(item)
        elif kind == "CLIENTS":
            client = client_from_item(item)
        else:
            account = account_from_item(item)
    return token, session, account, client


def delete_access_token(table: Table, token_hash: str) -> None:
    table.request("delete_item", TableName=table.table_name, Key=access_token_key(token_hash))


def account_and_clients(
    table: Table, identifier: str, client_ids: frozenset[str]
) -> tuple[Account | None, dict[str, Client]]:
    """An account and some clients in one BatchGetItem (what ending a session must know to tell the clients)."""
    keys = [account_key(identifier), *(client_key(client_id) for client_id in sorted(client_ids))]
    account, clients = None, {}
    for item in table.batch_get(keys):
        if table.expired(item):
            continue
        if item["pk"]["S"] == "CLIENTS":
            client = client_from_item(item)
            clients[client.client_id] = client
        else:
            account = account_from_item(item)
    return account, clients


def account_throttle_and_client(
    table: Table, identifier: str, client_id: str | None
) -> tuple[Account | None, Throttle, Client | None]:
    """An account, its failed-login counter and (when asked) a client, in one BatchGetItem (strongly consistent)."""
    keys = [account_key(identifier), throttle_key(identifier)]
    if client_id:
        keys.append(client_key(client_id))
    account, throttle_item, client = None, None, None
    for item in table.batch_get(keys):
        kind = item["pk"]["S"].split("#", 1)[0]
        if kind == "LOGIN":
            throttle_item = item
        elif table.expired(item):
            continue
        elif kind == "CLIENTS":
            client = client_from_item(item)
        else:
            account = account_from_item(item)
    return account, throttle_from_item(table, throttle_item), client
