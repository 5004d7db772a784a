"""The validation mail: its code and link, first sending and re-sending (with an optional corrected address)."""

from __future__ import annotations

from ent_accounts.accounts import Account, Status
from ent_accounts.codes import Code, Purpose, hash_token, new_token
from ent_accounts.deliverability import refuse_if_known_undeliverable
from ent_accounts.errors import AddressUndeliverable, NotPending, TooManyRequests
from ent_accounts.flows.credentials import check_password
from ent_accounts.links import Links
from ent_accounts.mail import validation_mail
from ent_accounts.services import Services
from ent_accounts.store import Conflict

LIVE_LINKS = 5  # validation links that work at once; a sixth resend voids the older ones


def new_validation_code(account: Account, email: str) -> tuple[str, Code]:
    """A link code for `email`, valid until the account's deadline (when the account itself would go)."""
    token = new_token()
    code = Code(hash_token(token), Purpose.ACCOUNT_ACTIVATION, account.identifier, account.validation_deadline, email)
    return token, code


def send_validation_mail(services: Services, account: Account, token: str, links: Links) -> None:
    """Send it to the account's address; AddressUndeliverable names the form's `email` field."""
    link = links.email_validation(token)
    mail = validation_mail(account.email, link, account.validation_deadline, account.identifier, account.first_name)
    try:
        services.mailer.send(mail)
    except AddressUndeliverable as refused:
        raise refused.for_field("email", account.role) from None


def resend_validation_mail(
    services: Services, identifier: str, password: str, email: str | None, links: Links, request_id: str
) -> None:
    """Send the validation mail again (the JSON API): the identifier and password prove who asks."""
    account = check_password(services, identifier, password, request_id, forget_failures=False)
    resend_to_account(services, account, email, links, request_id, forget_failures=True)


def resend_to_account(
    services: Services,
    account: Account,
    email: str | None,
    links: Links,
    request_id: str,
    forget_failures: bool = False,
) -> None:
    """Send the validation mail again, to a corrected address if given; the deadline never moves.

    `forget_failures`: the password was just proven right; its transaction forgets the failed logins.
    A corrected address makes the links sent to the old one useless (their codes are deleted), and clears what SES
    said about the old one. The address SES reported as undeliverable is refused: the student must correct it.
    """
    store = services.store
    if account.status is not Status.PENDING_VALIDATION:
        raise NotPending()
    corrected = bool(email) and email != account.email
    refuse_if_known_undeliverable(account, email if corrected else account.email, "email")
    if not store.take_mail_allowance(account.identifier, services.settings.mails_per_hour):
        raise TooManyRequests()

    tx = store.transaction()
    if corrected or len(account.validation_code_hashes) >= LIVE_LINKS:
        # A corrected address voids the links sent to the old one; past LIVE_LINKS resends, the older links stop
        # working too, so that the account (and the sweep's transaction deleting it) stays small.
        for old in account.validation_code_hashes:
            tx.delete_code(old)
        account.validation_code_hashes = set()
    if corrected:
        account.email = email
        account.forget_stale_undeliverable()
    token, code = new_validation_code(account, account.email)
    account.validation_code_hashes.add(code.code_hash)
    send_validation_mail(services, account, token, links)
    tx.put_code(code).save_account(account).audit(account.identifier, "validation_mail_resent", request_id)
    if forget_failures:
        tx.clear_login_failures(account.identifier)
    try:
        tx.commit()
    except Conflict:
        # Someone changed the account meanwhile: validated it (answered with its new state), or sent it again to the
        # same address (a double click on "renvoyer"): then this mail's link, already sent, is added and works too.
        current = store.get_account(account.identifier)
        if current is None or current.status is not Status.PENDING_VALIDATION:
            raise NotPending() from None
        if current.email != account.email:
            raise
        current.validation_code_hashes.add(code.code_hash)
        store.transaction().put_code(code).save_account(current).audit(
            account.identifier, "validation_mail_resent", request_id
        ).commit()
