"""Forgotten identifier: the identifiers of the accounts whose validated address it is are mailed to that address.

An address is not an account's key: siblings and their parent often share one, so one mail lists every account of
the mailbox (store: the sparse `accounts-by-mailbox` index). The request answers the same for every address; the
lookup and the mail happen off the request path, in the mail queue's consumer.
"""

from __future__ import annotations

import re

from ent_accounts import metrics
from ent_accounts.accounts import Account, Role
from ent_accounts.errors import AddressUndeliverable, InvalidRequest, TooManyRequests
from ent_accounts.links import Links
from ent_accounts.mail import compose
from ent_accounts.mail_queue import IDENTIFIER_REMINDER
from ent_accounts.services import Services

ADDRESS_MAX = 254  # RFC 5321's path limit, as the API's schema
MAX_LISTED = 20  # more accounts than any family holds; a mailbox with more (a school's?) gets the first 20
INVALID_ADDRESS = "Cette adresse mail n'est pas valide."
TOO_MANY = "Trop de demandes ont été faites pour cette adresse mail. Il faut réessayer dans une heure."
# One mailbox name, an @, a domain with a dot; no spaces. The API's schema checks more (email-validator).
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def request_identifier_reminder(services: Services, address: str, links: Links, request_id: str) -> None:
    """Queue the mailing of the identifiers of the accounts whose validated address this is: the same work, the
    same writes and the same time for every address, known or not (the lookup is made by the queue's consumer).

    The anonymous hourly allowance is kept per address (under its hash) and counted for every address, so its 429
    tells nothing either.
    """
    address = address.strip()
    if len(address) > ADDRESS_MAX or not _ADDRESS.fullmatch(address):
        raise InvalidRequest(INVALID_ADDRESS, fields={"email": INVALID_ADDRESS})
    if not services.store.take_anonymous_address_allowance(address, services.settings.mails_per_hour):
        raise TooManyRequests(TOO_MANY)
    message = {"kind": IDENTIFIER_REMINDER, "email": address, "base_url": links.base_url, "request_id": request_id}
    services.mail_queue.send(message)


def send_identifier_reminder(services: Services, address: str, links: Links, request_id: str) -> str:
    """Mail one message listing the accounts whose validated address this is (first name, role, identifier), with
    links to the login and forgotten-password pages; when there is none, nothing is sent nor recorded.

    Run from the mail queue; the outcome ("sent", or why nothing was sent) is for the log and the metrics, which
    never hold the address. Only ACTIVE accounts whose validated address receives mail are listed (the index holds
    no other). The mailbox's daily allowance is its own, apart from the forgotten-password one.
    """
    store = services.store
    accounts = store.accounts_of_mailbox(address, MAX_LISTED)
    if not accounts:
        return _refused("no_account")
    # Taken once per request: the queue handing the message over again after SES refused to send spends nothing.
    per_day = services.settings.reset_mails_per_address_per_day
    if not store.take_identifiers_mail_allowance(address, per_day, request_id):
        for account in accounts:
            store.record_event(account.identifier, "identifier_reminder_refused_address_limit", request_id)
        return _refused("address_limit")
    try:
        services.mailer.send(identifier_reminder_mail(accounts, links))
    except AddressUndeliverable:
        for account in accounts:
            store.record_event(account.identifier, "identifier_reminder_refused_undeliverable", request_id)
        return _refused("undeliverable")
    for account in accounts:
        store.record_event(account.identifier, "identifier_reminder_sent", request_id)
    metrics.count(metrics.IDENTIFIER_MAILS_SENT)
    return "sent"


def identifier_reminder_mail(accounts: list[Account], links: Links):
    """The mail to the accounts' shared address. It speaks to a parent ("vous") when any account listed is a
    parent's (a parent's mailbox holding the children's accounts too), else to a student ("tu"). Its message tag
    names the first account, so that a bounce marks the address on it (mail_events)."""
    listed = [
        {"identifier": a.identifier, "first_name": a.first_name, "role": "parent" if a.role is Role.PARENT else "élève"}
        for a in accounts
    ]
    audience = "parent" if any(a.role is Role.PARENT for a in accounts) else "eleve"
    return compose(
        "identifier_reminder",
        accounts[0].email or "",
        identifier=accounts[0].identifier,
        first_name=accounts[0].first_name if len(accounts) == 1 else None,
        accounts=listed,
        audience=audience,
        login_link=links.login(),
        forgot_password_link=links.forgot_password(),
    )


def _refused(reason: str) -> str:
    metrics.count(metrics.IDENTIFIER_MAILS_REFUSED)
    return reason
