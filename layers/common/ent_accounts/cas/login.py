"""/cas/login's answer (CAS 3.0 §2.1, §2.2.4), and /cas/continue's: a service ticket for the service at once (a live
single sign-on session), the pages first (login, first connection, validation: the request waits server-side as a
pending sign-in, sso/sign_in.py), back to the service without a ticket (`gateway`), or a French page.

The same rules as the OpenID Connect provider's (oidc/authorization.py): a ticket only for an ACTIVE account, not
locked out, through a full session whose credentials are current, of a school the service serves; every ticket
issued and every refusal audited in the account's partition and counted. The service must be registered (a service
URL no client registered gets a French page, never a redirect: CAS §2.2.1, "non-open mode"), and the client found
for it is read afresh, with the session, before anything is trusted. `renew` always asks the password (a pending
sign-in with force_login); `gateway` never shows a page: without a session that answers, the browser goes back to
the service with no ticket (§2.1.1), and no pending sign-in is kept.

Requests (DynamoDB), at their minimum: with a session, 1 BatchGetItem (session + client), 1 BatchGetItem (account +
lock-out counter), 1 TransactWriteItems (the ticket and its audit event, the session's idle limit pushed back when
due); without one, 1 BatchGetItem and 1 PutItem (the pending sign-in); /cas/continue, 1 BatchGetItem (session +
pending sign-in), 1 BatchGetItem (account + counter + client), 1 TransactWriteItems (the ticket, the pending
sign-in used, the audit event). Finding which client a service URL belongs to reads the registry's copy
(registry_cache.py: one Query a minute per container, none on a warm one).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ent_accounts import links as pages
from ent_accounts import metrics
from ent_accounts.accounts import Account, Status
from ent_accounts.cas.attributes import cas_user, needs_family, released_attributes
from ent_accounts.cas.services import ServiceUrl, accepts_service, parse_service, registered_service
from ent_accounts.cas.tickets import ServiceTicket, new_ticket
from ent_accounts.codes import hash_token, looks_like_token
from ent_accounts.errors import AccountLocked, DomainError
from ent_accounts.flows.sign_in import commit_signed_in, refused, start_sign_in
from ent_accounts.flows.sign_in import session_hash as _hash
from ent_accounts.links import Links
from ent_accounts.lockout import Throttle, retry_after_seconds
from ent_accounts.observability import logger
from ent_accounts.oidc.authorization_request import Params
from ent_accounts.services import Services
from ent_accounts.sessions import Session
from ent_accounts.sso.clients import Client
from ent_accounts.sso.sign_in import (
    CAS,
    Answer,
    PendingSignIn,
    SchoolNotServed,
    SignInExpired,
    fresh_enough,
    signs_in,
)

__all__ = ["Answer", "UnknownService", "cas_login", "continue_sign_in", "with_ticket"]

UNKNOWN_SERVICE = (  # seen before any login (nobody known): impersonal words (wording.py)
    "Ce service n'est pas reconnu : la connexion ne peut pas aboutir. Il faut revenir sur le site du service et "
    "recommencer ; si le problème continue, l'établissement peut le signaler."
)


class UnknownService(DomainError):
    """A `service` missing from the registry, malformed, or given twice: said on a French page, never redirected to."""

    status = 400
    code = "invalid_service"
    message = UNKNOWN_SERVICE


def flag(params: Params, name: str) -> bool:
    """Whether a boolean parameter of CAS is set (§2.1.1: "if this parameter is set"; "true" is recommended): any
    value but "false"."""
    return any(value.strip().lower() != "false" for value in params.get(name) or ())


def with_ticket(service: str, ticket: str) -> str:
    """The service URL, exactly as it came, with `ticket` added to its query (Appendix B: the browser GETs it)."""
    if "?" not in service:
        return f"{service}?ticket={ticket}"
    return f"{service}{'' if service.endswith(('?', '&')) else '&'}ticket={ticket}"


def cas_login(services: Services, params: Params, session_token: str | None, links: Links, request_id: str) -> Answer:
    """The answer to /cas/login. Raises UnknownService, AccountLocked or SchoolNotServed (French pages)."""
    now = services.clock.now()
    session_hash = _hash(session_token)
    given = params.get("service") or ()
    if not given:
        return _without_service(services, session_hash, links)
    if len(given) > 1 or (service := parse_service(given[0])) is None:
        raise UnknownService()
    found = registered_service(services.store, now, service)
    if found is None:
        logger.info("cas service not registered", extra={"origin": service.origin})
        raise UnknownService()
    session, client, _ = services.store.sign_in_reads(session_hash, found.client_id)
    if client is None or not accepts_service(client, service):
        raise UnknownService()  # removed or changed since the registry's copy was read
    renew = flag(params, "renew")
    gateway = flag(params, "gateway") and not renew  # §2.1.1: gateway is ignored when renew is set
    if session is not None and not renew and fresh_enough(session, now, None, None):
        account, throttle, _ = services.store.account_throttle_and_client(session.identifier, None)
        if signs_in(account, session):
            return _issue(
                services, client, service, session, session_hash, account, throttle, request_id, gateway=gateway
            )
    if gateway:
        logger.info("cas gateway without a session", extra={"client_id": client.client_id})
        return Answer(service.url, to_client=True)
    ref, sign_in = start_sign_in(
        services, CAS, client, service.url, {"renew": "true"} if renew else {}, force_login=renew
    )
    return Answer(links.login(), sign_in_ref=ref, sign_in_expires=sign_in.expires_at)


def continue_sign_in(
    services: Services, ref: str | None, session_token: str | None, links: Links, request_id: str
) -> Answer:
    """Finish this browser's pending CAS sign-in once the pages signed the person in: the ticket for the service, or
    the pages again (the password, when the session is missing, pending, or older than a `renew` asked). Raises
    SignInExpired, UnknownService (the client was removed or changed meanwhile), AccountLocked or SchoolNotServed."""
    if not ref or not looks_like_token(ref):
        raise SignInExpired()
    session_hash = _hash(session_token)
    session, _, sign_in = services.store.sign_in_reads(session_hash, None, hash_token(ref))
    if sign_in is None or sign_in.protocol != CAS:
        raise SignInExpired()
    account, throttle, client = (
        services.store.account_throttle_and_client(session.identifier, sign_in.client_id)
        if session is not None
        else (None, Throttle(), None)
    )
    now = services.clock.now()
    service = parse_service(sign_in.return_to)
    if session is not None and not (client and service and accepts_service(client, service)):
        raise UnknownService()
    if not (session and signs_in(account, session) and sign_in.answered_by(session, now)):
        pending = account is not None and account.status is Status.PENDING_VALIDATION
        if session is not None and session.scope == "pending" and pending:
            return Answer(links.page(pages.PENDING))  # the pending page names the service and says what to do
        return Answer(links.login())
    answer = _issue(services, client, service, session, session_hash, account, throttle, request_id, sign_in=sign_in)
    return replace(answer, sign_in_done=True)


def _without_service(services: Services, session_hash: str | None, links: Links) -> Answer:
    """No `service`: the login page, whose sign-in leads to the services page; a signed-in person goes straight
    there (§2.1.1: "CAS SHOULD display a message notifying the client that it is already logged in")."""
    if session_hash is None:
        return Answer(links.login())
    session, _, _ = services.store.sign_in_reads(session_hash, None)
    return Answer(links.desk() if session is not None and session.single_sign_on else links.login())


def _issue(
    services: Services,
    client: Client,
    service: ServiceUrl,
    session: Session,
    session_hash: str,
    account: Account,
    throttle: Throttle,
    request_id: str,
    *,
    gateway: bool = False,
    sign_in: PendingSignIn | None = None,
) -> Answer:
    """A ticket for the service, or the refusal (back to the service without one under `gateway`, else a French
    page)."""
    now = services.clock.now()
    if throttle.locked_until and throttle.locked_until > now:
        _refused(services, account, client.client_id, "account_locked", request_id)
        if gateway:
            return Answer(service.url, to_client=True)
        raise AccountLocked(retry_after_seconds(throttle.locked_until, now))
    if not client.serves(account.uai):
        _refused(services, account, client.client_id, "school_not_served", request_id)
        if gateway:
            return Answer(service.url, to_client=True)
        raise SchoolNotServed(audience=account.role)
    ticket = new_ticket()
    valid_until = now + timedelta(seconds=services.settings.cas_ticket_seconds)
    record = ServiceTicket(
        ticket_hash=hash_token(ticket),
        client_id=client.client_id,
        service=service.url,
        identifier=account.identifier,
        session_hash=session_hash,
        user=cas_user(account),
        authenticated_at=session.authenticated_at or now,
        from_new_login=sign_in is not None and _typed_for(session, sign_in),
        valid_until=valid_until,
        expires_at=valid_until,
        attributes=released_attributes(account, client.cas_attributes, _family(services, account, client)),
        credential_version=account.credential_version,
    )
    commit_signed_in(
        services,
        services.store.transaction().put_service_ticket(record),
        session=session,
        session_hash=session_hash,
        sign_in=sign_in,
        identifier=account.identifier,
        client_id=client.client_id,
        request_id=request_id,
        protocol=CAS,
    )
    metrics.count(metrics.CLIENT_SIGN_INS)
    metrics.count(metrics.CAS_TICKETS_ISSUED)
    logger.info("cas ticket issued", extra={"client_id": client.client_id, "from_new_login": record.from_new_login})
    return Answer(with_ticket(service.url, ticket), to_client=True)


def _typed_for(session: Session, sign_in: PendingSignIn) -> bool:
    """Whether the session's password was proven after the service asked: typed for this very sign-in."""
    return session.authenticated_at is not None and session.authenticated_at >= sign_in.requested_at


def _refused(services: Services, account: Account | None, client_id: str, reason: str, request_id: str) -> None:
    refused(services, account, client_id, reason, request_id, protocol=CAS)


def _family(services: Services, account: Account, client: Client) -> list[Account]:
    """The accounts linked to this one, when the service's attributes name them: one Query of the account's links,
    and one BatchGetItem when it has some."""
    if not needs_family(client.cas_attributes) or not account.linked:
        return []
    family = services.store.family(account.identifier)
    return list(services.store.get_accounts(family.linked).values()) if family.linked else []
