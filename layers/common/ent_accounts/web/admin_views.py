"""The school routes' answers, built from the use cases' results: what a school sees of an account, never a secret
except the provisional password it has just been given."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.clock import iso
from ent_accounts.flows.provisioning import ImportResult, Issued, Person
from ent_accounts.letters import Letter
from ent_accounts.schools import NewAccount, NewResponsable, SchoolAccount
from ent_accounts.web.admin_schemas import NewAccountRow


def new_accounts(rows: list[NewAccountRow]) -> list[NewAccount]:
    return [
        NewAccount(
            row.last_name,
            row.first_name,
            _role(row.role),
            row.birth_date,
            row.school_class,
            line=row.line,
            email=row.email,
            responsables=tuple(
                NewResponsable(r.last_name, r.first_name, r.email, r.relation) for r in row.responsables
            ),
            homonym=row.homonym,
        )
        for row in rows
    ]


def import_payload(rows: list[NewAccount]) -> list[list]:
    """The rows as they count for "the same request" (an idempotency key re-sent with other rows is refused)."""
    payload: list[list] = []
    for r in rows:
        one: list = [r.last_name, r.first_name, _date(r.birth_date), r.role.value, r.school_class]
        if r.line or r.email or r.responsables or r.homonym:  # the payload of older requests is unchanged
            one += [r.line, r.email, [[p.last_name, p.first_name, p.email] for p in r.responsables], r.homonym]
        payload.append(one)
    return payload


def kept_answer(result: ImportResult, login_url: str) -> dict[str, Any]:
    """What the replay of an import needs besides the request itself (kept small: the idempotency record ≤ 400 KB).

    A person is named by their row and, for a responsable, their index in that row: names come from the request."""
    index = {(p.row, p.responsable): n for n, p in enumerate(result.persons)}

    def children(person: Person) -> list[int] | None:
        return [child.row for child in result.children(person)] if person.role is Role.PARENT else None

    kept: dict[str, Any] = {
        "login_url": login_url,
        "issued": [
            [one.row, one.account.identifier, one.provisional_password, iso(one.account.provisional_expires_at)]
            + (
                [one.responsable, children(result.persons[index[one.row, one.responsable]])]
                if one.account.role is Role.PARENT
                else []
            )
            for one in result.issued
        ],
    }
    if result.existing:
        kept["existing"] = [
            [p.row, p.responsable, p.identifier, p.account.school_class, p.previous_class, children(p)]
            for p in result.existing
        ]
    if result.links:
        kept["links"] = [list(pair) for pair in result.links]
    return kept


def created_answer(uai: str, rows: list[NewAccountRow], kept: dict[str, Any]) -> dict[str, Any]:
    identifiers = {entry[0]: entry[1] for entry in kept["issued"] if len(entry) == 4}  # rows' own accounts
    identifiers.update({entry[0]: entry[2] for entry in kept.get("existing", []) if entry[1] == -1})

    def named(row: int, responsable: int):
        asked = rows[row]
        return asked if responsable < 0 else asked.responsables[responsable]

    def children(child_rows: list[int] | None) -> dict:
        if child_rows is None:
            return {}
        return {
            "children": [
                {
                    "identifier": identifiers.get(row),
                    "first_name": rows[row].first_name,
                    "last_name": rows[row].last_name,
                    "class": rows[row].school_class,
                }
                for row in child_rows
            ]
        }

    accounts = []
    for entry in kept["issued"]:
        row, identifier, password, expires = entry[:4]
        responsable, child_rows = entry[4:6] if len(entry) > 4 else (-1, None)
        asked = named(row, responsable)
        parent = responsable >= 0 or _role(rows[row].role) is Role.PARENT
        accounts.append(
            {
                "row": row,
                "identifier": identifier,
                "provisional_password": password,
                "provisional_expires_at": expires,
                "last_name": asked.last_name,
                "first_name": asked.first_name,
                "role": Role.PARENT.value if parent else Role.STUDENT.value,
                "birth_date": None if responsable >= 0 else _date(asked.birth_date),
                "class": None if responsable >= 0 else asked.school_class,
                **children(child_rows),
            }
        )
    existing = []
    for row, responsable, identifier, school_class, previous_class, child_rows in kept.get("existing", []):
        asked = named(row, responsable)
        parent = responsable >= 0 or _role(rows[row].role) is Role.PARENT
        existing.append(
            {
                "row": row,
                "identifier": identifier,
                "role": Role.PARENT.value if parent else Role.STUDENT.value,
                "first_name": asked.first_name,
                "last_name": asked.last_name,
                "class": school_class,
                **({"previous_class": previous_class} if previous_class else {}),
                **children(child_rows),
            }
        )
    links = [{"parent": parent, "child": child} for parent, child in kept.get("links", [])]
    # `existing` and `links` only when there are some: a first import answers as before.
    return {
        "uai": uai,
        "login_url": kept["login_url"],
        "accounts": accounts,
        **({"existing": existing} if existing else {}),
        **({"links": links} if links else {}),
    }


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


def listed_with_family(account: SchoolAccount, now: datetime) -> dict[str, Any]:
    family = [
        {"identifier": identifier, "first_name": first, "last_name": last, "class": school_class}
        for identifier, first, last, school_class in account.linked
    ]
    return {**listed(account, now), ("children" if account.role == Role.PARENT else "responsables"): family}


def detail(account: Account, now: datetime, linked: list[Account] | None = None) -> dict[str, Any]:
    family = [linked_person(one) for one in linked or []]
    return {
        **listed(account, now),
        "uai": account.uai,
        "birth_date": _date(account.birth_date),
        "has_email": bool(account.email),
        "created_at": _instant(account.created_at),
        ("children" if account.role is Role.PARENT else "responsables"): family,
    }


def linked_person(account: Account) -> dict[str, Any]:
    return {
        "identifier": account.identifier,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "class": account.school_class,
    }


def letter(issued: Issued, login_url: str, school_name: str | None = None, children: tuple[str, ...] = ()) -> Letter:
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
        children=children,
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
