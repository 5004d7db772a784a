"""A pending sign-in (sso/sign_in.py): started when a service asks for a sign-in that needs the pages, found again
by the pages (to name the service, pre-fill the identifier, allow the service's origin as a form destination)."""

from __future__ import annotations

from datetime import timedelta

from ent_accounts import metrics
from ent_accounts.accounts import Account
from ent_accounts.codes import hash_token, looks_like_token, new_token
from ent_accounts.errors import ServiceBusy
from ent_accounts.flows.sessions import REFRESH_EVERY
from ent_accounts.observability import logger
from ent_accounts.services import Services
from ent_accounts.sessions import Session
from ent_accounts.sso.clients import Client
from ent_accounts.sso.sign_in import PendingSignIn, SignInExpired
from ent_accounts.store import Conflict


def start_sign_in(
    services: Services,
    protocol: str,
    client: Client,
    return_to: str,
    params: dict[str, str],
    *,
    login_hint: str | None = None,
    force_login: bool = False,
    max_age: int | None = None,
) -> tuple[str, PendingSignIn]:
    """Keep the request server-side (one PutItem) and return the opaque reference for the browser's cookie."""
    now = services.clock.now()
    ref = new_token()
    sign_in = PendingSignIn(
        ref_hash=hash_token(ref),
        protocol=protocol,
        client_id=client.client_id,
        client_name=client.name,
        return_to=return_to,
        requested_at=now,
        expires_at=now + timedelta(minutes=services.settings.sign_in_request_minutes),
        params=params,
        login_hint=login_hint,
        force_login=force_login,
        max_age=max_age,
    )
    services.store.put_sign_in(sign_in)
    return ref, sign_in


def pending_sign_in(services: Services, ref: str | None) -> PendingSignIn | None:
    """The live pending sign-in of this reference (the `sign_in` cookie), or None (one GetItem, none for a
    malformed reference)."""
    if not ref or not looks_like_token(ref):
        return None
    return services.store.get_sign_in(hash_token(ref))


def refused(
    services: Services,
    account: Account | None,
    client_id: str,
    reason: str,
    request_id: str,
    protocol: str | None = None,
) -> None:
    """A sign-in to a service refused (any protocol): audited on the account when there is one, always counted and
    logged; `protocol` is named for CAS (an OIDC refusal's event predates it)."""
    extra = {"protocol": protocol} if protocol else {}
    metrics.count(metrics.SIGN_IN_REFUSALS)
    logger.info("sign-in refused", extra={"client_id": client_id, "reason": reason, **extra})
    if account is not None:
        services.store.record_event(
            account.identifier, "sign_in_refused", request_id, client_id=client_id, reason=reason, **extra
        )


def session_hash(token: str | None) -> str | None:
    """The hash a session is stored under, for a token that looks like one (None otherwise: no read is made)."""
    return hash_token(token) if token and looks_like_token(token) else None


def commit_signed_in(
    services: Services,
    tx,
    *,
    session: Session,
    session_hash: str,
    sign_in: PendingSignIn | None,
    identifier: str,
    client_id: str,
    request_id: str,
    protocol: str | None = None,
) -> None:
    """Commit a sign-in to a service (`tx` holds its code or ticket): with it, the pending sign-in used, the
    session's idle limit pushed back when due, and the audit event, in one transaction (either protocol)."""
    now = services.clock.now()
    if sign_in is not None:
        tx.use_sign_in(sign_in.ref_hash, now)
    if now - session.refreshed_at >= REFRESH_EVERY:
        idle = now + timedelta(minutes=services.settings.session_idle_minutes)
        tx.refresh_session(session_hash, min(idle, session.absolute_expires_at), now)
    extra = {"protocol": protocol} if protocol else {}
    tx.audit(identifier, "signed_in_to_client", request_id, client_id=client_id, **extra)
    try:
        tx.commit(retries=1)
    except Conflict as conflict:
        if "sign-in" in conflict.changed:
            raise SignInExpired() from None  # answered meanwhile (the same page submitted twice)
        raise ServiceBusy() from None  # the session ended or changed at this instant: try again
