"""A school's dashboard: its accounts by status, students by class and parents by their children's class, the
validation deadlines of the coming weeks and the provisional passwords about to expire."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ent_accounts.accounts import Status
from ent_accounts.console.labels import NO_CLASS, NO_CLASS_QUERY, STATUS_LABELS, STATUSES, class_key
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.schools import SchoolAccount
from ent_accounts.services import Services

WINDOWS = (1, 2, 4)  # weeks: "in the coming week", "two weeks", "four weeks"
NO_CHILD = "Sans enfant lié"


@dataclass(frozen=True)
class Row:
    """One line of a table by status: a class (or a total), its count per status in STATUSES order."""

    label: str
    counts: tuple[int, ...]
    path: str | None = None  # the list of these accounts

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Soon:
    """How many accounts reach a deadline within `weeks` weeks (from now), and the page listing them."""

    weeks: int
    count: int
    path: str

    @property
    def label(self) -> str:
        return "dans la semaine" if self.weeks == 1 else f"dans les {self.weeks} semaines"


@dataclass(frozen=True)
class Dashboard:
    uai: str
    now: datetime
    students: Row  # every student, by status
    parents: Row
    classes: list[Row]  # students, one row per class (sorted; no class last)
    parent_classes: list[Row]  # parents, by the class of each child (a parent of two classes is in both)
    validation_soon: list[Soon]  # pending accounts whose deadline (deletion) falls within 1, 2, 4 weeks
    provisional_soon: list[Soon]  # letters never used whose provisional password stops within 1, 2, 4 weeks
    provisional_expired: int  # letters never used whose password no longer works: to reissue
    next_deadline: datetime | None  # the first pending account's deletion, if any
    list_path: str

    @property
    def status_labels(self) -> list[str]:
        return [STATUS_LABELS[status] for status in STATUSES]

    @property
    def total(self) -> int:
        return self.students.total + self.parents.total


def _counts(accounts: Iterable[SchoolAccount]) -> tuple[int, ...]:
    found = Counter(account.status for account in accounts)
    return tuple(found[status] for status in STATUSES)


def _by_class(groups: dict[str | None, list[SchoolAccount]], none_label: str, path=None) -> list[Row]:
    return [
        Row(name or none_label, _counts(members), path(name) if path else None)
        for name, members in sorted(groups.items(), key=lambda item: class_key(item[0]))
    ]


def within(moment: datetime | None, now: datetime, weeks: int) -> bool:
    return moment is not None and now < moment <= now + timedelta(weeks=weeks)


def pending_soon(accounts: Iterable[SchoolAccount], now: datetime, weeks: int) -> list[SchoolAccount]:
    return [a for a in accounts if a.status is Status.PENDING_VALIDATION and within(a.validation_deadline, now, weeks)]


def provisional_soon(accounts: Iterable[SchoolAccount], now: datetime, weeks: int) -> list[SchoolAccount]:
    return [a for a in accounts if a.status is Status.PROVISIONED and within(a.provisional_expires_at, now, weeks)]


def provisional_expired(accounts: Iterable[SchoolAccount], now: datetime) -> list[SchoolAccount]:
    """Letters that no longer open the account (fail-closed as the login is: no recorded limit is expired)."""
    return [
        a
        for a in accounts
        if a.status is Status.PROVISIONED and (a.provisional_expires_at is None or a.provisional_expires_at <= now)
    ]


def dashboard(accounts: list[SchoolAccount], now: datetime, paths: SchoolPaths) -> Dashboard:
    """The dashboard of the school's accounts (`Store.school_accounts(uai)`: pending accounts past their deadline
    are already left out), as of `now`."""
    students = [a for a in accounts if a.role == "eleve"]
    parents = [a for a in accounts if a.role == "parent"]
    by_class: dict[str | None, list[SchoolAccount]] = {}
    for student in students:
        by_class.setdefault(student.school_class or None, []).append(student)
    by_child_class: dict[str | None, list[SchoolAccount]] = {}
    for parent in parents:
        classes = {school_class or None for *_, school_class in parent.linked} or {None}
        for school_class in classes:
            by_child_class.setdefault(school_class, []).append(parent)
    pending = [a.validation_deadline for a in accounts if a.status is Status.PENDING_VALIDATION]
    return Dashboard(
        uai=paths.uai,
        now=now,
        students=Row("Élèves", _counts(students), paths.listing(profil="eleve")),
        parents=Row("Parents", _counts(parents), paths.listing(profil="parent")),
        classes=_by_class(
            by_class, NO_CLASS, lambda name: paths.listing(profil="eleve", classe=name or NO_CLASS_QUERY)
        ),
        parent_classes=_by_class(by_child_class, NO_CHILD),
        validation_soon=[Soon(w, len(pending_soon(accounts, now, w)), paths.chase(w)) for w in WINDOWS],
        provisional_soon=[Soon(w, len(provisional_soon(accounts, now, w)), paths.chase(w)) for w in WINDOWS],
        provisional_expired=len(provisional_expired(accounts, now)),
        next_deadline=min((d for d in pending if d is not None and d > now), default=None),
        list_path=paths.accounts,
    )


def dashboard_for(services: Services, uai: str, paths: SchoolPaths) -> Dashboard:
    """The dashboard read from the services (one Query of the school index), as a route calls it."""
    return dashboard(services.store.school_accounts(uai), services.clock.now(), paths)
