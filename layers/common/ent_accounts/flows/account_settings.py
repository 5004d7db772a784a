"""« Gérer son compte »: see the account, change the e-mail address (confirmed by a link), change the password."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from ent_accounts.accounts import Account, ascii_address, same_address
from ent_accounts.clock import iso
from ent_accounts.codes import Code, Purpose
from ent_accounts.deliverability import can_receive, refuse_if_known_undeliverable, undeliverable_view
from ent_accounts.errors import AddressUndeliverable, InvalidCredentials, InvalidRequest, TooManyRequests
from ent_accounts.flows.credentials import (
    check_password,
    failures_forgotten_on_refusal,
    notify_password_changed,
    replace_password,
)
from ent_accounts.flows.sessions import SignedIn, open_session
from ent_accounts.links import Links
from ent_accounts.outbox import EMAIL_CHANGE, EMAIL_CHANGE_NOTICE, OutboxMail, new_outbox_id
from ent_accounts.services import Services
from ent_accounts.sessions import Session
from ent_accounts.store import Transaction
from ent_accounts.wording import Say

SAME_ADDRESSES = "Les deux adresses ne sont pas identiques."
ALREADY_YOURS = Say(
    "C'est déjà l'adresse de ton compte.",
    "C'est déjà l'adresse de votre compte.",
    "C'est déjà l'adresse de ce compte.",
)
# Said next to the current password of a signed-in form: no identifier was typed there, unlike at the login.
WRONG_CURRENT_PASSWORD = Say(
    "Ton mot de passe actuel est incorrect.",
    "Votre mot de passe actuel est incorrect.",
    "Le mot de passe actuel est incorrect.",
)


def account_view(account: Account) -> dict[str, Any]:
    """What GET /api/account shows: never a secret."""
    return {
        "identifier": account.identifier,
        "role": account.role.value,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "status": account.status.value,
        "email": account.email,
        "email_verified": account.email_verified,
        "pending_email": account.pending_email,
        "validation_deadline": iso(account.validation_deadline) if account.validation_deadline else None,
        # SES reported that mail to `email` or `pending_email` does not arrive: the page asks for another address.
        "email_undeliverable": undeliverable_view(account),
    }


def request_email_change(
    services: Services,
    signed_in: SignedIn,
    current_password: str,
    new_email: str,
    confirmation: str,
    links: Links,
    request_id: str,
) -> Account:
    """Mail a confirmation link to the new address and a notice to the old one (through the outbox, once the change
    is stored); the address changes on the link. The account as now stored (its address waiting for confirmation) is
    returned.
    """
    if not same_address(new_email, confirmation):
        raise InvalidRequest(SAME_ADDRESSES, fields={"new_email_confirmation": SAME_ADDRESSES})
    account = _check_password(services, signed_in, current_password, request_id)
    with failures_forgotten_on_refusal(services, account.identifier):
        if account.email and same_address(account.email, new_email) and account.email_verified:
            raise InvalidRequest(ALREADY_YOURS, fields={"new_email": ALREADY_YOURS}, audience=account.role)
        refuse_if_known_undeliverable(account, new_email, "new_email")
        if not services.store.take_mail_allowance(account.identifier, services.settings.mails_per_hour):
            raise TooManyRequests()
        tx = services.store.transaction()
        queue_email_change(services, tx, account, new_email, links, request_id, "new_email")
        tx.save_account(account).clear_login_failures(account.identifier)
        # Sent again when cancelled only by a write in flight (a failed login counted at that moment).
        tx.audit(account.identifier, "email_change_requested", request_id).commit(retries=2)
    return account


def queue_email_change(
    services: Services, tx: Transaction, account: Account, new_email: str, links: Links, request_id: str, field: str
) -> None:
    """Make `new_email` the account's address waiting for confirmation, and write into `tx`'s outbox its link's mail
    (and the notice to the validated address, when there is one that receives mail): they leave once, and only if,
    `tx` commits. Call it before `tx.save_account(account)`.

    The link works only while the credentials it was asked with are current: a password change or reset (which also
    drops the waiting address) voids it, so someone who once knew the password cannot take the account through it.
    AddressUndeliverable names the form's `field` (an address SES could never send to: not ASCII).
    """
    if not ascii_address(new_email).isascii():
        raise AddressUndeliverable(field, audience=account.role)
    outbox_id = new_outbox_id()
    expires_at = services.clock.now() + timedelta(hours=services.settings.email_change_link_hours)
    code = Code(
        services.link_key.code_hash(outbox_id),
        Purpose.EMAIL_CHANGE,
        account.identifier,
        expires_at,
        new_email,
        credential_version=account.credential_version,
    )
    account.pending_email = new_email
    account.forget_stale_undeliverable()
    fields = {"expires_at": iso(expires_at), "first_name": account.first_name or "", "audience": account.role}
    tx.put_code(code).put_outbox(
        OutboxMail(outbox_id, EMAIL_CHANGE, account.identifier, new_email, links.base_url, request_id, fields)
    )
    if account.email and account.email_verified and can_receive(account, account.email):
        notice = OutboxMail(
            new_outbox_id(),
            EMAIL_CHANGE_NOTICE,
            account.identifier,
            account.email,
            links.base_url,
            request_id,
            {"first_name": account.first_name or "", "audience": account.role},
        )
        tx.put_outbox(notice)


def change_password(
    services: Services, signed_in: SignedIn, current_password: str, new_password: str, request_id: str
) -> tuple[str, Session]:
    """Change the password; every session ends, and the caller gets a new one."""
    account = _check_password(services, signed_in, current_password, request_id)
    with failures_forgotten_on_refusal(services, account.identifier):
        replace_password(account, new_password)
        tx = services.store.transaction().save_account(account).clear_login_failures(account.identifier)
        tx.audit(account.identifier, "password_changed", request_id).commit(retries=2)
    notify_password_changed(services, account)
    return open_session(services, account)


def check_current_password(services: Services, signed_in: SignedIn, password: str, request_id: str) -> None:
    """Only check the current password, for a form of « gérer son compte » refused for its other fields (a weak or
    mistyped new password, an address that is not one), so that the page says at once whether the current password
    is right too; InvalidCredentials (WRONG_CURRENT_PASSWORD) or AccountLocked, and nothing changes.

    It is checked exactly as the change would check it, and its outcome counts the same: a wrong current password is
    a guess like any other and counts toward the lock-out (its holder sent it, and would only have sent it again with
    the corrected form, told nothing in between); a right one forgets the failures, as every proven password does.
    So checking it early never counts a failure the change would not, nor lets a guess go uncounted, and the student
    learns every mistake at the first try instead of one per try. A form sent without it is not checked."""
    _check_password(services, signed_in, password, request_id, forget_failures=True)


def _check_password(
    services: Services, signed_in: SignedIn, password: str, request_id: str, forget_failures: bool = False
) -> Account:
    """The signed-in account, once its current password is proven (against the account and counter as the session
    check read them, when it read the counter). A copy is returned to change: the caller's stays as stored (a page
    shows it after a refusal). The failures are forgotten by the caller's transaction, not by a write of their own,
    unless `forget_failures`. A wrong password says so in the words of a signed-in form (WRONG_CURRENT_PASSWORD, also
    next to `current_password`), not the login's, which names an identifier."""
    account, throttle = signed_in.account, signed_in.throttle
    already_read = (copy.deepcopy(account), throttle) if throttle is not None else None
    try:
        return check_password(
            services,
            account.identifier,
            password,
            request_id,
            already_read=already_read,
            forget_failures=forget_failures,
        )
    except InvalidCredentials:
        fields = {"current_password": WRONG_CURRENT_PASSWORD}
        raise InvalidCredentials(WRONG_CURRENT_PASSWORD, fields=fields, audience=account.role) from None
