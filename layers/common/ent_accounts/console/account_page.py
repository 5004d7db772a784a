"""One account as the school's staff see it: who, status and deadline in French, whether it has an address (masked),
its family, its audit trail, and the actions the viewer's role allows; and the step that confirms a deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.console.labels import (
    STATUS_LABELS,
    class_label,
    detail_label,
    detail_value,
    event_label,
    mask_email,
    role_label,
)
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.flows.school import school_account, school_family
from ent_accounts.letters import child_line
from ent_accounts.services import Services
from ent_accounts.store import RecordedEvent

# What a staff member may do, as the console's routes name it; a role is a set of these (the staff package
# decides which). The pages show a form only for an action in the viewer's set; the routes check it again.
ACTIONS = frozenset({"list", "view", "import", "letters", "reset", "delete", "manage_staff"})
TRAIL_LENGTH = 100  # the latest events shown; older ones stay in the table for their retention period


@dataclass(frozen=True)
class FamilyMember:
    identifier: str
    name: str  # "Jean Dupont (4e B)"
    role_label: str
    status_label: str
    path: str


@dataclass(frozen=True)
class Address:
    """What the page says of the account's address: never the address itself (see `labels.mask_email`)."""

    masked: str | None  # the address of the account, "j…@laposte.net"
    validated: bool
    pending: str | None  # a new address waiting for its link (an ACTIVE account changing address), masked
    undeliverable: bool  # mail to it does not arrive (SES said so)


@dataclass(frozen=True)
class TrailEntry:
    time: datetime
    label: str
    known: bool  # False: a type without a French label, shown as written
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AccountPage:
    identifier: str
    first_name: str
    last_name: str
    described: str  # "Jeanne Dupont (4e B)", "Marie Dupont (parent)"
    role: str
    role_label: str
    class_label: str
    birth_date: date | None
    status: Status
    status_label: str
    deadline: datetime | None
    deadline_kind: str | None  # "validation" (the account goes then) or "provisional" (the letter stops working)
    deadline_passed: bool
    address: Address
    created_at: datetime | None
    family_title: str
    family: list[FamilyMember]
    trail: list[TrailEntry]
    can_reset: bool
    can_delete: bool
    reset_path: str
    delete_path: str
    list_path: str


@dataclass(frozen=True)
class DeleteConfirmation:
    question: str  # "Supprimer le compte de Jeanne Dupont (4e B) ?"
    described: str
    identifier: str
    deleted_with: list[str]  # parents left with no child, deleted in the same step
    action_path: str
    cancel_path: str


def described(account: Account) -> str:
    """The person as a confirmation names them: a student with their class, a parent as such."""
    if account.role is Role.PARENT:
        return f"{account.first_name} {account.last_name} (parent)"
    return child_line(account.first_name, account.last_name, account.school_class)


def trail_entry(event: RecordedEvent) -> TrailEntry:
    details = tuple((detail_label(name), detail_value(name, value)) for name, value in sorted(event.details.items()))
    return TrailEntry(event.time, event_label(event.type), event_label(event.type) != event.type, details)


def account_page(
    account: Account,
    family: list[Account],
    events: list[RecordedEvent],
    now: datetime,
    paths: SchoolPaths,
    allowed: set[str] | frozenset[str],
) -> AccountPage:
    """The page of one account of the school (the caller found it in the school: flows.school.school_account)."""
    kind, deadline = None, None
    if account.status is Status.PENDING_VALIDATION:
        kind, deadline = "validation", account.validation_deadline
    elif account.status is Status.PROVISIONED:
        kind, deadline = "provisional", account.provisional_expires_at
    passed = kind == "provisional" and not account.provisional_password_valid(now)
    return AccountPage(
        identifier=account.identifier,
        first_name=account.first_name,
        last_name=account.last_name,
        described=described(account),
        role=account.role.value,
        role_label=role_label(account.role.value),
        class_label=class_label(account.school_class),
        birth_date=account.birth_date,
        status=account.status,
        status_label=STATUS_LABELS[account.status],
        deadline=deadline,
        deadline_kind=kind,
        deadline_passed=passed,
        address=Address(
            masked=mask_email(account.email),
            validated=bool(account.email and account.email_verified),
            pending=mask_email(account.pending_email),
            undeliverable=bool(account.undeliverable_email),
        ),
        created_at=account.created_at,
        family_title="Enfants" if account.role is Role.PARENT else "Responsables légaux",
        family=[
            FamilyMember(
                one.identifier,
                child_line(one.first_name, one.last_name, one.school_class),
                role_label(one.role.value),
                STATUS_LABELS[one.status],
                paths.account(one.identifier),
            )
            for one in family
        ],
        trail=[trail_entry(event) for event in events],
        can_reset="reset" in allowed,
        can_delete="delete" in allowed,
        reset_path=paths.reset(account.identifier),
        delete_path=paths.delete(account.identifier),
        list_path=paths.accounts,
    )


def delete_confirmation(account: Account, deleted_with: list[Account], paths: SchoolPaths) -> DeleteConfirmation:
    """The step before a deletion, naming the person (and the parents who go with a student)."""
    who = described(account)
    return DeleteConfirmation(
        question=f"Supprimer le compte de {who} ?",
        described=who,
        identifier=account.identifier,
        deleted_with=[f"{one.first_name} {one.last_name}" for one in deleted_with],
        action_path=paths.delete(account.identifier),
        cancel_path=paths.account(account.identifier),
    )


# --- the same, read from the services (what a route calls) ---------------------------------------------------


def account_page_for(
    services: Services, uai: str, identifier: str, paths: SchoolPaths, allowed: set[str] | frozenset[str]
) -> AccountPage:
    """NotFound (404) for an identifier that is not an account of this school: another school's is never shown."""
    account = school_account(services, uai, identifier)
    family = school_family(services, account)
    events = services.store.account_events(account.identifier, TRAIL_LENGTH)
    return account_page(account, family, events, services.clock.now(), paths, allowed)


def delete_confirmation_for(services: Services, uai: str, identifier: str, paths: SchoolPaths) -> DeleteConfirmation:
    """The confirmation, with the parents the deletion takes with it (as flows.school.delete_by_school does: a
    parent whose only child this is)."""
    account = school_account(services, uai, identifier)
    going = []
    if account.role is Role.STUDENT:
        for parent in school_family(services, account):
            if not [
                child for child in services.store.family(parent.identifier).children if child != account.identifier
            ]:
                going.append(parent)
    return delete_confirmation(account, going, paths)
