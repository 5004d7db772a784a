"""Checking a password (lock-out, failure counting and audit, with the same work whether the account exists or
not), and replacing one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from ent_accounts import lockout, metrics
from ent_accounts.accounts import Account, Status, normalize_identifier
from ent_accounts.deliverability import can_receive
from ent_accounts.errors import AccountLocked, InvalidCredentials, InvalidRequest
from ent_accounts.lockout import Throttle
from ent_accounts.mail import compose
from ent_accounts.passwords import (
    burn_verify_time,
    hash_password,
    policy_error,
    provisional_matches,
    verify_password,
)
from ent_accounts.services import Services


def check_password(
    services: Services,
    identifier: str,
    password: str,
    request_id: str,
    *,
    accept_provisional: bool = False,
    already_read: tuple[Account, Throttle] | None = None,
    forget_failures: bool = True,
) -> Account:
    """The account this password opens, or InvalidCredentials / AccountLocked.

    Every check first claims its place in the lock-out counter (`claim_check`), so no number of requests at once
    gets more guesses checked than the lock-out allows. Every attempt that reaches a password costs exactly one argon2
    verification (a provisional password is checked by SHA-256, so the argon2 work is done on a dummy hash), so timing
    never tells whether an account exists. An expired provisional password is refused exactly like a wrong one.
    `already_read`: the account and its lock-out counter, read together earlier in the same request (a signed-in
    use case: `authenticate_for_password_check`), so that neither is read again.
    A personal password proven right forgets the identifier's failures, unless `forget_failures` is False: the caller
    then forgets them in a write of its own (the login, with its new session). A provisional password proven right
    only takes its own attempt back: the failures (wrong birth dates among them) stay until a first connection.
    """
    identifier = normalize_identifier(identifier)
    store, now = services.store, services.clock.now()
    account, throttle = already_read or store.account_and_throttle(identifier)
    claim = claim_check(services, identifier, throttle)

    if account is None or account.status is Status.PROVISIONED or not account.password_hash:
        burn_verify_time(password)
        matches = (
            account is not None
            and accept_provisional
            and account.provisional_password_valid(now)
            and provisional_matches(account.provisional_password_hash, password)
        )
    else:
        matches = verify_password(account.password_hash, password)

    if not matches:
        record_failure(services, identifier, account, claim, request_id)
        refuse(services, claim)
    if account.status is Status.PROVISIONED:
        store.release_password_check(identifier, claim)
    elif forget_failures:
        store.clear_login_failures(identifier)
    return account


@contextmanager
def failures_forgotten_on_refusal(services: Services, identifier: str) -> Iterator[None]:
    """For a request whose password was just proven right (`check_password(..., forget_failures=False)`) and whose
    own write forgets the failures: if anything refuses the request before that write lands (a weak new password, the
    hour's mail allowance, another change winning the race, DynamoDB busy), the failures are forgotten all the same,
    so a right password never stays counted toward the lock-out. The refusal is raised unchanged."""
    try:
        yield
    except Exception:
        # The refusal matters more than a failed clear: the claim then ages out with FAILURE_MEMORY.
        with suppress(Exception):
            services.store.clear_login_failures(identifier)
        raise


def claim_check(services: Services, identifier: str, throttle: Throttle) -> Throttle:
    """The right to check one secret of this identifier (password or birth date), counted as a failure until
    proven right; AccountLocked while locked."""
    return services.store.claim_password_check(identifier, throttle, lockout.lock_after, lockout.FAILURE_MEMORY)


def record_failure(
    services: Services, identifier: str, account: Account | None, claim: Throttle, request_id: str, event="login_failed"
) -> None:
    """The claimed check failed: it stays counted; audit it (the same write for every identifier)."""
    store = services.store
    metrics.count(metrics.LOGIN_FAILURES)
    if claim.locked_until:
        metrics.count(metrics.LOCK_OUTS)
    if account is not None:
        store.record_event(identifier, event, request_id, failures=str(claim.failures))
    else:
        # The same write for an unknown identifier, so the answer takes the same time (kept one day).
        store.record_unknown_login_failure(identifier, request_id, lockout.FAILURE_MEMORY)
    if account is not None and claim.locked_until:
        store.record_event(identifier, "account_locked", request_id, until=claim.locked_until.isoformat())


def refuse(services: Services, claim: Throttle) -> None:
    """AccountLocked when this failure locked the identifier, else InvalidCredentials."""
    if claim.locked_until:
        raise AccountLocked(lockout.retry_after_seconds(claim.locked_until, services.clock.now()))
    raise InvalidCredentials()


def replace_password(account: Account, new_password: str) -> None:
    """Give the account a new personal password, or InvalidRequest (the policy refuses it). Every session and every
    link asked for with the old password stop working; an address change asked for with it is void."""
    if reason := policy_error(new_password, account.identifier, context=(account.first_name, account.last_name)):
        fields = {"new_password": reason}
        raise InvalidRequest("Le mot de passe n'est pas assez sûr.", fields=fields, audience=account.role)
    account.password_hash = hash_password(new_password)
    account.credential_version += 1
    account.pending_email = None
    account.forget_stale_undeliverable()


def notify_password_changed(services: Services, account: Account) -> None:
    """Tell the account's validated address, when mail reaches it, that its password changed (after the change is
    stored: a notice that cannot leave is only logged)."""
    send_account_notice(services, account, "password_changed", changed_at=services.clock.now())


def send_account_notice(services: Services, account: Account, kind: str, **context) -> None:
    """A notice (templates/mail/<kind>) to the account's validated address, when mail reaches it: sent after the
    change is stored, so one that cannot leave is only logged."""
    if account.has_recovery_address and can_receive(account, account.email):
        notice = compose(
            kind,
            account.email,
            identifier=account.identifier,
            first_name=account.first_name,
            audience=account.role,
            **context,
        )
        services.mailer.send_notice(notice)
