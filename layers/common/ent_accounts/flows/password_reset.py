"""Forgotten password: a single-use link mailed to the validated address, then a new password."""

from __future__ import annotations

from datetime import timedelta

from ent_accounts import metrics
from ent_accounts.accounts import Account, Status, normalize_identifier, same_address
from ent_accounts.clock import iso
from ent_accounts.codes import Code, Purpose, hash_token, looks_like_token
from ent_accounts.deliverability import can_receive
from ent_accounts.errors import InvalidOrExpiredCode, ServiceBusy, TooManyRequests
from ent_accounts.flows.credentials import notify_password_changed, replace_password
from ent_accounts.links import Links
from ent_accounts.mail_queue import PASSWORD_RESET
from ent_accounts.outbox import PASSWORD_RESET as PASSWORD_RESET_MAIL
from ent_accounts.outbox import OutboxMail, new_outbox_id
from ent_accounts.services import Services
from ent_accounts.store import Conflict


def request_password_reset(services: Services, identifier: str, links: Links, request_id: str) -> None:
    """Queue the mailing of a reset link: the same work, the same writes and the same time for every identifier.

    Whether the account exists or has a validated address is decided off the request path (send_password_reset, run
    by the queue's consumer), so neither the answer nor its time tells. The anonymous hourly allowance is counted for
    every identifier, known or not, so its 429 tells nothing either, and it is not the owner's own allowance:
    someone asking for links in the owner's name cannot block the owner's resend or address change.
    """
    identifier = normalize_identifier(identifier)
    if not services.store.take_anonymous_mail_allowance(identifier, services.settings.mails_per_hour):
        raise TooManyRequests()
    message = {"kind": PASSWORD_RESET, "identifier": identifier, "base_url": links.base_url, "request_id": request_id}
    services.mail_queue.send(message)


def send_password_reset(services: Services, identifier: str, links: Links, request_id: str) -> str:
    """Mail a reset link when the account has a validated address that receives mail; otherwise record why not.

    Run from the mail queue; the outcome ("sent": written to the outbox with its code, or why nothing was sent) is
    for the log and the metrics. The outbox's sender sends it (SES throttling retried there); a mail it could not
    send at all is marked failed there.
    """
    store = services.store
    account = store.get_account(identifier)
    if account is None:
        return _refused("no_account")
    if account.status is not Status.ACTIVE or not account.has_recovery_address:
        store.record_event(identifier, "password_reset_refused_no_address", request_id)
        return _refused("no_address")
    if not can_receive(account, account.email):
        # SES reported that this address bounces: another mail would only hurt the sender's reputation.
        store.record_event(identifier, "password_reset_refused_undeliverable", request_id)
        return _refused("undeliverable")
    if not store.take_address_allowance(account.email, services.settings.reset_mails_per_address_per_day):
        # Several accounts may share this mailbox (siblings, a parent): each has its own hourly allowance, the
        # mailbox has this daily one.
        store.record_event(identifier, "password_reset_refused_address_limit", request_id)
        return _refused("address_limit")
    # The link's mail goes to the outbox in the transaction that stores its code: it leaves once, and only if, the
    # code is stored (flows/outbox.py), so a queued request handed over twice stores and mails once each time at most.
    expires_at = services.clock.now() + timedelta(minutes=services.settings.reset_link_minutes)
    outbox_id = new_outbox_id()
    code = Code(
        services.link_key.code_hash(outbox_id),
        Purpose.PASSWORD_RESET,
        identifier,
        expires_at,
        account.email,
        credential_version=account.credential_version,
    )
    fields = {"expires_at": iso(expires_at), "first_name": account.first_name or "", "audience": account.role}
    mail = OutboxMail(outbox_id, PASSWORD_RESET_MAIL, identifier, account.email, links.base_url, request_id, fields)
    tx = store.transaction().put_code(code).put_outbox(mail)
    tx.audit(identifier, "password_reset_requested", request_id).commit()
    metrics.count(metrics.RESET_MAILS_SENT)
    return "sent"


def _refused(reason: str) -> str:
    metrics.count(metrics.RESET_MAILS_REFUSED)
    return reason


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
    replace_password(account, new_password)
    tx = services.store.transaction().use_code(code.code_hash).save_account(account)
    tx.clear_login_failures(account.identifier).audit(account.identifier, "password_reset", request_id)
    try:
        # Retried when only cancelled by a write in flight, e.g. a failed login counted at the same moment.
        tx.commit(retries=2)
    except Conflict as conflict:
        if not conflict.changed:
            raise ServiceBusy() from None  # still in conflict with other writes: nothing was written, try again
        raise InvalidOrExpiredCode("Ce lien de réinitialisation a déjà servi.") from None
    notify_password_changed(services, account)  # the link was mailed to the validated address: it hears of it
    return account
