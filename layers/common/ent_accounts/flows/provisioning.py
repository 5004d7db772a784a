"""Bulk creation of a school's accounts: identifiers numbered without collision, provisional passwords shown once.

Numbering: each base (`jdupont`) has a counter item holding how many of its identifiers were ever handed out. An
import reads the counters, then writes, in one transaction per chunk (as many writes as one holds), each counter
moved from the value it read (condition) together with the accounts it numbered (condition: the identifier is free).
When two imports race, one transaction is cancelled and its Conflict names the writes that failed: counters are read
again and identifiers found taken are skipped, so only the colliding rows change number. Identifiers are never
reused, even after an account is deleted (its audit events stay in the identifier's partition).

Recognition (store/people.py): each person the import can name for sure holds a claim item, written in the same
transaction as their account. A student is the same person as one the school has when the names (ascii_letters)
and the birth date are the same; a parent, when the names and the e-mail address are, or (no address) when the
names are those of a parent of the same child. Rows without a birth date (a parent row without an address) claim
nothing and are never recognised: they may be homonyms, and are created each time. `homonym` forces a creation.
An import racing another on the same person loses the claim's condition, reads the claim and reports the person
as already there: one person is never created twice.

Families: a student row's responsables become parent accounts (one per person across the request: the same names
and address, or without an address the same names for children of the same last name, siblings), linked to the
child (store/families.py). The rows are settled first (created or recognised), then the responsables, then the
links.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ent_accounts.accounts import Account, Role, add_months, new_subject
from ent_accounts.errors import ChangedMeanwhile, InvalidRequest
from ent_accounts.identifiers import ascii_letters, base_identifier, numbered
from ent_accounts.observability import logger
from ent_accounts.passwords import hash_provisional, new_provisional_password
from ent_accounts.schools import NewAccount, NewResponsable
from ent_accounts.services import Services
from ent_accounts.store import Conflict, Family, person_key

MAX_ROWS = 2000
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class Issued:
    """A provisional password handed out: the only moment it exists in clear."""

    row: int  # index in the school's list (or 0 for a single account)
    account: Account
    provisional_password: str
    responsable: int = -1  # for a parent made from a row's responsables: which one (else -1: the row itself)


@dataclass
class Person:
    """Someone the import names: a row, or a responsable named by one or more student rows."""

    row: int  # the first row naming them
    responsable: int  # -1: the row itself; else the index of the responsable in that row
    role: Role
    last_name: str
    first_name: str
    birth_date: object = None
    school_class: str | None = None
    keys: list[str] = field(default_factory=list)  # person claims (store/people.py); none: never recognised
    children: list[int] = field(default_factory=list)  # a parent's children (indices of persons)
    identifier: str | None = None
    account: Account | None = None  # the account recognised (None: created by this import)
    previous_class: str | None = None  # a recognised student's class before this import changed it
    stale: dict[str, str] = field(default_factory=dict)  # claims naming an account that is gone


@dataclass
class ImportResult:
    issued: list[Issued]
    existing: list[Person]
    links: list[tuple[str, str]]  # (parent, child) identifiers added
    persons: list[Person]

    def children(self, person: Person) -> list[Person]:
        return [self.persons[index] for index in person.children]


def create_accounts(services: Services, uai: str, rows: list[NewAccount], actor: str) -> list[Issued]:
    """The accounts an import creates (see `import_accounts`)."""
    return import_accounts(services, uai, rows, actor).issued


def import_accounts(services: Services, uai: str, rows: list[NewAccount], actor: str) -> ImportResult:
    """Create every person not already there, or none: rows are checked first, and what was written is deleted if a
    later write fails.

    The creation is recorded on each account (created_at, created_by), not as one audit event per account, so that
    an import costs one write per account plus one per name and one per claim.
    """
    _checked_rows(rows)
    persons = _persons(uai, rows)
    listed = [p for p in persons if p.responsable < 0]  # the rows, numbered in their order
    students = [p for p in listed if p.role is Role.STUDENT]
    parents = [p for p in persons if p.role is Role.PARENT]
    issued: list[Issued] = []
    links: list[tuple[str, str]] = []
    try:
        _recognise(services, uai, listed)
        issued += _create(services, uai, [p for p in listed if p.identifier is None], actor)
        _update_classes(services, students)
        _recognise(services, uai, parents)
        _recognise_by_children(services, persons, parents)
        issued += _create(services, uai, [p for p in parents if p.identifier is None], actor)
        links = _link(services, uai, persons)
    except Exception:
        _roll_back(services, [one.account for one in issued], links)
        raise
    existing = [p for p in persons if p.account is not None]
    return ImportResult(
        sorted(issued, key=lambda one: (one.responsable >= 0, one.row, one.responsable)), existing, links, persons
    )


def provisional_expiry(services: Services):
    return add_months(services.clock.now(), services.settings.provisional_password_months)


def line_of(rows: list[NewAccount], index: int) -> int:
    """The row's line in the school's file, as the request says (else the header is line 1, then the rows)."""
    return rows[index].line or index + 2


def _checked_rows(rows: list[NewAccount]) -> None:
    if not 1 <= len(rows) <= MAX_ROWS:
        raise InvalidRequest(
            f"Une demande crée entre 1 et {MAX_ROWS} comptes.", fields={"accounts": "Nombre de lignes"}
        )
    fields, first_seen = {}, {}
    for index, row in enumerate(rows):
        if not base_identifier(row.first_name, row.last_name):
            fields[f"accounts[{index}].last_name"] = "Un nom doit contenir au moins une lettre de l'alphabet latin."
        if row.responsables and row.role is not Role.STUDENT:
            fields[f"accounts[{index}].responsables"] = (
                f"Ligne {line_of(rows, index)} : seul un élève a des responsables (cette ligne est un parent)."
            )
        for number, responsable in enumerate(row.responsables):
            if not base_identifier(responsable.first_name, responsable.last_name):
                fields[f"accounts[{index}].responsables[{number}].last_name"] = (
                    "Un nom doit contenir au moins une lettre de l'alphabet latin."
                )
        who = _person(row)
        seen = first_seen.setdefault(who, index) if who and not row.homonym else index
        if seen != index:
            fields[f"accounts[{index}]"] = (
                f"Ligne {line_of(rows, index)} : identique à la ligne {line_of(rows, seen)}, un seul compte par "
                "personne (une vraie homonymie se signale par « homonym »)."
            )
    if fields:
        raise InvalidRequest("Aucun compte n'a été créé : certaines lignes sont à corriger.", fields=fields)


def _person(row: NewAccount) -> tuple | None:
    """Who a row is, whatever the spelling of capitals and accents; None when it cannot say (a student without a
    birth date, a parent without an address: they may be homonyms)."""
    names = (ascii_letters(row.last_name), ascii_letters(row.first_name))
    if row.role is Role.STUDENT:
        return (*names, row.birth_date, row.role) if row.birth_date else None
    return (*names, _address(row.email), row.role) if row.email else None


def _address(email: str | None) -> str:
    return (email or "").strip().casefold()


def _names(last_name: str, first_name: str) -> tuple[str, str]:
    return ascii_letters(last_name), ascii_letters(first_name)


def _persons(uai: str, rows: list[NewAccount]) -> list[Person]:
    """Everyone the request names, once each, with their claims: rows first, then the responsables not already a
    parent row (same names and address)."""
    persons: list[Person] = []
    parents: dict[tuple, int] = {}  # who a parent is within the request → their index in persons
    for index, row in enumerate(rows):
        person = Person(index, -1, row.role, row.last_name, row.first_name, row.birth_date, row.school_class)
        who = _person(row)
        if who and not row.homonym:
            if row.role is Role.STUDENT:
                person.keys.append(person_key(uai, "eleve", *who[:2], row.birth_date.isoformat()))
            else:
                person.keys.append(person_key(uai, "parent", *who[:2], "@" + _address(row.email)))
                parents.setdefault(("@", *who[:3]), len(persons))
        persons.append(person)
    for index, row in enumerate(rows):
        if row.role is not Role.STUDENT:
            continue
        child = persons[index]
        for number, responsable in enumerate(row.responsables):
            parent = _responsable(uai, persons, parents, index, number, responsable, row)
            if index not in parent.children:
                parent.children.append(index)
            # Without an address, the parent is known through this child (for a later import naming them again).
            if not responsable.email and child.keys:
                key = person_key(uai, "parent", *_names(responsable.last_name, responsable.first_name), child.keys[0])
                if key not in parent.keys:
                    parent.keys.append(key)
    return persons


def _responsable(
    uai: str,
    persons: list[Person],
    parents: dict[tuple, int],
    index: int,
    number: int,
    responsable: NewResponsable,
    row: NewAccount,
) -> Person:
    names = _names(responsable.last_name, responsable.first_name)
    if responsable.email:
        who: tuple = ("@", *names, _address(responsable.email))
    else:
        # Without an address, the same names are one parent only for brothers and sisters, known as such by a
        # responsable with an address they share; two "Jean Martin" of two families stay two accounts (a parent
        # merged wrongly would see another family's child).
        shared = sorted(_address(other.email) for other in row.responsables if other.email)
        who = ("sibling", *names, shared[0]) if shared else ("alone", *names, index)
    if who in parents:
        return persons[parents[who]]
    parent = Person(index, number, Role.PARENT, responsable.last_name, responsable.first_name)
    if responsable.email:
        parent.keys.append(person_key(uai, "parent", *names, "@" + _address(responsable.email)))
    parents[who] = len(persons)
    persons.append(parent)
    return parent


def _recognise(services: Services, uai: str, persons: list[Person]) -> None:
    """Mark the persons whose claim names an account of this school (a claim naming a gone account is stale)."""
    wanted = {key: person for person in persons if person.identifier is None for key in person.keys}
    if not wanted:
        return
    claims = services.store.person_claims(wanted)
    accounts = services.store.get_accounts(claims.values())
    for key, identifier in claims.items():
        person, account = wanted[key], accounts.get(identifier)
        if account is not None and account.uai == uai and account.role is person.role:
            if person.identifier is None:
                person.identifier, person.account = identifier, account
        else:
            person.stale[key] = identifier


def _recognise_by_children(services: Services, persons: list[Person], parents: list[Person]) -> None:
    """A parent without an address is the one of the same names already linked to the same (recognised) child."""
    unknown = [p for p in parents if p.identifier is None and p.children]
    children = {persons[i].identifier for p in unknown for i in p.children if persons[i].account is not None}
    if not children:
        return
    families = services.store.families(children)
    linked = {parent for family in families.values() for parent in family.parents}
    accounts = services.store.get_accounts(linked)
    for parent in unknown:
        for index in parent.children:
            child = persons[index]
            for identifier in families.get(child.identifier, Family()).parents if child.account else []:
                account = accounts.get(identifier)
                if account and _names(account.last_name, account.first_name) == _names(
                    parent.last_name, parent.first_name
                ):
                    parent.identifier, parent.account = identifier, account
                    break
            if parent.identifier:
                break


def _update_classes(services: Services, students: list[Person]) -> None:
    """A recognised student's class follows the school's file (a new school year); the account is read again if it
    changed meanwhile."""
    changed = [p for p in students if p.account and p.school_class and p.school_class != p.account.school_class]
    max_writes = services.store.max_writes_per_transaction
    for start in range(0, len(changed), max_writes):
        batch = changed[start : start + max_writes]
        for _ in range(3):
            tx = services.store.transaction()
            for person in batch:
                person.previous_class = person.previous_class or person.account.school_class
                person.account.school_class = person.school_class
                tx.save_account(person.account)
            try:
                tx.commit()
                break
            except Conflict:
                fresh = services.store.get_accounts(p.identifier for p in batch)
                batch = [p for p in batch if p.identifier in fresh]
                for person in batch:
                    person.account = fresh[person.identifier]
        else:
            raise ChangedMeanwhile("Des comptes ont changé pendant l'import : renvoyez la demande.")


def _create(services: Services, uai: str, persons: list[Person], actor: str) -> list[Issued]:
    bases = [base_identifier(p.first_name, p.last_name) for p in persons]
    issued: list[Issued] = []
    try:
        for chunk in _chunks(bases, services.store.max_writes_per_transaction, [len(p.keys) for p in persons]):
            issued += _create_chunk(services, uai, persons, chunk, actor)
    except Exception:
        _roll_back(services, [one.account for one in issued], [])
        raise
    return issued


def _chunks(bases: list[str], max_writes: int, claims: list[int] | None = None) -> list[list[tuple[str, list[int]]]]:
    """Persons grouped by base, packed so that a transaction holds each counter once and at most `max_writes` writes
    (an account and its claims)."""
    claims = claims or [0] * len(bases)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, base in enumerate(bases):
        groups[base].append(index)
    chunks: list[list[tuple[str, list[int]]]] = [[]]
    size = 0
    for base, indices in groups.items():
        part: list[int] = []
        weight = 1  # the counter
        for index in [*indices, None]:
            cost = 0 if index is None else 1 + claims[index]
            if index is not None and weight + cost <= max_writes:
                part.append(index)
                weight += cost
                continue
            # A base never appears twice in one chunk (a transaction cannot write one item twice).
            if size + weight > max_writes or any(b == base for b, _ in chunks[-1]):
                chunks.append([])
                size = 0
            chunks[-1].append((base, part))
            size += weight
            part, weight = ([index], 1 + cost) if index is not None else ([], 1)
    return [[(b, p) for b, p in chunk if p] for chunk in chunks if any(p for _, p in chunk)]


def _create_chunk(
    services: Services, uai: str, persons: list[Person], chunk: list[tuple[str, list[int]]], actor: str
) -> list[Issued]:
    store, now = services.store, services.clock.now()
    expires = provisional_expiry(services)
    taken: dict[str, set[int]] = defaultdict(set)  # numbers held by accounts the counter does not know about
    for attempt in range(MAX_ATTEMPTS):
        chunk = [(base, [i for i in indices if persons[i].identifier is None]) for base, indices in chunk]
        chunk = [(base, indices) for base, indices in chunk if indices]
        if not chunk:
            return []
        counters = store.identifier_counters(base for base, _ in chunk)
        tx, numbers, issued = store.transaction(), {}, []  # numbers: (base, number) of each account's write
        claims: dict[str, Person] = {}
        made: dict[int, str] = {}  # person index → identifier
        for base, indices in chunk:
            number = counters[base]
            numbered_here = []
            for index in indices:
                while number in taken[base]:
                    number += 1
                issued.append(_new_account(uai, persons[index], numbered(base, number), now, expires, actor))
                numbered_here.append(number)
                number += 1
            tx.claim_numbers(base, counters[base], number)
            for index, one, used in zip(indices, issued[-len(indices) :], numbered_here, strict=True):
                tx.create_account(one.account, name=one.account.identifier)
                numbers[one.account.identifier] = (base, used)
                made[index] = one.account.identifier
                for key in persons[index].keys:
                    tx.claim_person(key, one.account.identifier, uai, persons[index].stale.get(key))
                    claims[f"person {key}"] = persons[index]
        try:
            tx.commit()
            for index, identifier in made.items():
                persons[index].identifier = identifier
            return issued
        except Conflict as conflict:
            # A lost race (a condition that no longer holds, a write in flight on the same item) or throttling is
            # worth another attempt; a write DynamoDB refused otherwise (malformed) is a bug and is not retried.
            if conflict.refused:
                raise RuntimeError(f"import transaction refused: {conflict}") from None
            for name in conflict.changed & numbers.keys():  # identifiers taken by accounts the counter missed
                base, used = numbers[name]
                taken[base].add(used)
            lost = {id(claims[name]): claims[name] for name in conflict.changed if name in claims}
            if lost:  # another import created these people meanwhile: they are recognised, not created
                _recognise(services, uai, list(lost.values()))
            if conflict.in_flight:
                time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # noqa: S311 (jitter, not a secret)
    raise ChangedMeanwhile("D'autres comptes sont créés au même moment avec ces noms : renvoyez la demande.")


def _link(services: Services, uai: str, persons: list[Person]) -> list[tuple[str, str]]:
    """Link each parent to the children the request names for them, but for the links already there."""
    wanted = [
        (parent.identifier, persons[index].identifier)
        for parent in persons
        for index in parent.children
        if parent.identifier and persons[index].identifier
    ]
    recognised = {parent.identifier for parent in persons if parent.account and parent.children}
    there = {(p, c) for p, family in services.store.families(recognised).items() for c in family.children}
    wanted = list(dict.fromkeys(pair for pair in wanted if pair not in there))
    added: list[tuple[str, str]] = []
    try:
        for batch in _link_batches(services, wanted):
            for _ in range(3):
                tx = services.store.transaction()
                for parent, child in batch:
                    tx.link(parent, child, uai)
                try:
                    tx.commit()
                    added += batch
                    break
                except Conflict as conflict:  # linked meanwhile (another import, by hand): already there
                    batch = [pair for pair in batch if f"link {pair[0]} {pair[1]}" not in conflict.changed]
                    if not batch:
                        break
            else:
                raise ChangedMeanwhile("Des liens ont changé pendant l'import : renvoyez la demande.")
    except Exception:
        _roll_back(services, [], added)
        raise
    return added


def _link_batches(services: Services, wanted: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The links packed so that a transaction holds at most its writes: a link is two items, plus the mark of
    each of its two accounts not yet marked in that transaction."""
    max_writes = services.store.max_writes_per_transaction
    batches: list[list[tuple[str, str]]] = [[]]
    writes, marked = 0, set()
    for parent, child in wanted:
        cost = 2 + len({parent, child} - marked)
        if writes + cost > max_writes:
            batches.append([])
            writes, marked = 0, set()
            cost = 4  # both accounts to mark again in a new transaction
        batches[-1].append((parent, child))
        writes += cost
        marked |= {parent, child}
    return [batch for batch in batches if batch]


def _new_account(uai: str, person: Person, identifier: str, now, expires, actor: str) -> Issued:
    password = new_provisional_password()
    account = Account(
        identifier=identifier,
        uai=uai,
        role=person.role,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        school_class=person.school_class,
        provisional_password_hash=hash_provisional(password),
        provisional_expires_at=expires,
        created_at=now,
        created_by=actor,
        subject=new_subject(),  # its name for the services it will sign in to: random, stable
    )
    return Issued(person.row, account, password, person.responsable)


def _roll_back(services: Services, accounts: list[Account], links: list[tuple[str, str]]) -> None:
    """Delete what an import that failed half-way created: nobody has seen those passwords. Numbers stay used; the
    claims of the accounts deleted name accounts that are gone (stale: the next import takes them over)."""
    max_writes = services.store.max_writes_per_transaction
    writes = [("unlink", pair) for pair in links] + [("account", account) for account in accounts]
    start = 0
    while start < len(writes):
        tx = services.store.transaction()
        while start < len(writes) and len(tx) + 2 <= max_writes:
            kind, what = writes[start]
            tx.unlink(*what) if kind == "unlink" else tx.delete_created_account(what)
            start += 1
        try:
            tx.commit()
        except Exception:
            logger.exception("roll back of a failed import left accounts behind", extra={"accounts": len(accounts)})
