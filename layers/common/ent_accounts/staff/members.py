"""A staff member of one or more schools, their roles, and the one authorization check.

Roles, from the highest (each allows what the ones below allow):
- `administrateur`: manages the school's staff (invites, disables), and everything a manager does;
- `gestionnaire`: imports accounts, prints letters, resets passwords, deletes accounts;
- `lecteur`: reads the lists and an account's page, nothing else.
A member may hold a role in several schools (`roles`: UAI → role); a school missing from `roles` is one the member
cannot even see: `authorize` answers it as an unknown account (404), never as a refusal (403), so that a member of
one school cannot probe what another holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from ent_accounts.errors import DomainError, NotFound


class StaffStatus(StrEnum):
    INVITED = "INVITED"  # created, invitation mailed: no password, no second factor yet
    ACTIVE = "ACTIVE"  # password chosen and TOTP enrolled
    DISABLED = "DISABLED"  # signs in no more; its sessions stop working at their next request


class Role(StrEnum):
    ADMINISTRATEUR = "administrateur"
    GESTIONNAIRE = "gestionnaire"
    LECTEUR = "lecteur"


class Action(StrEnum):
    LIST = "list"
    VIEW = "view"
    IMPORT = "import"
    LETTERS = "letters"
    RESET = "reset"
    DELETE = "delete"
    MANAGE_STAFF = "manage_staff"
    EDIT_CONTACT = "edit_contact"  # the school's name and contact, shown to its students and parents


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.LECTEUR: frozenset({Action.LIST, Action.VIEW}),
    Role.GESTIONNAIRE: frozenset(
        {Action.LIST, Action.VIEW, Action.IMPORT, Action.LETTERS, Action.RESET, Action.DELETE}
    ),
    Role.ADMINISTRATEUR: frozenset(Action),
}

ROLE_LABELS = {Role.ADMINISTRATEUR: "Administrateur", Role.GESTIONNAIRE: "Gestionnaire", Role.LECTEUR: "Lecteur"}

EMAIL_MAX = 254
NAME_MAX = 60


class NoSuchSchool(NotFound):
    """The member holds no role at this school: answered exactly as an account the school does not have."""


class RoleTooLow(DomainError):
    status = 403
    code = "forbidden"
    message = "Votre rôle dans cet établissement ne permet pas cette action."


@dataclass(frozen=True)
class StaffMember:
    member_id: str  # random, never the e-mail: the e-mail may change, the audit trail keeps the id
    email: str  # professional address, case-folded; unique (store/staff.py claims it)
    first_name: str
    last_name: str
    status: StaffStatus
    roles: dict[str, Role] = field(default_factory=dict)  # UAI → role
    password_hash: str | None = None  # argon2id, as passwords.py
    totp_secret_sealed: bytes | None = None  # the TOTP secret encrypted by KMS (staff/secrets.py); never in clear
    totp_pending_sealed: bytes | None = None  # the secret being enrolled (shown, not yet confirmed by a code)
    totp_last_step: int = 0  # the RFC 6238 time step of the last code accepted: that step and earlier are refused
    recovery_code_hashes: frozenset[str] = frozenset()  # HMAC (staff/recovery.py) of the codes not used yet
    credential_version: int = 1  # bumped by a password change or a disabling: older sessions stop working
    invitation_hash: str | None = None  # the latest invitation link's code hash: only that link accepts
    invitation_expires_at: datetime | None = None  # that link's end (the team page says until when it works)
    created_at: datetime | None = None
    created_by: str = ""
    version: int = 1  # optimistic lock of every write of the item

    @property
    def enrolled(self) -> bool:
        return self.totp_secret_sealed is not None and self.totp_last_step > 0

    def with_changes(self, **changes) -> StaffMember:
        return replace(self, **changes)


@dataclass(frozen=True)
class RoleOffer:
    """A role at a school offered by one of its administrators to a member who already has an account (a role
    elsewhere, or an invitation pending): it is theirs only once they accept it through the link mailed to them."""

    uai: str
    member_id: str
    email: str  # the address as the administrator typed it (case-folded): the team page shows it
    first_name: str  # the names as typed, shown on the team page (never the member's own, kept elsewhere)
    last_name: str
    role: Role
    code_hash: str  # the link's: a newer offer replaces it, and with it the older link
    expires_at: datetime
    offered_by: str  # actor(administrator)


def normalize_email(raw: str) -> str:
    """The form an address is stored, compared and claimed in: stripped and case-folded."""
    return raw.strip().casefold()


def authorize(member: StaffMember, uai: str, action: Action | str) -> Role:
    """The member's role at `uai` when it allows `action`; NoSuchSchool (404) when the member has no role there,
    RoleTooLow (403) when the role does not allow it. A disabled member has no role anywhere."""
    role = member.roles.get(uai) if member.status is StaffStatus.ACTIVE else None
    if role is None:
        raise NoSuchSchool()
    if Action(action) not in ROLE_ACTIONS[role]:
        raise RoleTooLow()
    return role


def actor(member: StaffMember) -> str:
    """Who did it, as the audit trail writes it (`by`): the IAM routes write the caller's ARN, staff pages this."""
    return f"staff:{member.member_id}"
