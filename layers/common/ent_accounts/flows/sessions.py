"""Sessions: a random 256-bit token kept by the browser (cookie) or the portal (Bearer), stored only as its hash.

A session ends on logout, after `session_idle_minutes` without use, after `session_hours` in all, and at once for
every session of an account when its password changes (the session's credential_version no longer matches).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ent_accounts.accounts import Account, Status
from ent_accounts.codes import hash_token, looks_like_token, new_token
from ent_accounts.errors import NotAuthenticated, ServiceBusy
from ent_accounts.lockout import Throttle
from ent_accounts.services import Services
from ent_accounts.sessions import Session
from ent_accounts.store import Conflict

REFRESH_EVERY = timedelta(minutes=1)  # at most one write a minute to keep a busy session alive
SID_BYTES = 16
TAKE_OVER_ATTEMPTS = 3  # a service signing in through the old session at that instant makes one more


SCOPE_STATUS = {"full": Status.ACTIVE, "pending": Status.PENDING_VALIDATION}


@dataclass(frozen=True)
class SignedIn:
    """A signed-in account as its session check read it, for a use case that checks the password again: with the
    lock-out counter read in the same request, the check reads neither again (without it, it reads both)."""

    account: Account
    throttle: Throttle | None = None


def open_session(
    services: Services,
    account: Account,
    scope: str = "full",
    event: tuple[str, str] | None = None,
    forget_failures: bool = False,
    replacing: str | None = None,
) -> tuple[str, Session]:
    """A new session; `event` (type, request id) is audited, and with `forget_failures` the account's failed logins
    are forgotten, in the same request.

    `replacing`: the token of the session this browser had (the password asked again, e.g. a service's
    prompt=login). When it is a live single sign-on session of the same account, the new one takes it over: same
    `sid`, same services signed in (so that ending it still tells them), the old one deleted in the same request;
    only `authenticated_at` is new (one transaction, conditioned on the old one being as read). Any other session
    is left as it is."""
    for _ in range(TAKE_OVER_ATTEMPTS):
        now = services.clock.now()
        absolute = now + timedelta(hours=services.settings.session_hours)
        idle = now + timedelta(minutes=services.settings.session_idle_minutes)
        previous = _taken_over(services, account, scope, replacing)
        sid, clients = (previous.sid, previous.clients) if previous else (new_sid(), frozenset())
        session = Session(
            account.identifier,
            account.credential_version,
            min(idle, absolute),
            absolute,
            now,
            scope,
            sid=sid,
            authenticated_at=now,
            clients=clients,
        )
        token = new_token()
        if previous is None:
            services.store.put_session(hash_token(token), session, event, forget_failures)
            return token, session
        tx = services.store.transaction().put_session(hash_token(token), session)
        tx.take_over_session(hash_token(replacing), clients)
        if event is not None:
            tx.audit(account.identifier, event[0], event[1])
        if forget_failures:
            tx.clear_login_failures(account.identifier)
        try:
            tx.commit(retries=2)
        except Conflict:
            continue  # a service signed in through the old session meanwhile, or it ended: read it again
        return token, session
    raise ServiceBusy()


def _taken_over(services: Services, account: Account, scope: str, replacing: str | None) -> Session | None:
    """The browser's session that a new one of this account takes over (a live single sign-on session of the same
    account and credentials), or None."""
    if not (replacing and scope == "full" and looks_like_token(replacing)):
        return None
    previous = services.store.get_session(hash_token(replacing))
    if (
        previous is not None
        and previous.single_sign_on
        and previous.identifier == account.identifier
        and previous.credential_version == account.credential_version
    ):
        return previous
    return None


def new_sid() -> str:
    """A session's public name (OIDC `sid`): random, so that it tells nothing and cannot open the session."""
    return secrets.token_urlsafe(SID_BYTES)


def authenticate(services: Services, token: str | None, scope: str = "full") -> Account:
    """The account of a live session of this scope, or NotAuthenticated."""
    return _authenticate(services, token, scope, with_throttle=False)[0]


def authenticate_for_password_check(services: Services, token: str | None) -> SignedIn:
    """`authenticate`, with the account's lock-out counter read in the same request (one BatchGetItem), for a use
    case that checks the password again (`check_password(..., already_read=...)` then reads nothing more)."""
    return SignedIn(*_authenticate(services, token, "full", with_throttle=True))


def _authenticate(
    services: Services, token: str | None, scope: str, with_throttle: bool
) -> tuple[Account, Throttle | None]:
    if not token or not looks_like_token(token):
        raise NotAuthenticated()
    token_hash = hash_token(token)
    session = services.store.get_session(token_hash)
    if session is None:
        raise NotAuthenticated()
    if with_throttle:
        account, throttle = services.store.account_and_throttle(session.identifier)
    else:
        account, throttle = services.store.get_account(session.identifier), None
    if (
        account is None
        or session.scope != scope
        or account.status is not SCOPE_STATUS[scope]
        or account.credential_version != session.credential_version
    ):
        raise NotAuthenticated()
    now = services.clock.now()
    if now - session.refreshed_at >= REFRESH_EVERY:
        idle = now + timedelta(minutes=services.settings.session_idle_minutes)
        services.store.refresh_session(token_hash, min(idle, session.absolute_expires_at), now)
    return account, throttle


def pending_session_state(services: Services, token: str | None) -> str | None:
    """What became of a pending session refused for a full-session page: "pending" while its account still waits
    for validation (the page to show is the pending one), "validated" once the link was followed (in this browser
    or another: the password is asked again, as a pending session never opens the services), else None."""
    if not token or not looks_like_token(token):
        return None
    session = services.store.get_session(hash_token(token))
    if session is None or session.scope != "pending":
        return None
    account = services.store.get_account(session.identifier)
    if account is None or account.credential_version != session.credential_version:
        return None
    return {Status.PENDING_VALIDATION: "pending", Status.ACTIVE: "validated"}.get(account.status)


def seconds_left(session: Session, now: datetime) -> int:
    """How long the session may live from `now` at most (its absolute limit): the session cookie's lifetime."""
    return max(0, int((session.absolute_expires_at - now).total_seconds()))
