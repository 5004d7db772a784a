"""The validation mail: its code and link, written to the outbox at the first connection and at each resend (with an
optional corrected address); the outbox's sender sends it once the transaction committed (flows/outbox.py)."""

from __future__ import annotations

from ent_accounts.accounts import Account, Status, ascii_address
from ent_accounts.clock import iso
from ent_accounts.codes import Code, Purpose, hash_token, new_token
from ent_accounts.deliverability import refuse_if_known_undeliverable
from ent_accounts.errors import AddressUndeliverable, NotPending, TooManyRequests
from ent_accounts.flows.credentials import check_password, failures_forgotten_on_refusal
from ent_accounts.links import Links
from ent_accounts.outbox import VALIDATION, OutboxMail, new_outbox_id
from ent_accounts.services import Services
from ent_accounts.store import Conflict, Transaction

LIVE_LINKS = 5  # validation links that work at once; a sixth resend voids the older ones


def new_validation_code(account: Account, email: str) -> tuple[str, Code]:
    """A random link code for `email`, valid until the account's deadline (the sweep's reminders, which still mail
    before they commit)."""
    token = new_token()
    code = Code(hash_token(token), Purpose.ACCOUNT_ACTIVATION, account.identifier, account.validation_deadline, email)
    return token, code


def queue_validation_mail(services: Services, tx: Transaction, account: Account, links: Links, request_id: str) -> None:
    """Write the validation mail to the account's address into `tx`'s outbox, with its link's code (valid until the
    account's deadline) added to the account: the mail leaves once, and only if, `tx` commits (flows/outbox.py).
    Call it before `tx.save_account(account)`. AddressUndeliverable (the `email` field) when SES could never send
    to the address (not ASCII: no SMTPUTF8)."""
    if not ascii_address(account.email).isascii():
        raise AddressUndeliverable("email", audience=account.role)
    outbox_id = new_outbox_id()
    code = Code(
        services.link_key.code_hash(outbox_id),
        Purpose.ACCOUNT_ACTIVATION,
        account.identifier,
        account.validation_deadline,
        account.email,
    )
    account.validation_code_hashes.add(code.code_hash)
    account.validation_mail_id = outbox_id
    fields = {
        "deadline": iso(account.validation_deadline),
        "first_name": account.first_name or "",
        "audience": account.role,
    }
    mail = OutboxMail(outbox_id, VALIDATION, account.identifier, account.email, links.base_url, request_id, fields)
    tx.put_code(code).put_outbox(mail)


def resend_validation_mail(
    services: Services, identifier: str, password: str, email: str | None, links: Links, request_id: str
) -> None:
    """Send the validation mail again (the JSON API): the identifier and password prove who asks."""
    account = check_password(services, identifier, password, request_id, forget_failures=False)
    with failures_forgotten_on_refusal(services, account.identifier):
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
    queue_validation_mail(services, tx, account, links, request_id)
    tx.save_account(account).audit(account.identifier, "validation_mail_resent", request_id)
    if forget_failures:
        tx.clear_login_failures(account.identifier)
    try:
        tx.commit()
    except Conflict:
        # Someone changed the account meanwhile: validated it (answered with its new state), or sent it again (a
        # double click on "renvoyer": the other click's mail is on its way to the same address, this one's never
        # existed). Another address means a correction won meanwhile: the student sees it on the page and decides.
        current = store.get_account(account.identifier)
        if current is None or current.status is not Status.PENDING_VALIDATION:
            raise NotPending() from None
        if current.email != account.email:
            raise
        if forget_failures:  # the other click's write may have landed before this one's password check claimed
            store.clear_login_failures(account.identifier)
