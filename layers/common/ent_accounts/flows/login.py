"""Login with the identifier and a password (the provisional one, or the personal one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ent_accounts.accounts import Status, normalize_identifier
from ent_accounts.clock import iso
from ent_accounts.codes import Code, Purpose, hash_token, new_token
from ent_accounts.errors import AccountPendingValidation, InvalidCredentials
from ent_accounts.passwords import burn_verify_time, provisional_matches, verify_password
from ent_accounts.services import Services


@dataclass(frozen=True)
class LoginResult:
    status: str  # "authenticated" or "first_connection_required"
    token: str  # session token, or the challenge that allows the first connection
    expires_at: datetime


def login(services: Services, identifier: str, password: str) -> LoginResult:
    """Every outcome costs exactly one argon2 verification, so timing never tells whether an account exists."""
    account = services.store.get_account(normalize_identifier(identifier))
    now = services.clock.now()

    if account is None:
        burn_verify_time(password)
        raise InvalidCredentials()

    if account.status is Status.PROVISIONED:
        burn_verify_time(password)
        if not (account.provisional_password_hash and provisional_matches(account.provisional_password_hash, password)):
            raise InvalidCredentials()
        challenge = new_token()
        expires_at = now + timedelta(minutes=services.settings.challenge_minutes)
        services.store.put_code(Code(hash_token(challenge), Purpose.CHALLENGE, account.identifier, expires_at))
        return LoginResult("first_connection_required", challenge, expires_at)

    if not (account.password_hash and verify_password(account.password_hash, password)):
        raise InvalidCredentials()

    if account.status is Status.PENDING_VALIDATION:
        raise AccountPendingValidation(validation_deadline=iso(account.validation_deadline))

    session = new_token()
    expires_at = now + timedelta(hours=services.settings.session_hours)
    services.store.put_session(hash_token(session), account.identifier, expires_at)
    return LoginResult("authenticated", session, expires_at)
