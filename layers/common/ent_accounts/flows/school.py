"""What a school does with its accounts after creating them: look, follow activation, reset, reissue, delete.

Every use case is scoped to one school (UAI): an account of another school is answered as absent and never changed.
"""

from __future__ import annotations

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.errors import AlreadyLinked, ChangedMeanwhile, InvalidRequest, NotFound
from ent_accounts.flows.credentials import send_account_notice
from ent_accounts.flows.provisioning import Issued, provisional_expiry
from ent_accounts.identifiers import ascii_letters
from ent_accounts.passwords import hash_provisional, new_provisional_password
from ent_accounts.schools import SchoolAccount
from ent_accounts.services import Services
from ent_accounts.store import Conflict, Transaction, person_key

MAX_LETTERS = 500  # one request's reissued letters: a class, a level, the parents of a few classes
CODES_PER_TRANSACTION = 90  # a transaction holds 100 writes; codes beyond are left to expire (their account moved on)
ACCOUNTS_PER_TRANSACTION = 50  # each with its audit event


def school_account(services: Services, uai: str, identifier: str) -> Account:
    account = services.store.get_account(identifier.strip().lower())
    if account is None or account.uai != uai:
        raise NotFound()
    return account


def school_accounts(
    services: Services, uai: str, status: Status | None = None, school_class: str | None = None
) -> list[SchoolAccount]:
    """The school's accounts, by class and name, optionally only one status (e.g. those still to validate)."""
    accounts = [
        account
        for account in services.store.school_accounts(uai)
        if (status is None or account.status is status)
        and (school_class is None or (account.school_class or "").casefold() == school_class.casefold())
    ]
    return sorted(
        accounts, key=lambda a: ((a.school_class or "").casefold(), a.last_name.casefold(), a.first_name.casefold())
    )


def reset_by_school(services: Services, uai: str, identifier: str, request_id: str, actor: str) -> Issued:
    """A new provisional password: the account goes back to its first connection and every session ends.

    A validated address is kept (the student can still recover a forgotten password with it) and told of the reset
    after it is stored (a reset the student did not expect must be heard of); an address that was never validated is
    dropped with its links, and the 3-month deadline with it, and is mailed nothing: the account is PROVISIONED again.
    """
    account = school_account(services, uai, identifier)
    password = new_provisional_password()
    stale_codes = _back_to_first_connection(services, account, password)
    tx = services.store.transaction().save_account(account)
    for code_hash in stale_codes[:CODES_PER_TRANSACTION]:
        tx.delete_code(code_hash)
    tx.audit(account.identifier, "password_reset_by_school", request_id, by=actor)
    try:
        tx.commit()
    except Conflict:
        raise ChangedMeanwhile() from None
    services.store.clear_login_failures(account.identifier)
    _notify_reset(services, account)
    return Issued(0, account, password)


def _notify_reset(services: Services, account: Account) -> None:
    """The school's reset told to the validated address, when mail reaches it (a notice: one that cannot leave is
    only logged, the reset stands)."""
    send_account_notice(services, account, "school_reset", reset_at=services.clock.now())


def delete_by_school(services: Services, uai: str, identifier: str, request_id: str, actor: str) -> None:
    """Delete the account and its links, keeping an audit event (its identifier is never given again).

    A student's parents left with no child are deleted in the same transaction (a parent account exists for its
    children), each with its audit event; a parent deleted leaves its children as they are."""
    for _ in range(3):
        account = school_account(services, uai, identifier)
        tx = services.store.transaction()
        orphans = remove_with_family(services, tx, account, request_id)
        tx.delete_account(account)
        for code_hash in sorted(account.validation_code_hashes)[:CODES_PER_TRANSACTION]:
            tx.delete_code(code_hash)
        created = account.created_at.isoformat() if account.created_at else "-"
        tx.audit(account.identifier, "account_deleted_by_school", request_id, by=actor, uai=uai, created_at=created)
        try:
            tx.commit()
        except Conflict:
            continue  # a link added or removed meanwhile: read again
        for gone in [account.identifier, *orphans]:
            services.store.clear_login_failures(gone)
        return
    raise ChangedMeanwhile()


def student_claim(account: Account) -> str | None:
    """The person claim a student holds (store/people.py), computable from the account itself."""
    if account.role is not Role.STUDENT or account.birth_date is None:
        return None
    names = (ascii_letters(account.last_name), ascii_letters(account.first_name))
    return person_key(account.uai, "eleve", *names, account.birth_date.isoformat())


def remove_with_family(services: Services, tx: Transaction, account: Account, request_id: str) -> list[str]:
    """Queue, beside the account's own delete, the removal of its links and claim, and the delete of each parent
    it leaves with no child (guarded by the parent's version: a parent changed meanwhile cancels it all). Returns
    the parents deleted."""
    store = services.store
    family = store.family(account.identifier)
    if key := student_claim(account):
        tx.release_person(key, account.identifier)
    for child in family.children:
        tx.unlink(account.identifier, child)
    orphans = []
    parents = store.get_accounts(family.parents)
    for parent_id in family.parents:
        tx.unlink(parent_id, account.identifier)
        parent = parents.get(parent_id)
        if parent is None:
            continue
        others = [c for c in store.family(parent_id).children if c != account.identifier]
        if not others:
            tx.delete_account(parent, name=f"parent {parent_id}")
            tx.audit(parent_id, "parent_deleted_with_last_child", request_id, child=account.identifier)
            orphans.append(parent_id)
    return orphans


def school_family(services: Services, account: Account) -> list[Account]:
    """A parent's children, or a student's responsables, by name."""
    family = services.store.family(account.identifier)
    linked = services.store.get_accounts(family.linked).values()
    return sorted(linked, key=lambda a: (a.last_name.casefold(), a.first_name.casefold(), a.identifier))


def _parent_and_child(services: Services, uai: str, parent_id: str, child_id: str) -> tuple[Account, Account]:
    parent, child = school_account(services, uai, parent_id), school_account(services, uai, child_id)
    if parent.role is not Role.PARENT or child.role is not Role.STUDENT:
        message = "Un lien va d'un compte parent à un compte élève du même établissement."
        raise InvalidRequest(message, fields={"parent": message})
    return parent, child


def link_by_school(services: Services, uai: str, parent_id: str, child_id: str, request_id: str, actor: str):
    """A link the school adds by hand (the file could not tell); AlreadyLinked when it exists."""
    parent, child = _parent_and_child(services, uai, parent_id, child_id)
    tx = services.store.transaction().link(parent.identifier, child.identifier, uai)
    tx.audit(parent.identifier, "linked_by_school", request_id, by=actor, child=child.identifier)
    try:
        tx.commit()
    except Conflict as conflict:
        if f"link {parent.identifier} {child.identifier}" in conflict.changed:
            raise AlreadyLinked() from None
        raise ChangedMeanwhile() from None  # one of the accounts was deleted meanwhile
    return parent, child


def unlink_by_school(services: Services, uai: str, parent_id: str, child_id: str, request_id: str, actor: str):
    """Remove a link (the parent stays: the school deletes the account if it must go); NotFound when none."""
    parent, child = _parent_and_child(services, uai, parent_id, child_id)
    if child.identifier not in services.store.family(parent.identifier).children:
        raise NotFound("Ce parent et cet élève ne sont pas liés.")
    tx = services.store.transaction().unlink(parent.identifier, child.identifier)
    tx.audit(parent.identifier, "unlinked_by_school", request_id, by=actor, child=child.identifier)
    try:
        tx.commit()
    except Conflict:  # removed meanwhile (another request): said to the school, not as a student's page would
        raise ChangedMeanwhile("Ce lien a changé pendant la demande : recommencez.") from None


def reissue_letters(
    services: Services,
    uai: str,
    request_id: str,
    actor: str,
    *,
    school_class: str | None = None,
    role: str | None = None,
    identifiers: list[str] | None = None,
) -> list[Issued]:
    """New provisional passwords for the selected accounts still waiting for their first connection.

    The old passwords are known only as hashes, so a letter can only be printed again with a new password: the
    letters handed out before for these accounts stop working. Accounts that did their first connection are
    skipped (a school resets those one by one).
    """
    if not (school_class or role or identifiers):
        # Reissuing voids the letters already handed out: never for a whole school by accident.
        message = "Choisissez les lettres à réimprimer : une classe, un profil ou des identifiants."
        raise InvalidRequest(message, fields={"class": message})
    wanted = {identifier.strip().lower() for identifier in identifiers or []}
    selected = [
        account.identifier
        for account in school_accounts(services, uai, Status.PROVISIONED, school_class)
        if (role is None or account.role == role) and (not wanted or account.identifier in wanted)
    ]
    if not selected:
        raise NotFound("Aucun compte de cette sélection n'attend sa première connexion.")
    if len(selected) > MAX_LETTERS:
        raise InvalidRequest(
            f"{len(selected)} comptes sélectionnés : au plus {MAX_LETTERS} lettres par demande.",
            fields={"class": "Sélection trop large : choisissez une classe."},
        )
    issued = []
    for start in range(0, len(selected), ACCOUNTS_PER_TRANSACTION):
        issued += _reissue(services, selected[start : start + ACCOUNTS_PER_TRANSACTION], request_id, actor)
    order = {identifier: index for index, identifier in enumerate(selected)}
    return sorted(issued, key=lambda one: order[one.account.identifier])


def _reissue(services: Services, identifiers: list[str], request_id: str, actor: str) -> list[Issued]:
    """One transaction for a batch; an account changed meanwhile (a first connection) is read again or skipped."""
    for _ in range(3):
        accounts = [a for a in services.store.get_accounts(identifiers).values() if a.status is Status.PROVISIONED]
        tx, issued = services.store.transaction(), []
        for account in accounts:
            password = new_provisional_password()
            _back_to_first_connection(services, account, password)
            tx.save_account(account).audit(account.identifier, "letter_reissued_by_school", request_id, by=actor)
            issued.append(Issued(0, account, password))
        if not issued:
            return []
        try:
            tx.commit()
            return issued
        except Conflict:
            continue
    raise ChangedMeanwhile("Des comptes ont changé pendant la demande : recommencez.")


def _back_to_first_connection(services: Services, account: Account, password: str) -> list[str]:
    """Put the account back at its first connection with a new provisional password; returns the links to delete."""
    stale_codes = sorted(account.validation_code_hashes)
    account.status = Status.PROVISIONED
    account.password_hash = None
    account.provisional_password_hash = hash_provisional(password)
    account.provisional_expires_at = provisional_expiry(services)
    account.credential_version += 1  # every session, challenge and reset link of the old credentials stops working
    if not account.email_verified:
        account.email = None
    account.pending_email = None
    account.validation_deadline = None
    account.validation_code_hashes = set()
    account.reminder_stage = 0
    return stale_codes


def children_lines(services: Services, accounts: list[Account]) -> dict[str, tuple[str, ...]]:
    """How each parent's letter names their children ("Jean Dupont (4e B)"), by the parent's identifier: one Query
    per parent for its links, one BatchGetItem for all the children."""
    from ent_accounts.letters import child_line

    parents = [account.identifier for account in accounts if account.role is Role.PARENT]
    if not parents:
        return {}
    families = services.store.families(parents)
    children = services.store.get_accounts({child for family in families.values() for child in family.children})
    return {
        parent: tuple(
            child_line(children[child].first_name, children[child].last_name, children[child].school_class)
            for child in sorted(family.children)
            if child in children
        )
        for parent, family in families.items()
    }
