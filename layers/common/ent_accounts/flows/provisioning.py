"""Bulk creation of a school's accounts: identifiers numbered without collision, provisional passwords shown once.

Numbering: each base (`jdupont`) has a counter item holding how many of its identifiers were ever handed out. An
import reads the counters, then writes, in one transaction per chunk (as many writes as one holds), each counter
moved from the value it read (condition) together with the accounts it numbered (condition: the identifier is free).
When two imports race, one transaction is cancelled and its Conflict names the writes that failed: counters are read
again and identifiers found taken are skipped, so only the colliding rows change number. Identifiers are never
reused, even after an account is deleted (its audit events stay in the identifier's partition).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass

from ent_accounts.accounts import Account, add_months, new_subject
from ent_accounts.errors import ChangedMeanwhile, InvalidRequest
from ent_accounts.identifiers import ascii_letters, base_identifier, numbered
from ent_accounts.observability import logger
from ent_accounts.passwords import hash_provisional, new_provisional_password
from ent_accounts.schools import NewAccount
from ent_accounts.services import Services
from ent_accounts.store import Conflict

MAX_ROWS = 2000
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class Issued:
    """A provisional password handed out: the only moment it exists in clear."""

    row: int  # index in the school's list (or 0 for a single account)
    account: Account
    provisional_password: str


def create_accounts(services: Services, uai: str, rows: list[NewAccount], actor: str) -> list[Issued]:
    """Create every row or none: rows are checked first, and chunks already written are deleted if a later one fails.

    The creation is recorded on each account (created_at, created_by), not as one audit event per account, so that
    an import costs one write per account plus one per name.
    """
    bases = _checked_bases(rows)
    issued: list[Issued] = []
    try:
        for chunk in _chunks(bases, services.store.max_writes_per_transaction):
            issued += _create_chunk(services, uai, rows, chunk, actor)
    except Exception:
        _roll_back(services, [one.account for one in issued])
        raise
    return sorted(issued, key=lambda one: one.row)


def provisional_expiry(services: Services):
    return add_months(services.clock.now(), services.settings.provisional_password_months)


def _checked_bases(rows: list[NewAccount]) -> list[str]:
    if not 1 <= len(rows) <= MAX_ROWS:
        raise InvalidRequest(
            f"Une demande crée entre 1 et {MAX_ROWS} comptes.", fields={"accounts": "Nombre de lignes"}
        )
    fields, first_seen = {}, {}
    bases = []
    for index, row in enumerate(rows):
        base = base_identifier(row.first_name, row.last_name)
        if not base:
            fields[f"accounts[{index}].last_name"] = "Un nom doit contenir au moins une lettre de l'alphabet latin."
        seen = first_seen.setdefault(_person(row), index) if row.birth_date else index
        if seen != index:
            fields[f"accounts[{index}]"] = (
                f"Cette ligne est identique à la ligne {seen + 1} : un seul compte par personne."
            )
        bases.append(base)
    if fields:
        raise InvalidRequest("Aucun compte n'a été créé : certaines lignes sont à corriger.", fields=fields)
    return bases


def _person(row: NewAccount) -> tuple:
    """Who a row is, whatever the spelling of capitals and accents (rows without a birth date may be homonyms)."""
    return (ascii_letters(row.last_name), ascii_letters(row.first_name), row.birth_date, row.role)


def _chunks(bases: list[str], max_writes: int) -> list[list[tuple[str, list[int]]]]:
    """Rows grouped by base, packed so that a transaction holds each counter once and at most `max_writes` writes."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, base in enumerate(bases):
        groups[base].append(index)
    chunks: list[list[tuple[str, list[int]]]] = [[]]
    size = 0
    for base, indices in groups.items():
        for start in range(0, len(indices), max_writes - 1):
            part = indices[start : start + max_writes - 1]
            # A base never appears twice in one chunk (a transaction cannot write one item twice).
            if size + 1 + len(part) > max_writes or any(b == base for b, _ in chunks[-1]):
                chunks.append([])
                size = 0
            chunks[-1].append((base, part))
            size += 1 + len(part)
    return [chunk for chunk in chunks if chunk]


def _create_chunk(
    services: Services, uai: str, rows: list[NewAccount], chunk: list[tuple[str, list[int]]], actor: str
) -> list[Issued]:
    store, now = services.store, services.clock.now()
    expires = provisional_expiry(services)
    taken: dict[str, set[int]] = defaultdict(set)  # numbers held by accounts the counter does not know about
    for attempt in range(MAX_ATTEMPTS):
        counters = store.identifier_counters(base for base, _ in chunk)
        tx, numbers, issued = store.transaction(), {}, []  # numbers: (base, number) of each account's write
        for base, indices in chunk:
            number = counters[base]
            numbered_here = []
            for index in indices:
                while number in taken[base]:
                    number += 1
                issued.append(_new_account(uai, rows[index], index, numbered(base, number), now, expires, actor))
                numbered_here.append(number)
                number += 1
            tx.claim_numbers(base, counters[base], number)
            for one, used in zip(issued[-len(indices) :], numbered_here, strict=True):
                tx.create_account(one.account, name=one.account.identifier)
                numbers[one.account.identifier] = (base, used)
        try:
            tx.commit()
            return issued
        except Conflict as conflict:
            # A lost race (a condition that no longer holds, a write in flight on the same item) or throttling is
            # worth another attempt; a write DynamoDB refused otherwise (malformed) is a bug and is not retried.
            if conflict.refused:
                raise RuntimeError(f"import transaction refused: {conflict}") from None
            for name in conflict.changed & numbers.keys():  # identifiers taken by accounts the counter missed
                base, used = numbers[name]
                taken[base].add(used)
            if conflict.in_flight:
                time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # noqa: S311 (jitter, not a secret)
    raise ChangedMeanwhile("D'autres comptes sont créés au même moment avec ces noms : renvoyez la demande.")


def _new_account(uai: str, row: NewAccount, index: int, identifier: str, now, expires, actor: str) -> Issued:
    password = new_provisional_password()
    account = Account(
        identifier=identifier,
        uai=uai,
        role=row.role,
        first_name=row.first_name,
        last_name=row.last_name,
        birth_date=row.birth_date,
        school_class=row.school_class,
        provisional_password_hash=hash_provisional(password),
        provisional_expires_at=expires,
        created_at=now,
        created_by=actor,
        subject=new_subject(),  # its name for the services it will sign in to: random, stable
    )
    return Issued(index, account, password)


def _roll_back(services: Services, accounts: list[Account]) -> None:
    """Delete what an import that failed half-way created: nobody has seen those passwords. Numbers stay used."""
    max_writes = services.store.max_writes_per_transaction
    for start in range(0, len(accounts), max_writes):
        tx = services.store.transaction()
        for account in accounts[start : start + max_writes]:
            tx.delete_account(account)
        try:
            tx.commit()
        except Exception:
            logger.exception("roll back of a failed import left accounts behind", extra={"accounts": len(accounts)})
