"""A school's list of accounts: searched by name or identifier (accents and case aside), filtered by status, role
and class, sorted by class then name, and paged.

The filters come from the page's query string as typed or tampered with: a value that means nothing is dropped and
said in French (`problems`), never an error page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ent_accounts.accounts import Status
from ent_accounts.console.labels import (
    NO_CLASS,
    NO_CLASS_QUERY,
    ROLE_LABELS,
    STATUS_LABELS,
    STATUS_SLUGS,
    STATUSES,
    class_key,
    fold,
    role_label,
)
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.schools import SchoolAccount
from ent_accounts.services import Services

PAGE_SIZE = 50
SEARCH_MAX = 100  # characters of the search kept: a name and a first name, never a pasted page
PAGES_AROUND = 2  # page links shown either side of the current one (with the first and the last)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class ListRow:
    identifier: str
    first_name: str
    last_name: str
    role: str
    role_label: str
    school_class: str | None
    status: Status
    status_label: str
    deadline: datetime | None  # validation (pending: the account goes) or provisional password (letter unused)
    deadline_passed: bool
    family: tuple[str, ...]  # children or responsables, "Jean Dupont (4e B)"
    path: str


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap ("…") between page numbers
    path: str | None
    current: bool = False


@dataclass(frozen=True)
class Filters:
    search: str = ""
    status: Status | None = None
    role: str | None = None
    school_class: str | None = None  # NO_CLASS_QUERY: accounts without a class

    def query(self, page: int | None = None) -> dict[str, str | int | None]:
        return {
            "q": self.search,
            "statut": STATUS_SLUGS[self.status] if self.status else None,
            "profil": self.role,
            "classe": self.school_class,
            "page": page if page and page > 1 else None,
        }

    @property
    def active(self) -> bool:
        return bool(self.search or self.status or self.role or self.school_class)


@dataclass(frozen=True)
class AccountList:
    filters: Filters
    rows: list[ListRow]
    matching: int  # accounts matching the search and filters, every page
    school_total: int
    page: int
    pages: int
    page_links: list[PageLink]
    previous_path: str | None
    next_path: str | None
    status_options: list[Option]
    role_options: list[Option]
    class_options: list[Option]
    problems: list[str]
    reset_path: str  # the list without search nor filters

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.rows) - 1 if self.rows else 0


def read_filters(query: Mapping[str, str | None], classes: set[str]) -> tuple[Filters, int, list[str]]:
    """The filters and page asked for, and what was dropped from the query (in French)."""
    problems = []
    search = " ".join((query.get("q") or "").split())
    if len(search) > SEARCH_MAX:
        search = search[:SEARCH_MAX]
        problems.append(f"La recherche est limitée à {SEARCH_MAX} caractères : seul le début est cherché.")
    status = None
    if slug := (query.get("statut") or "").strip():
        status = next((s for s, known in STATUS_SLUGS.items() if known == slug), None)
        if status is None:
            problems.append("Ce statut n'existe pas : les comptes de tous les statuts sont affichés.")
    role = (query.get("profil") or "").strip() or None
    if role is not None and role not in ROLE_LABELS:
        problems.append("Ce profil n'existe pas : élèves et parents sont affichés.")
        role = None
    school_class = (query.get("classe") or "").strip() or None
    if school_class is not None and school_class != NO_CLASS_QUERY:
        known = {fold(name): name for name in classes}
        school_class = known.get(fold(school_class))
        if school_class is None:
            problems.append("Cette classe n'existe pas dans l'établissement : toutes les classes sont affichées.")
    raw_page = (query.get("page") or "1").strip()
    page = int(raw_page) if re.fullmatch(r"[0-9]{1,6}", raw_page) else 0  # no school has a million pages
    if page < 1:
        problems.append("Ce numéro de page n'existe pas : voici la première page.")
    return Filters(search, status, role, school_class), max(page, 1), problems


def matches(account: SchoolAccount, filters: Filters) -> bool:
    if filters.status and account.status is not filters.status:
        return False
    if filters.role and account.role != filters.role:
        return False
    if filters.school_class == NO_CLASS_QUERY:
        if account.school_class:
            return False
    elif filters.school_class and fold(account.school_class) != fold(filters.school_class):
        return False
    if filters.search:
        # Every word typed, found in the names or the identifier: "zoe dupont" finds "Dupont Zoé" as "Zoé Dupont".
        seen = fold(f"{account.first_name} {account.last_name} {account.identifier}")
        return all(word in seen for word in fold(filters.search).split())
    return True


def sort_key(account: SchoolAccount) -> tuple:
    return (class_key(account.school_class), fold(account.last_name), fold(account.first_name), account.identifier)


def deadline(account: SchoolAccount) -> datetime | None:
    """The date to watch: the validation deadline of a pending account (it is deleted then), the end of the
    provisional password of a letter not used yet (it stops working then)."""
    if account.status is Status.PENDING_VALIDATION:
        return account.validation_deadline
    if account.status is Status.PROVISIONED:
        return account.provisional_expires_at
    return None


def list_row(account: SchoolAccount, now: datetime, paths: SchoolPaths) -> ListRow:
    due = deadline(account)
    return ListRow(
        identifier=account.identifier,
        first_name=account.first_name,
        last_name=account.last_name,
        role=account.role,
        role_label=role_label(account.role),
        school_class=account.school_class,
        status=account.status,
        status_label=STATUS_LABELS[account.status],
        deadline=due,
        deadline_passed=account.status is Status.PROVISIONED and (due is None or due <= now),
        family=tuple(f"{first} {last}" + (f" ({cls})" if cls else "") for _, first, last, cls in account.linked),
        path=paths.account(account.identifier),
    )


def _page_links(page: int, pages: int, filters: Filters, paths: SchoolPaths) -> list[PageLink]:
    shown = sorted({1, pages, *range(max(1, page - PAGES_AROUND), min(pages, page + PAGES_AROUND) + 1)})
    links: list[PageLink] = []
    for number in shown:
        if links and links[-1].number is not None and number > links[-1].number + 1:
            links.append(PageLink(None, None))
        links.append(PageLink(number, paths.listing(**filters.query(number)), number == page))
    return links


def account_list(
    accounts: list[SchoolAccount],
    now: datetime,
    paths: SchoolPaths,
    query: Mapping[str, str | None],
    page_size: int = PAGE_SIZE,
) -> AccountList:
    """The page of the list asked for by `query` (q, statut, profil, classe, page: the list's own form)."""
    classes = {a.school_class for a in accounts if a.school_class}
    filters, page, problems = read_filters(query, classes)
    found = sorted((a for a in accounts if matches(a, filters)), key=sort_key)
    pages = max(1, -(-len(found) // page_size))
    if page > pages:
        problems.append(f"La page {page} n'existe pas : voici la dernière ({pages}).")
        page = pages
    shown = found[(page - 1) * page_size : page * page_size]
    class_options = [Option(name, name, name == filters.school_class) for name in sorted(classes, key=class_key)]
    if any(not a.school_class for a in accounts):
        class_options.append(Option(NO_CLASS_QUERY, NO_CLASS, filters.school_class == NO_CLASS_QUERY))
    return AccountList(
        filters=filters,
        rows=[list_row(a, now, paths) for a in shown],
        matching=len(found),
        school_total=len(accounts),
        page=page,
        pages=pages,
        page_links=_page_links(page, pages, filters, paths) if pages > 1 else [],
        previous_path=paths.listing(**filters.query(page - 1)) if page > 1 else None,
        next_path=paths.listing(**filters.query(page + 1)) if page < pages else None,
        status_options=[Option(STATUS_SLUGS[s], STATUS_LABELS[s], s is filters.status) for s in STATUSES],
        role_options=[Option(value, label, value == filters.role) for value, label in ROLE_LABELS.items()],
        class_options=class_options,
        problems=problems,
        reset_path=paths.accounts,
    )


def account_list_for(services: Services, uai: str, paths: SchoolPaths, query: Mapping[str, str | None]) -> AccountList:
    """The list read from the services (one Query of the school index), as a route calls it."""
    return account_list(services.store.school_accounts(uai), services.clock.now(), paths, query)
