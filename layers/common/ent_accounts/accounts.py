"""The account model, its states and the 3-month validation deadline."""

from __future__ import annotations

import calendar
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    PROVISIONED = "PROVISIONED"  # created by the school; only the provisional password works
    PENDING_VALIDATION = "PENDING_VALIDATION"  # first connection done with an e-mail, link not yet used
    ACTIVE = "ACTIVE"


class Role(StrEnum):
    STUDENT = "eleve"
    PARENT = "parent"


@dataclass
class Account:
    identifier: str
    uai: str
    role: Role
    first_name: str
    last_name: str
    status: Status = Status.PROVISIONED
    birth_date: date | None = None
    school_class: str | None = None
    provisional_password_hash: str | None = None  # SHA-256 of the random provisional password
    provisional_expires_at: datetime | None = None  # the provisional password works until then (printed on the letter)
    password_hash: str | None = None  # argon2id of the personal password
    email: str | None = None
    email_verified: bool = False
    pending_email: str | None = None
    validation_deadline: datetime | None = None
    validation_code_hashes: set[str] = field(default_factory=set)
    credential_version: int = 0  # bumped at each password change: older sessions and reset links stop working
    reminder_stage: int = 0  # reminders already mailed before deletion: 0 none, 1 a month before, 2 a week before
    # An address of this account that SES reported as not receiving our mail (permanent bounce or complaint), and
    # why ("bounce" or "complaint"). It concerns `email` or `pending_email`; it goes when that address goes.
    undeliverable_email: str | None = None
    undeliverable_reason: str | None = None
    created_at: datetime | None = None
    created_by: str | None = (
        None  # who created it (the caller's IAM identity): a bulk import writes no event per account
    )
    # The account's name for the services it signs in to (OIDC `sub`): random, stable, never the identifier, set at
    # creation (an account created before it existed gets one at its first sign-in to a service).
    subject: str | None = None
    # Set once the account is linked to a parent or a child (store/families.py); never cleared. The sweep's delete
    # is conditional on its absence, so an expiring account with links is deleted with them (flows/expiry.py).
    linked: bool = False
    # The outbox mail (its id) holding the latest validation link sent: the pending page says if it could not leave.
    validation_mail_id: str | None = None
    version: int = 0

    @property
    def has_recovery_address(self) -> bool:
        return bool(self.email and self.email_verified)

    @property
    def recovery_mailbox(self) -> str | None:
        """The digest of the address that may be told this account's identifier (mailbox_digest): an ACTIVE
        account's validated address that receives mail; None otherwise (a pending or unvalidated address never)."""
        if self.status is not Status.ACTIVE or not self.has_recovery_address or self.is_undeliverable(self.email):
            return None
        return mailbox_digest(self.email or "")

    def provisional_password_valid(self, now: datetime) -> bool:
        """A provisional password works for a limited time; an account without a recorded limit fails closed."""
        return (
            self.status is Status.PROVISIONED
            and bool(self.provisional_password_hash)
            and self.provisional_expires_at is not None
            and now < self.provisional_expires_at
        )

    def is_undeliverable(self, address: str | None) -> bool:
        """True when SES told us mail to this address of the account does not arrive."""
        return bool(address and self.undeliverable_email and same_address(address, self.undeliverable_email))

    def clear_undeliverable(self) -> None:
        self.undeliverable_email = self.undeliverable_reason = None

    def forget_stale_undeliverable(self) -> None:
        """Drop the mark once its address is neither the account's address nor the one waiting for confirmation."""
        if not (self.is_undeliverable(self.email) or self.is_undeliverable(self.pending_email)):
            self.clear_undeliverable()


def same_address(a: str, b: str) -> bool:
    """Addresses as mail servers compare them in practice: case-insensitive, domain in its ASCII (IDNA) form."""
    return ascii_address(a).casefold() == ascii_address(b).casefold()


def ascii_address(address: str) -> str:
    """The address with its domain in IDNA form (SES takes only ASCII domains); the local part is kept as is."""
    local, _, domain = address.rpartition("@")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}" if local else address
    except UnicodeError:
        return address


def mailbox_digest(address: str) -> str:
    """The SHA-256 (hex) of an address as `same_address` compares it: the key of what is kept per mailbox (mail
    allowances, the index of the accounts whose validated address it is), which never holds the address itself."""
    return hashlib.sha256(ascii_address(address.strip()).casefold().encode("utf-8")).hexdigest()


SUBJECT_BYTES = 16  # 128 random bits: unique among every account ever made, and says nothing about the person


def new_subject() -> str:
    return secrets.token_urlsafe(SUBJECT_BYTES)


IDENTIFIER_MAX = 64  # longer than any identifier a school issues (and far below DynamoDB's key limit)


def normalize_identifier(raw: str) -> str:
    """Identifiers are case-insensitive on input and stored lower-case."""
    return raw.strip().lower()


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, clamped to the month's end: 30 November + 3 months = 28 (or 29) February."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def validation_deadline(first_mail_sent_at: datetime, months: int = 3) -> datetime:
    """The moment a pending account is deleted: counted from the first validation mail, never moved."""
    return add_months(first_mail_sent_at, months)


REMINDER_STAGES = {1: "month", 2: "week"}


def reminder_time(deadline: datetime, stage: int) -> datetime:
    """When reminder `stage` is due: one calendar month, then one week, before the deadline."""
    return add_months(deadline, -1) if stage == 1 else deadline - timedelta(days=7)


def next_event_at(account: Account) -> datetime | None:
    """When the sweep must next look at a pending account: its next reminder, or its deletion."""
    if account.status is not Status.PENDING_VALIDATION or account.validation_deadline is None:
        return None
    if account.reminder_stage < 2:
        return reminder_time(account.validation_deadline, account.reminder_stage + 1)
    return account.validation_deadline


@dataclass(frozen=True)
class DueAccount:
    """A pending account the sweep must look at now (its next reminder or its deletion is due), as the index has it."""

    identifier: str
    code_hashes: frozenset[str]  # its validation links, deleted with it
    expires_at: datetime  # its validation deadline


def due_reminder(account: Account, now: datetime) -> int | None:
    """The reminder stage to mail now (the latest one due, never one already sent), or None."""
    deadline = account.validation_deadline
    if account.status is not Status.PENDING_VALIDATION or deadline is None or now >= deadline:
        return None
    due = [stage for stage in (1, 2) if now >= reminder_time(deadline, stage)]
    return due[-1] if due and due[-1] > account.reminder_stage else None
