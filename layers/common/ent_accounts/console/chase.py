"""Accounts to chase: pending accounts whose deadline (their deletion) falls within N weeks, soonest first, and
letters never used whose provisional password expires within N weeks (or already has), by class; and the reminder
letters a school prints for the pending ones."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ent_accounts.accounts import Status
from ent_accounts.console.dashboard import pending_soon, provisional_expired, provisional_soon
from ent_accounts.console.labels import class_key, class_label, fold, role_label
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.letters import ReminderLetter, child_line
from ent_accounts.schools import SchoolAccount
from ent_accounts.services import Services

DEFAULT_WEEKS = 4
WEEK_CHOICES = (1, 2, 4, 8, 13)  # 13 weeks: the whole 3-month validation period


@dataclass(frozen=True)
class ChaseRow:
    identifier: str
    name: str  # "Jeanne Dupont (4e B)", a parent without class
    role_label: str
    class_label: str
    deadline: datetime | None
    days_left: int | None  # whole days until the deadline (0: today); None: already passed
    path: str


@dataclass(frozen=True)
class ClassGroup:
    label: str
    rows: list[ChaseRow]


@dataclass(frozen=True)
class ChaseList:
    weeks: int
    week_choices: tuple[int, ...]
    pending: list[ChaseRow]  # soonest deadline first
    provisional: list[ClassGroup]  # by class; in a class, the expired first then by expiry, then by name
    provisional_count: int
    reminders_path: str | None  # the PDF of reminder letters (None: nobody to remind)
    letters_path: str | None  # where letters are reissued (new provisional passwords): only when allowed
    problems: list[str]


def read_weeks(query: Mapping[str, str | None]) -> tuple[int, list[str]]:
    raw = (query.get("semaines") or "").strip()
    if not raw:
        return DEFAULT_WEEKS, []
    if re.fullmatch(r"[0-9]{1,2}", raw) and 1 <= int(raw) <= max(WEEK_CHOICES):
        return int(raw), []
    return DEFAULT_WEEKS, [
        f"Le nombre de semaines doit être compris entre 1 et {max(WEEK_CHOICES)} : voici les {DEFAULT_WEEKS} "
        "prochaines semaines."
    ]


def _row(account: SchoolAccount, deadline: datetime | None, now: datetime, paths: SchoolPaths) -> ChaseRow:
    name = child_line(account.first_name, account.last_name, account.school_class if account.role == "eleve" else None)
    left = None if deadline is None or deadline <= now else (deadline - now) // timedelta(days=1)
    return ChaseRow(
        account.identifier,
        name,
        role_label(account.role),
        class_label(account.school_class),
        deadline,
        left,
        paths.account(account.identifier),
    )


def _by_name(account: SchoolAccount) -> tuple:
    return (fold(account.last_name), fold(account.first_name), account.identifier)


def chase_list(
    accounts: list[SchoolAccount],
    now: datetime,
    paths: SchoolPaths,
    query: Mapping[str, str | None],
    allowed: set[str] | frozenset[str] = frozenset(),
) -> ChaseList:
    weeks, problems = read_weeks(query)
    pending = sorted(pending_soon(accounts, now, weeks), key=lambda a: (a.validation_deadline, *_by_name(a)))
    unused = provisional_expired(accounts, now) + provisional_soon(accounts, now, weeks)
    groups: dict[str | None, list[SchoolAccount]] = {}
    for account in unused:
        groups.setdefault(account.school_class or None, []).append(account)

    def in_class(account: SchoolAccount) -> tuple:
        expires = account.provisional_expires_at
        return (expires is not None and expires > now, expires or now, *_by_name(account))

    return ChaseList(
        weeks=weeks,
        week_choices=WEEK_CHOICES,
        pending=[_row(a, a.validation_deadline, now, paths) for a in pending],
        provisional=[
            ClassGroup(
                class_label(name),
                [_row(a, a.provisional_expires_at, now, paths) for a in sorted(members, key=in_class)],
            )
            for name, members in sorted(groups.items(), key=lambda item: class_key(item[0]))
        ],
        provisional_count=len(unused),
        reminders_path=paths.reminders(weeks) if pending else None,
        letters_path=paths.letters if unused and "letters" in allowed else None,
        problems=problems,
    )


def reminder_letters(
    accounts: list[SchoolAccount],
    now: datetime,
    uai: str,
    login_url: str,
    weeks: int,
    school_class: str | None = None,
    school_name: str | None = None,
) -> list[ReminderLetter]:
    """One reminder per pending account whose deadline falls within `weeks` weeks (of one class, when given),
    in class then name order, as a class's pile is handed out; `letters.render_pdf` prints them."""
    chosen = [
        a
        for a in pending_soon(accounts, now, weeks)
        if a.status is Status.PENDING_VALIDATION
        and (school_class is None or fold(a.school_class) == fold(school_class))
    ]
    chosen.sort(key=lambda a: (class_key(a.school_class), *_by_name(a)))
    return [
        ReminderLetter(
            uai=uai,
            last_name=a.last_name,
            first_name=a.first_name,
            role=a.role,
            school_class=a.school_class,
            identifier=a.identifier,
            deadline=a.validation_deadline,
            login_url=login_url,
            school_name=school_name,
        )
        for a in chosen
    ]


def chase_list_for(
    services: Services,
    uai: str,
    paths: SchoolPaths,
    query: Mapping[str, str | None],
    allowed: set[str] | frozenset[str],
) -> ChaseList:
    """The list to chase read from the services (one Query of the school index), as a route calls it."""
    return chase_list(services.store.school_accounts(uai), services.clock.now(), paths, query, allowed)


def reminder_letters_for(
    services: Services, uai: str, login_url: str, query: Mapping[str, str | None], school_name: str | None = None
) -> list[ReminderLetter]:
    """The reminders of the to-chase page's PDF link (`semaines`, `classe` from its query); render them with
    `letters.render_pdf` (fpdf2: the admin layer). Nothing is changed: no password is issued."""
    weeks, _ = read_weeks(query)
    accounts = services.store.school_accounts(uai)
    school_class = (query.get("classe") or "").strip() or None
    return reminder_letters(accounts, services.clock.now(), uai, login_url, weeks, school_class, school_name)
