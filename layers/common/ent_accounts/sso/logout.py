"""Single logout: ending a session, and what the services signed in through it must be told.

A session records the clients that received tokens through it (the token exchange adds them, conditioned on the
session still living). Ending it deletes it and returns, as it was at that instant, what to notify: each of those
clients with a back-channel logout URI gets a notice (its `sub` for this account, the session's `sid`). Sending
the notices (OIDC Back-Channel Logout 1.0 logout tokens, off the request path) is the logout queue's job; this
module only says what must be sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts import metrics
from ent_accounts.codes import hash_token, looks_like_token
from ent_accounts.oidc.claims import subject_for
from ent_accounts.services import Services


@dataclass(frozen=True)
class LogoutNotice:
    """One back-channel logout token to send: to `uri`, naming the session (`sid`) and the account (`sub`)."""

    client_id: str
    uri: str
    sid: str
    sub: str | None  # None for an account without a subject (it never got one: no token, so never happens)


@dataclass(frozen=True)
class EndedSession:
    identifier: str
    sid: str
    clients: frozenset[str]  # every client that received tokens through it
    notices: tuple[LogoutNotice, ...]  # those to tell (the ones with a back-channel logout URI, still registered)


def ending_session(services: Services, token: str | None, request_id: str, via: str = "") -> EndedSession | None:
    """End the session of this token and return what must be notified (None: there was no live session).

    Audited (`logged_out`, with `via`: the client of an RP-initiated logout) and counted. Requests: one DeleteItem
    (returning the session as deleted), one PutItem (the audit event), and when services were signed in, one
    BatchGetItem (the account and those clients)."""
    if not token or not looks_like_token(token):
        return None
    store = services.store
    session = store.end_session(hash_token(token))
    if session is None:
        return None
    details = {"sid": session.sid} if session.sid else {}
    if via:
        details["client_id"] = via
    if session.clients:
        details["clients"] = " ".join(sorted(session.clients))
    store.record_event(session.identifier, "logged_out", request_id, **details)
    metrics.count(metrics.LOGOUTS)
    return EndedSession(session.identifier, session.sid, session.clients, notices_for(services, session))


def notices_for(services: Services, session) -> tuple[LogoutNotice, ...]:
    """The back-channel logout notices for the clients recorded on this session."""
    if not session.clients or not session.sid:
        return ()
    account, clients = services.store.account_and_clients(session.identifier, session.clients)
    subject = account.subject if account is not None else None
    return tuple(
        LogoutNotice(
            client.client_id, client.backchannel_logout_uri, session.sid, subject and subject_for(client, subject)
        )
        for client in sorted(clients.values(), key=lambda c: c.client_id)
        if client.backchannel_logout_uri
    )
