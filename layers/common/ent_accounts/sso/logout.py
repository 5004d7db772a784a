"""Single logout across protocols: ending a session, and the notices that tell the services signed in through it.

A session records the services signed in through it, each conditioned on the session still living: the OpenID
Connect clients that received tokens (the token exchange adds them) and the CAS services whose ticket was validated
(`record_cas_login`: the client, the exact service URL, the ticket). Ending it deletes it and reads it back as it
was at that instant, so a sign-in a moment before is never lost between a read and the delete, and one a moment
after finds no session and fails (a CAS validation then answers INVALID_TICKET). Each of those services still
registered for it gets a notice, put on the logout queue before the answer (sso/logout_notifications.py: queueing
never blocks the logout; the consumer makes and posts each notice's request, off the request path):
- an OIDC client with a back-channel logout URI: its `sub` for this account, its `sid` for the session, the issuer
  its ID tokens named (sso/backchannel_logout.py signs the logout token);
- a CAS service, once per ticket validated through the session, when its client still covers that service URL and
  takes single logout (`cas_single_logout`): the CAS user, the service URL, the ticket as the SessionIndex
  (sso/cas_logout.py posts the SAML LogoutRequest).
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts import metrics
from ent_accounts.accounts import Account
from ent_accounts.cas.attributes import cas_user
from ent_accounts.cas.services import accepts_service, parse_service
from ent_accounts.codes import hash_token, looks_like_token
from ent_accounts.oidc.claims import sid_for, subject_for
from ent_accounts.services import Services
from ent_accounts.sessions import CasLogin, Session
from ent_accounts.sso.clients import Client
from ent_accounts.sso.logout_notifications import LogoutNotice


@dataclass(frozen=True)
class EndedSession:
    identifier: str
    sid: str
    clients: frozenset[str]  # every OIDC client that received tokens through it
    notices: tuple[LogoutNotice, ...]  # those to tell, of every protocol (notices_for)
    queued: int  # how many of the notices the logout queue took
    cas_logins: tuple[CasLogin, ...] = ()  # every CAS service ticket validated through it


def ending_session(
    services: Services, token: str | None, request_id: str, issuer: str, via: str = ""
) -> EndedSession | None:
    """End the session of this token, queue what must be notified and return it (None: there was no live session).

    Every logout goes through here: the service's own, OpenID Connect RP-initiated logout, CAS /cas/logout.
    `issuer`: the provider's issuer as this request's OIDC clients know it (the `iss` of their ID tokens). Audited
    (`logged_out`, with `via`: the client that sent the person to log out, and the services signed in: `clients` for
    OIDC, `cas_clients` for CAS) and counted. Requests: one DeleteItem (returning the session as deleted), one PutItem
    (the audit event), and when services were signed in, one BatchGetItem (the account and those clients, OIDC and CAS
    together) and one SendMessageBatch per ten notices."""
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
    if session.cas_logins:
        details["cas_clients"] = " ".join(sorted({login.client_id for login in session.cas_logins}))
    store.record_event(session.identifier, "logged_out", request_id, **details)
    metrics.count(metrics.LOGOUTS)
    notices = notices_for(services, session, issuer, request_id)
    queued = services.logout_queue.send(notices)
    return EndedSession(session.identifier, session.sid, session.clients, notices, queued, session.cas_logins)


def notices_for(services: Services, session: Session, issuer: str, request_id: str) -> tuple[LogoutNotice, ...]:
    """The logout notices for the services signed in through this session, OIDC clients first, then CAS services
    (each by client_id): one BatchGetItem for the account and every client, OIDC and CAS together; no request when
    no service was signed in.

    What is read now decides, not what was registered at sign-in: a client deleted since is not told, nor one whose
    back-channel logout URI (OIDC) or single logout (CAS) was turned off, nor a CAS service URL its client no longer
    covers (the logout request goes to that URL: only a registered one may receive it)."""
    oidc = session.clients if session.sid else frozenset()  # a back-channel logout token names the session's sid
    if not oidc and not session.cas_logins:
        return ()
    wanted = oidc | {login.client_id for login in session.cas_logins}
    account, clients = services.store.account_and_clients(session.identifier, frozenset(wanted))
    return (
        *_backchannel_notices(
            session, account, [clients[name] for name in sorted(oidc & clients.keys())], issuer, request_id
        ),
        *_cas_notices(session, account, clients, request_id),
    )


def _backchannel_notices(
    session: Session, account: Account | None, clients: list[Client], issuer: str, request_id: str
) -> list[LogoutNotice]:
    if account is None or not account.subject:
        return []  # deleted meanwhile (its clients' sessions end by their own rules), or never signed in to one
    return [
        LogoutNotice.oidc_backchannel(
            issuer=issuer,
            client_id=client.client_id,
            sid=sid_for(client, session.sid),
            subject=subject_for(client, account.subject),
            request_id=request_id,
        )
        for client in clients
        if client.backchannel_logout_uri
    ]


def _cas_notices(
    session: Session, account: Account | None, clients: dict[str, Client], request_id: str
) -> list[LogoutNotice]:
    """One notice per ticket validated through the session (a service finds its own session by the ticket: two
    sign-ins to one service are two sessions there), when its client still takes single logout for that service."""
    # The CAS user its validations named (the identifier); the session's own identifier when the account was deleted
    # meanwhile: the services it signed in to still hold sessions for it, and a CAS logout needs nothing else.
    user = cas_user(account) if account is not None else session.identifier
    notices = []
    for login in sorted(session.cas_logins, key=lambda login: (login.client_id, login.service, login.ticket)):
        client = clients.get(login.client_id)
        if client is None or not client.cas_single_logout or not _still_covers(client, login.service):
            continue
        notices.append(
            LogoutNotice.cas_slo(
                client_id=client.client_id,
                service=login.service,
                session_index=login.ticket,
                subject=user,
                request_id=request_id,
            )
        )
    return notices


def _still_covers(client: Client, service_url: str) -> bool:
    service = parse_service(service_url)
    return service is not None and accepts_service(client, service)
