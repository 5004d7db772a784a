"""Validation of an e-mail address through the link of a mail."""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts import metrics
from ent_accounts.accounts import Account, Status
from ent_accounts.codes import Purpose, hash_token, looks_like_token
from ent_accounts.errors import InvalidOrExpiredCode
from ent_accounts.services import Services
from ent_accounts.store import Conflict

LINK_PURPOSES = (Purpose.ACCOUNT_ACTIVATION, Purpose.EMAIL_CHANGE)


@dataclass(frozen=True)
class ValidationResult:
    status: str  # "validated", or "already_validated" for a second click on a link that worked
    purpose: Purpose
    role: str | None = None  # whose account: the page speaks to a student or a parent


def validate_email(services: Services, token: str, request_id: str) -> ValidationResult:
    store = services.store
    code = store.get_code(hash_token(token)) if looks_like_token(token) else None
    if code is None or code.purpose not in LINK_PURPOSES:
        raise InvalidOrExpiredCode()
    account = store.get_account(code.identifier)  # None once the account expired or was deleted
    if account is None:
        raise InvalidOrExpiredCode()
    if _already_confirmed(account, code.email):
        return ValidationResult("already_validated", code.purpose, account.role)
    if code.purpose is Purpose.ACCOUNT_ACTIVATION:
        if code.used or account.status is not Status.PENDING_VALIDATION or account.email != code.email:
            raise InvalidOrExpiredCode()
        account.status = Status.ACTIVE
        account.validation_deadline = None
        account.validation_code_hashes = set()
        account.reminder_stage = 0
        event = "email_validated"
    else:  # an address change: only the latest address asked for can be confirmed
        if (
            code.used
            or account.status is not Status.ACTIVE
            or account.pending_email != code.email
            # Asked with credentials that are no longer current (a password change or reset since): void.
            or code.credential_version != account.credential_version
        ):
            raise InvalidOrExpiredCode()
        account.email, account.pending_email = code.email, None
        event = "email_changed"
    account.email_verified = True
    account.clear_undeliverable()  # the link came through: the address receives mail
    tx = store.transaction().use_code(code.code_hash).save_account(account)
    tx.audit(account.identifier, event, request_id)
    try:
        tx.commit()
    except Conflict:
        # A double click: the other request validated it first. Anything else means the link is stale.
        current = store.get_account(code.identifier)
        if current is not None and _already_confirmed(current, code.email):
            return ValidationResult("already_validated", code.purpose, current.role)
        raise InvalidOrExpiredCode() from None
    metrics.count(metrics.VALIDATIONS)
    return ValidationResult("validated", code.purpose, account.role)


def _already_confirmed(account: Account, email: str | None) -> bool:
    return account.email_verified and account.email == email and account.status is Status.ACTIVE
