"""Session items, stored under the hash of the session's token."""

from __future__ import annotations

import json
import time
from contextlib import suppress
from datetime import datetime

from ent_accounts.clock import epoch, from_epoch
from ent_accounts.errors import ServiceBusy
from ent_accounts.sessions import MAX_CAS_LOGINS, CasLogin, Session
from ent_accounts.store.audit import audit_item
from ent_accounts.store.errors import ConditionFailed
from ent_accounts.store.table import Table
from ent_accounts.store.throttles import throttle_key


def session_key(token_hash: str) -> dict:
    return {"pk": {"S": f"SESSION#{token_hash}"}, "sk": {"S": "SESSION"}}


def put_session(
    table: Table,
    token_hash: str,
    session: Session,
    event: tuple[str, str] | None,
    forget_failures: bool,
) -> None:
    """The session; with `event` (type, request id), its audit event, and with `forget_failures`, the deletion of
    the identifier's failed-login counter (a successful login), in the same request (one BatchWriteItem: the session
    is new, and the counter is removed whatever it holds, so no write has a condition to check). A session that
    takes another over is a transaction instead (`Transaction.take_over_session`)."""
    if event is None and not forget_failures:
        table.request("put_item", TableName=table.table_name, Item=session_item(token_hash, session))
        return
    writes = [{"PutRequest": {"Item": session_item(token_hash, session)}}]
    if event is not None:
        writes.append({"PutRequest": {"Item": audit_item(table, session.identifier, event[0], event[1], {})}})
    if forget_failures:
        writes.append({"DeleteRequest": {"Key": throttle_key(session.identifier)}})
    requests = {table.table_name: writes}
    for attempt in range(3):
        requests = table.request("batch_write_item", RequestItems=requests).get("UnprocessedItems")
        if not requests:
            return
        time.sleep(0.05 * 2**attempt)  # DynamoDB left some writes unprocessed (throttled): back off
    raise ServiceBusy()


def get_session(table: Table, token_hash: str) -> Session | None:
    item = table.get(session_key(token_hash))
    if item is None:
        return None
    return session_from_item(item)


def session_from_item(item: dict) -> Session:
    authenticated_at = item.get("authenticated_at", {}).get("N")
    return Session(
        identifier=item["identifier"]["S"],
        credential_version=int(item["credential_version"]["N"]),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        absolute_expires_at=from_epoch(int(item["absolute_expires_at"]["N"])),
        refreshed_at=from_epoch(int(item["refreshed_at"]["N"])),
        scope=item.get("scope", {}).get("S", "full"),
        sid=item.get("sid", {}).get("S", ""),
        authenticated_at=from_epoch(int(authenticated_at)) if authenticated_at else None,
        clients=frozenset(item.get("clients", {}).get("SS", ())),
        # In a stable order (DynamoDB returns a set's members in any order); CasLogin itself has none.
        cas_logins=tuple(_cas_login(value) for value in sorted(item.get("cas_logins", {}).get("SS", ()))),
    )


def _cas_login(value: str) -> CasLogin:
    client_id, service, ticket = json.loads(value)
    return CasLogin(client_id, service, ticket)


def _cas_login_value(login: CasLogin) -> str:
    return json.dumps([login.client_id, login.service, login.ticket], separators=(",", ":"))


RECORDED, ENDED, FULL = "recorded", "ended", "full"


def record_cas_login(table: Table, token_hash: str, login: CasLogin) -> str:
    """Add a CAS service's sign-in to the session, if it still lives: RECORDED, ENDED (the session was ended or
    expired: the validation must fail, or that service would outlive the logout untold) or FULL (MAX_CAS_LOGINS
    already: not recorded). One conditional UpdateItem (a GetItem more when its condition fails, to say which):
    racing a logout's delete, either this comes first and the logout reads it back, or it fails."""
    try:
        table.update(
            session_key(token_hash),
            "ADD cas_logins :login",
            "attribute_exists(pk) AND expires_at > :now"
            " AND (attribute_not_exists(cas_logins) OR size(cas_logins) < :max)",
            {
                ":login": {"SS": [_cas_login_value(login)]},
                ":now": {"N": str(epoch(table.clock.now()))},
                ":max": {"N": str(MAX_CAS_LOGINS)},
            },
        )
    except ConditionFailed:
        return FULL if get_session(table, token_hash) is not None else ENDED
    return RECORDED


def refresh_session(table: Table, token_hash: str, expires_at: datetime, now: datetime) -> None:
    """Push the idle limit back; a session deleted meanwhile (logout) stays deleted."""
    with suppress(ConditionFailed):
        table.update(
            session_key(token_hash),
            "SET expires_at = :expires, refreshed_at = :now",
            "attribute_exists(pk)",
            {":expires": {"N": str(epoch(expires_at))}, ":now": {"N": str(epoch(now))}},
        )


def delete_session(table: Table, token_hash: str) -> None:
    table.request("delete_item", TableName=table.table_name, Key=session_key(token_hash))


def end_session(table: Table, token_hash: str) -> Session | None:
    """Delete the session and return it as it was at that instant (None: there was none, or it had expired): the
    services recorded on it by a token exchange a moment before are in what comes back, never lost between a read
    and the delete."""
    answer = table.request(
        "delete_item", TableName=table.table_name, Key=session_key(token_hash), ReturnValues="ALL_OLD"
    )
    item = answer.get("Attributes")
    return None if item is None or table.expired(item) else session_from_item(item)


def session_item(token_hash: str, session: Session) -> dict:
    item = {
        **session_key(token_hash),
        "identifier": {"S": session.identifier},
        "credential_version": {"N": str(session.credential_version)},
        "expires_at": {"N": str(epoch(session.expires_at))},
        "absolute_expires_at": {"N": str(epoch(session.absolute_expires_at))},
        "refreshed_at": {"N": str(epoch(session.refreshed_at))},
        "scope": {"S": session.scope},
    }
    if session.sid:
        item["sid"] = {"S": session.sid}
    if session.authenticated_at is not None:
        item["authenticated_at"] = {"N": str(epoch(session.authenticated_at))}
    if session.clients:
        item["clients"] = {"SS": sorted(session.clients)}
    if session.cas_logins:
        item["cas_logins"] = {"SS": sorted(_cas_login_value(login) for login in session.cas_logins)}
    return item
