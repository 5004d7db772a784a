"""Single logout: ending a session, and the notices that tell the services signed in through it.

A session records the clients that received tokens through it (the token exchange adds them, conditioned on the
session still living). Ending it deletes it and reads it back as it was at that instant, so a token exchange a
moment before is never lost between a read and the delete; each of those clients with a back-channel logout URI
gets a notice (its `sub` for this account, its `sid` for the session, the issuer its ID tokens named), put on the
logout queue before the answer (sso/logout_notifications.py: queueing never blocks the logout; the consumer signs
and posts the logout tokens, off the request path).
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts import metrics
from ent_accounts.codes import hash_token, looks_like_token
from ent_accounts.oidc.claims import sid_for, subject_for
from ent_accounts.services import Services
from ent_accounts.sessions import Session
from ent_accounts.sso.logout_notifications import LogoutNotice


@dataclass(frozen=True)
class EndedSession:
    identifier: str
    sid: str
    clients: frozenset[str]  # every client that received tokens through it
    notices: tuple[LogoutNotice, ...]  # those to tell: the clients still registered with a back-channel logout URI
    queued: int  # how many of the notices the logout queue took


def ending_session(
    services: Services, token: str | None, request_id: str, issuer: str, via: str = ""
) -> EndedSession | None:
    """End the session of this token, queue what must be notified and return it (None: there was no live session).

    `issuer`: the provider's issuer as this request's clients know it (the `iss` of their ID tokens). Audited
    (`logged_out`, with `via`: the client of an RP-initiated logout) and counted. Requests: one DeleteItem (returning
    the session as deleted), one PutItem (the audit event), and when services were signed in, one BatchGetItem (the
    account and those clients) and one SendMessageBatch per ten notices."""
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
    notices = notices_for(services, session, issuer, request_id)
    queued = services.logout_queue.send(notices)
    return EndedSession(session.identifier, session.sid, session.clients, notices, queued)


def notices_for(services: Services, session: Session, issuer: str, request_id: str) -> tuple[LogoutNotice, ...]:
    """The back-channel logout notices for the clients recorded on this session (one BatchGetItem, none when no
    client was)."""
    if not session.clients or not session.sid:
        return ()
    account, clients = services.store.account_and_clients(session.identifier, session.clients)
    if account is None or not account.subject:
        return ()  # deleted meanwhile (its clients' sessions end by their own rules), or never signed in to one
    return tuple(
        LogoutNotice.oidc_backchannel(
            issuer=issuer,
            client_id=client.client_id,
            sid=sid_for(client, session.sid),
            subject=subject_for(client, account.subject),
            request_id=request_id,
        )
        for client in sorted(clients.values(), key=lambda client: client.client_id)
        if client.backchannel_logout_uri
    )
