"""Letters printed again for accounts whose letter was never used (flows.school.reissue_letters): one form per class
of students, and one for the parents. Printing again issues new provisional passwords: the letters handed out
before stop working, which the page says before the button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ent_accounts.accounts import Status
from ent_accounts.console.dashboard import provisional_expired
from ent_accounts.console.labels import class_key
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.flows.school import MAX_LETTERS
from ent_accounts.schools import SchoolAccount
from ent_accounts.services import Services


@dataclass(frozen=True)
class Batch:
    """One form of the page: what it posts (`classe`, `profil`) and how many letters it prints."""

    label: str  # "4e B", "Parents"
    school_class: str | None
    role: str
    waiting: int  # accounts still waiting for their first connection
    expired: int  # of which the letter no longer works
    too_many: bool  # over what one request prints: choose a class


@dataclass(frozen=True)
class ReissuePage:
    batches: list[Batch]
    action_path: str
    max_letters: int


def reissue_page(accounts: list[SchoolAccount], now: datetime, paths: SchoolPaths) -> ReissuePage:
    waiting = [a for a in accounts if a.status is Status.PROVISIONED]
    expired = {a.identifier for a in provisional_expired(waiting, now)}
    groups: dict[tuple[str | None, str], list[SchoolAccount]] = {}
    for account in waiting:
        if account.role == "eleve" and account.school_class:
            groups.setdefault((account.school_class, "eleve"), []).append(account)
        elif account.role == "parent":
            groups.setdefault((None, "parent"), []).append(account)
        # A student without a class is reissued from their own page (a reset), the selection needs a class.
    batches = [
        Batch(
            label=school_class or "Parents",
            school_class=school_class,
            role=role,
            waiting=len(members),
            expired=sum(1 for a in members if a.identifier in expired),
            too_many=len(members) > MAX_LETTERS,
        )
        for (school_class, role), members in sorted(
            groups.items(), key=lambda item: (item[0][1] == "parent", class_key(item[0][0]))
        )
    ]
    return ReissuePage(batches, paths.letters, MAX_LETTERS)


def reissue_page_for(services: Services, uai: str, paths: SchoolPaths) -> ReissuePage:
    return reissue_page(services.store.school_accounts(uai), services.clock.now(), paths)
