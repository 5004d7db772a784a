"""The account model, its states and the 3-month validation deadline."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
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
    password_hash: str | None = None  # argon2id of the personal password
    email: str | None = None
    email_verified: bool = False
    pending_email: str | None = None
    validation_deadline: datetime | None = None
    validation_code_hashes: set[str] = field(default_factory=set)
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime | None = None
    version: int = 0

    @property
    def has_recovery_address(self) -> bool:
        return bool(self.email and self.email_verified)


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
