"""Forgotten password: a single-use link mailed to the validated address, then a new password."""

from __future__ import annotations

from datetime import timedelta

from ent_accounts.accounts import Account, Status, normalize_identifier, same_address
from ent_accounts.codes import Code, Purpose, hash_token, looks_like_token, new_token
from ent_accounts.deliverability import can_receive
from ent_accounts.errors import (
    AddressUndeliverable,
    InvalidOrExpiredCode,
    InvalidRequest,
    ServiceBusy,
    TooManyRequests,
)
from ent_accounts.flows.validation_mail import reset_link
from ent_accounts.mail import compose
from ent_accounts.passwords import hash_password, policy_error
from ent_accounts.services import Services
from ent_accounts.store import Conflict


def request_password_reset(services: Services, identifier: str, base_url: str, request_id: str) -> None:
    """Mail a reset link when the account has a validated address; say nothing about which case it was.

    The hourly mail allowance is counted for every identifier, known or not, so its 429 tells nothing either.
    """
    store = services.store
    identifier = normalize_identifier(identifier)
    if not store.take_mail_allowance(identifier, services.settings.mails_per_hour):
        raise TooManyRequests()
    account = store.get_account(identifier)
    if account is None:
        return
    if account.status is not Status.ACTIVE or not account.has_recovery_address:
        store.record_event(identifier, "password_reset_refused_no_address", request_id)
        return
    if not can_receive(account, account.email):
        # SES reported that this address bounces: another mail would only hurt the sender's reputation.
        store.record_event(identifier, "password_reset_refused_undeliverable", request_id)
        return
    now = services.clock.now()
    token = new_token()
    expires_at = now + timedelta(minutes=services.settings.reset_link_minutes)
    code = Code(
        hash_token(token),
        Purpose.PASSWORD_RESET,
        identifier,
        expires_at,
        account.email,
        credential_version=account.credential_version,
    )
    mail = compose(
        "password_reset", account.email, identifier=identifier, link=reset_link(base_url, token), expires_at=expires_at
    )
    try:
        services.mailer.send(mail)
    except AddressUndeliverable:
        # The same answer as for every other case: whether the account has a working address is nobody's business.
        store.record_event(identifier, "password_reset_refused_undeliverable", request_id)
        return
    store.transaction().put_code(code).audit(identifier, "password_reset_requested", request_id).commit()


def usable_reset_code(services: Services, token: str) -> tuple[Code, Account]:
    """The reset code and its account, or InvalidOrExpiredCode (forged, used, expired, or password changed since)."""
    code = services.store.get_code(hash_token(token)) if looks_like_token(token) else None
    if code is None or code.purpose is not Purpose.PASSWORD_RESET or code.used:
        raise InvalidOrExpiredCode("Ce lien de réinitialisation n'est pas valide, a déjà servi ou a expiré.")
    account = services.store.get_account(code.identifier)
    if (
        account is None
        or account.status is not Status.ACTIVE
        or account.credential_version != code.credential_version
        # The link was mailed to the account's validated address: once the address changes, it dies.
        or not account.has_recovery_address
        or not code.email
        or not same_address(code.email, account.email)
    ):
        raise InvalidOrExpiredCode("Ce lien de réinitialisation n'est pas valide, a déjà servi ou a expiré.")
    return code, account


def reset_password(services: Services, token: str, new_password: str, request_id: str) -> Account:
    """Set the new password; every session of the account ends and the lock-out is lifted."""
    code, account = usable_reset_code(services, token)
    if reason := policy_error(new_password, account.identifier, context=(account.first_name, account.last_name)):
        raise InvalidRequest("Le mot de passe n'est pas assez sûr.", fields={"new_password": reason})
    account.password_hash = hash_password(new_password)
    account.credential_version += 1  # every session and every link asked for with the old password stops working
    account.pending_email = None  # an address change asked for with the old password is void
    account.forget_stale_undeliverable()
    tx = services.store.transaction().use_code(code.code_hash).save_account(account)
    tx.clear_login_failures(account.identifier).audit(account.identifier, "password_reset", request_id)
    try:
        # Retried when only cancelled by a write in flight, e.g. a failed login counted at the same moment.
        tx.commit(retries=2)
    except Conflict as conflict:
        if "ConditionalCheckFailed" not in conflict.reasons:
            raise ServiceBusy() from None  # still in conflict with other writes: nothing was written, try again
        raise InvalidOrExpiredCode("Ce lien de réinitialisation a déjà servi.") from None
    if can_receive(account, account.email):
        notice = compose(
            "password_changed", account.email, identifier=account.identifier, changed_at=services.clock.now()
        )
        services.mailer.send_notice(notice)
    return account
