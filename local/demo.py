"""Demo accounts of the local server, created as a school would (printed with their provisional passwords)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.passwords import hash_provisional, new_provisional_password
from ent_accounts.services import Services

DEMO = [
    ("jdupont", "Jeanne", "Dupont", Role.STUDENT, date(2011, 5, 14), "4e B"),
    ("amartin", "Adam", "Martin", Role.STUDENT, None, "3e A"),
    ("pdupont", "Paul", "Dupont", Role.PARENT, None, None),
]
DEMO_SCHOOL = "0341234A"


@dataclass
class DemoAccount:
    identifier: str
    name: str
    role: str
    birth_date: str | None
    provisional_password: str | None  # None when the account already did its first connection
    status: str


def ensure_demo_accounts(services: Services) -> list[DemoAccount]:
    """Create the demo accounts, or give those still waiting for their first connection a new provisional password
    (only its hash is stored, so a restarted server with kept data cannot print the old one)."""
    shown = []
    for identifier, first_name, last_name, role, birth_date, school_class in DEMO:
        password = new_provisional_password()
        account = services.store.get_account(identifier)
        if account is None:
            account = Account(
                identifier,
                DEMO_SCHOOL,
                role,
                first_name,
                last_name,
                birth_date=birth_date,
                school_class=school_class,
                provisional_password_hash=hash_provisional(password),
                created_at=services.clock.now(),
            )
            services.store.create_account(account)
        elif account.status is Status.PROVISIONED:
            account.provisional_password_hash = hash_provisional(password)
            services.store.transaction().save_account(account).commit()
        else:
            password = None
        shown.append(
            DemoAccount(
                identifier,
                f"{first_name} {last_name}",
                role.value,
                birth_date.isoformat() if birth_date else None,
                password,
                account.status.value,
            )
        )
    return shown
