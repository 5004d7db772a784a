"""Checking a password: lock-out, failure counting and audit, with the same work whether the account exists or not."""

from __future__ import annotations

from ent_accounts import lockout, metrics
from ent_accounts.accounts import Account, Status, normalize_identifier
from ent_accounts.errors import AccountLocked, InvalidCredentials
from ent_accounts.passwords import burn_verify_time, provisional_matches, verify_password
from ent_accounts.services import Services
from ent_accounts.store import Throttle


def check_password(
    services: Services,
    identifier: str,
    password: str,
    request_id: str,
    *,
    accept_provisional: bool = False,
    already_read: tuple[Account, Throttle] | None = None,
) -> Account:
    """The account this password opens, or InvalidCredentials / AccountLocked.

    Every attempt that reaches a password costs exactly one argon2 verification (a provisional password is checked
    by SHA-256, so the argon2 work is done on a dummy hash), so timing never tells whether an account exists.
    An expired provisional password is refused exactly like a wrong one (same answer, same work, counted).
    `already_read`: the account and its lock-out counter, read together earlier in the same request (a signed-in
    use case: `authenticate_with_throttle`), so that neither is read again.
    """
    identifier = normalize_identifier(identifier)
    store, now = services.store, services.clock.now()
    account, throttle = already_read or store.account_and_throttle(identifier)
    if throttle.locked_until and throttle.locked_until > now:
        raise AccountLocked(lockout.retry_after_seconds(throttle.locked_until, now))

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
        counted = store.record_login_failure(identifier, lockout.lock_after, lockout.FAILURE_MEMORY)
        metrics.count(metrics.LOGIN_FAILURES)
        if counted.locked_until:
            metrics.count(metrics.LOCK_OUTS)
        if account is not None:
            store.record_event(identifier, "login_failed", request_id, failures=str(counted.failures))
        else:
            # The same write for an unknown identifier, so the answer takes the same time (kept one day).
            store.record_unknown_login_failure(identifier, request_id, lockout.FAILURE_MEMORY)
        if account is not None and counted.locked_until:
            store.record_event(identifier, "account_locked", request_id, until=counted.locked_until.isoformat())
        if counted.locked_until:
            raise AccountLocked(lockout.retry_after_seconds(counted.locked_until, now))
        raise InvalidCredentials()

    if throttle.failures:
        store.clear_login_failures(identifier)
    return account
