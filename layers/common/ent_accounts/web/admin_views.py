"""The school routes' answers, built from the use cases' results: what a school sees of an account, never a secret
except the provisional password it has just been given."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.clock import iso
from ent_accounts.flows.provisioning import Issued
from ent_accounts.letters import Letter
from ent_accounts.schools import NewAccount, SchoolAccount
from ent_accounts.web.admin_schemas import NewAccountRow


def new_accounts(rows: list[NewAccountRow]) -> list[NewAccount]:
    return [
        NewAccount(row.last_name, row.first_name, _role(row.role), row.birth_date, row.school_class) for row in rows
    ]


def import_payload(rows: list[NewAccount]) -> list[list[str | None]]:
    """The rows as they count for "the same request" (an idempotency key re-sent with other rows is refused)."""
    return [[r.last_name, r.first_name, _date(r.birth_date), r.role.value, r.school_class] for r in rows]


def kept_answer(issued: list[Issued], login_url: str) -> dict[str, Any]:
    """What the replay of an import needs besides the request itself (kept small: the idempotency record ≤ 400 KB)."""
    return {
        "login_url": login_url,
        "issued": [
            [one.row, one.account.identifier, one.provisional_password, iso(one.account.provisional_expires_at)]
            for one in issued
        ],
    }


def created_answer(uai: str, rows: list[NewAccountRow], kept: dict[str, Any]) -> dict[str, Any]:
    accounts = []
    for row, identifier, password, expires in kept["issued"]:
        asked = rows[row]
        accounts.append(
            {
                "row": row,
                "identifier": identifier,
                "provisional_password": password,
                "provisional_expires_at": expires,
                "last_name": asked.last_name,
                "first_name": asked.first_name,
                "role": _role(asked.role).value,
                "birth_date": _date(asked.birth_date),
                "class": asked.school_class,
            }
        )
    return {"uai": uai, "login_url": kept["login_url"], "accounts": accounts}


def reset_answer(issued: Issued, uai: str, login_url: str) -> dict[str, Any]:
    account = issued.account
    return {
        "uai": uai,
        "login_url": login_url,
        "status": account.status.value,
        "row": 0,
        "identifier": account.identifier,
        "provisional_password": issued.provisional_password,
        "provisional_expires_at": iso(account.provisional_expires_at),
        "last_name": account.last_name,
        "first_name": account.first_name,
        "role": account.role.value,
        "birth_date": _date(account.birth_date),
        "class": account.school_class,
    }


def listed(account: SchoolAccount | Account, now: datetime) -> dict[str, Any]:
    status = account.status
    deadline = {
        Status.PENDING_VALIDATION: account.validation_deadline,  # validate the address, or the account goes
        Status.PROVISIONED: account.provisional_expires_at,  # first connection, or the letter stops working
    }.get(status)
    return {
        "identifier": account.identifier,
        "role": str(account.role),  # Role is a StrEnum: its str() is its value
        "first_name": account.first_name,
        "last_name": account.last_name,
        "class": account.school_class,
        "status": status.value,
        "email_verified": account.email_verified,
        "validation_deadline": _instant(account.validation_deadline),
        "provisional_expires_at": _instant(account.provisional_expires_at),
        "deadline": _instant(deadline),
        "deadline_passed": bool(deadline and deadline <= now),
    }


def detail(account: Account, now: datetime) -> dict[str, Any]:
    return {
        **listed(account, now),
        "uai": account.uai,
        "birth_date": _date(account.birth_date),
        "has_email": bool(account.email),
        "created_at": _instant(account.created_at),
    }


def letter(issued: Issued, login_url: str, school_name: str | None = None) -> Letter:
    account = issued.account
    return Letter(
        uai=account.uai,
        last_name=account.last_name,
        first_name=account.first_name,
        role=account.role.value,
        school_class=account.school_class,
        identifier=account.identifier,
        provisional_password=issued.provisional_password,
        valid_until=account.provisional_expires_at,
        login_url=login_url,
        school_name=school_name,
    )


def letters_file_name(uai: str, school_class: str | None) -> str:
    suffix = re.sub(r"[^A-Za-z0-9]+", "-", school_class or "").strip("-")
    return f"lettres-{uai}{'-' + suffix if suffix else ''}.pdf"


def _role(value: str) -> Role:
    return Role(value)


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _instant(value: datetime | None) -> str | None:
    return iso(value) if value else None
