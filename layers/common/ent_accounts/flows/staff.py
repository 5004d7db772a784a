"""School staff: invitation, acceptance (password, then TOTP enrolment, then recovery codes), sign-in in two steps,
sessions, sign-out, disabling, a school's staff list (staff/ for the model, store/staff.py for the items).

Every use case that acts for a member takes the `StaffMember` an `authenticate_staff` returned and checks
`authorize(member, uai, action)` itself; the IAM routes (ops) pass no member and are checked by IAM.
Failed passwords and codes count in one lock-out counter per address (store/throttles.py's arithmetic, lockout.py's
numbers), claimed before the check as for students.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ent_accounts import schools
from ent_accounts.codes import Code, Purpose, hash_token, looks_like_token, new_token
from ent_accounts.errors import AccountLocked, DomainError, InvalidRequest
from ent_accounts.links import Links
from ent_accounts.lockout import FAILURE_MEMORY, lock_after, retry_after_seconds
from ent_accounts.mail import compose
from ent_accounts.passwords import burn_verify_time, hash_password, policy_error, verify_password
from ent_accounts.services import Services
from ent_accounts.staff import recovery, totp
from ent_accounts.staff.members import (
    EMAIL_MAX,
    ROLE_LABELS,
    Action,
    Role,
    RoleOffer,
    StaffMember,
    StaffStatus,
    authorize,
    normalize_email,
)
from ent_accounts.staff.sessions import StaffSession, Stage, limits
from ent_accounts.store import Conflict, StaffEmailTaken
from ent_accounts.wording import PARENT, Say

MEMBER_ID_BYTES = 12


class InvalidStaffCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    message = "Adresse mail ou mot de passe incorrect."


class InvalidStaffCode(DomainError):
    status = 401
    code = "invalid_code"
    message = (
        "Ce code n'est pas valide : saisissez le code à 6 chiffres que l'application affiche maintenant (un code "
        "ne sert qu'une fois), ou un code de secours."
    )


class StaffLocked(AccountLocked):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        minutes = max(1, (retry_after + 59) // 60)
        self.message = f"Trop de tentatives. Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}."
        self.args = (self.message,)


class StaffNotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    message = "Votre session a expiré ou vous n'êtes pas connecté : connectez-vous."


class StaffDisabled(DomainError):
    status = 403
    code = "staff_disabled"
    message = "Ce compte a été désactivé. Adressez-vous à l'administrateur de la console de votre établissement."


class InvalidInvitation(DomainError):
    status = 410
    code = "invalid_or_expired_code"
    message = (
        "Ce lien d'invitation n'est pas valide, a déjà servi ou a expiré. Demandez une nouvelle invitation à "
        "l'administrateur de la console de votre établissement."
    )


class InvalidRoleOffer(DomainError):
    status = 410
    code = "invalid_or_expired_code"
    message = (
        "Ce lien n'est pas valide, a déjà servi, a expiré ou a été remplacé par une proposition plus récente. "
        "Demandez une nouvelle proposition à l'administrateur de la console de l'établissement."
    )


class StaffNotFound(DomainError):
    status = 404
    code = "not_found"
    message = "Aucun membre du personnel de cet identifiant."


@dataclass(frozen=True)
class Invited:
    member: StaffMember
    expires_at: datetime | None  # None: the member was already active; no invitation was mailed
    new: bool  # a new member (False: a role added to an existing one, or offered to it)
    offered: bool = False  # an administrator's invitation of an existing member: a role offer, not the role


@dataclass(frozen=True)
class Opened:
    """A staff session just opened: its token (the cookie's value) and the session."""

    token: str
    session: StaffSession


# --- invitation ------------------------------------------------------------------------------------------------


def _checked_invitation(email: str, first_name: str, last_name: str, uai: str, role: str) -> tuple[str, str, Role]:
    from email_validator import EmailNotValidError, validate_email

    fields: dict[str, str] = {}
    normalized_uai = schools.normalize_uai(uai)
    if normalized_uai is None:
        fields["uai"] = schools.UAI_MESSAGE
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized if len(email) <= EMAIL_MAX else ""
    except EmailNotValidError:
        email = ""
    if not email:
        fields["email"] = "Cette adresse mail n'est pas valide."
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if problem := schools.name_error(schools.tidy(value)):
            fields[name] = problem
    try:
        parsed_role = Role(role.strip().lower())
    except ValueError:
        parsed_role = Role.LECTEUR
        fields["role"] = "Le rôle doit être administrateur, gestionnaire ou lecteur."
    if fields:
        raise InvalidRequest("Certains champs sont à corriger.", fields=fields)
    return normalize_email(email), normalized_uai or "", parsed_role


def invite(
    services: Services,
    links: Links,
    *,
    email: str,
    first_name: str,
    last_name: str,
    uai: str,
    role: str,
    actor: str,
    request_id: str,
    by_member: StaffMember | None = None,
) -> Invited:
    """Invite a member to a school with a role, by ops (`by_member` None: the IAM routes) or by an administrator
    of that school (`authorize(by_member, uai, "manage_staff")`). A new address gets an account and a single-use
    invitation link (STAFF_INVITATION_HOURS, 72 h) by mail.

    An address already known: from ops, it gets the role at that school (a member may hold roles in several
    schools), and the link again while it has not accepted. From an administrator, an account with a role
    elsewhere (or none left, once active) gets a role *offer* by mail (`_offer_role`), the role only once accepted;
    a disabled account gets nothing; the administrator is told exactly what a new address would have been told
    (`Invited.offered` is never said on the page). An invited account with no role anywhere is invited again."""
    email, uai, parsed_role = _checked_invitation(email, first_name, last_name, uai, role)
    if by_member is not None:
        authorize(by_member, uai, Action.MANAGE_STAFF)
    now = services.clock.now()
    expires_at = now + timedelta(hours=services.settings.staff_invitation_hours)
    token = new_token()
    code = Code(hash_token(token), Purpose.STAFF_INVITATION, "", expires_at)
    existing = services.store.staff_member_by_email(email)
    if existing is None:
        member = StaffMember(
            member_id=secrets.token_hex(MEMBER_ID_BYTES),
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            status=StaffStatus.INVITED,
            roles={uai: parsed_role},
            created_at=now,
            created_by=actor,
            invitation_hash=code.code_hash,
            invitation_expires_at=expires_at,
        )
        code.identifier = member.member_id
        writes = services.store.staff_writes().create_member(member).put_code(code)
        writes.audit(member.member_id, "staff_invited", request_id, by=actor, uai=uai, role=parsed_role.value)
        try:
            writes.commit()
        except StaffEmailTaken:
            raise ChangedMeanwhileStaff() from None
        _mail_invitation(services, links, member, token, expires_at, uai)
        return Invited(member, expires_at, new=True)
    if (
        by_member is not None
        and uai not in existing.roles
        and (existing.roles or existing.status is not StaffStatus.INVITED)
    ):
        return _offer_role(
            services, links, existing, uai, parsed_role, first_name, last_name, email, actor, request_id, by_member
        )
    if existing.status is StaffStatus.DISABLED:
        raise InvalidRequest(
            "Ce compte a été désactivé : il ne peut pas recevoir de nouveau rôle.",
            fields={"email": "Ce compte a été désactivé."},
        )
    invited_again = existing.status is StaffStatus.INVITED
    # Invited again: the new link replaces the earlier ones (invitation_member accepts only the latest).
    member = existing.with_changes(
        roles={**existing.roles, uai: parsed_role},
        invitation_hash=code.code_hash if invited_again else existing.invitation_hash,
        invitation_expires_at=expires_at if invited_again else existing.invitation_expires_at,
    )
    writes = (
        services.store.staff_writes().save_member(member, existing.version).put_role(uai, member.member_id, parsed_role)
    )
    writes.audit(member.member_id, "staff_role_granted", request_id, by=actor, uai=uai, role=parsed_role.value)
    if invited_again:
        code.identifier = member.member_id
        writes.put_code(code)
    try:
        writes.commit()
    except Conflict:
        raise ChangedMeanwhileStaff() from None
    if invited_again:
        _mail_invitation(services, links, member, token, expires_at, uai)
    return Invited(member, expires_at if invited_again else None, new=False)


def _offer_role(
    services: Services,
    links: Links,
    existing: StaffMember,
    uai: str,
    role: Role,
    first_name: str,
    last_name: str,
    email: str,
    actor: str,
    request_id: str,
    by_member: StaffMember,
) -> Invited:
    """An administrator invited an address that already has an account without a role here: the role is offered
    (an item listed on the team page as a pending invitation, and a single-use link mailed to the member), never
    attached without the member's say. A newer offer replaces the older one, and voids its link. A disabled
    account gets the same item (so that the team page shows what it shows for a new address) but no link and no
    mail: it can never be accepted."""
    expires_at = services.clock.now() + timedelta(hours=services.settings.staff_invitation_hours)
    token = new_token()
    disabled = existing.status is StaffStatus.DISABLED
    offer = RoleOffer(
        uai=uai,
        member_id=existing.member_id,
        email=email,
        first_name=schools.tidy(first_name),
        last_name=schools.tidy(last_name),
        role=role,
        code_hash=hash_token(token),
        expires_at=expires_at,
        offered_by=actor,
    )
    writes = services.store.staff_writes().put_offer(offer)
    if disabled:
        writes.audit(existing.member_id, "staff_role_offer_withheld", request_id, by=actor, uai=uai, role=role.value)
    else:
        code = Code(offer.code_hash, Purpose.STAFF_ROLE_OFFER, existing.member_id, expires_at, uai=uai)
        writes.put_code(code)
        writes.audit(existing.member_id, "staff_role_offered", request_id, by=actor, uai=uai, role=role.value)
    writes.commit()
    if not disabled:
        _mail_link(services, "staff_role_offer", existing, links.staff_role_offer(token), expires_at, uai, role)
    return Invited(existing, expires_at, new=False, offered=True)


@dataclass(frozen=True)
class PendingOffer:
    offer: RoleOffer
    member: StaffMember


def role_offer(services: Services, token: str | None) -> PendingOffer:
    """The offer an unused, unexpired role-offer link is for; InvalidRoleOffer when it was used, has expired, was
    replaced by a newer offer or cancelled, or the member was disabled meanwhile."""
    if not token or not looks_like_token(token):
        raise InvalidRoleOffer()
    code_hash = hash_token(token)
    code = services.store.get_code(code_hash)
    if code is None or code.purpose is not Purpose.STAFF_ROLE_OFFER or code.used or not code.uai:
        raise InvalidRoleOffer()
    if code.expires_at <= services.clock.now():
        raise InvalidRoleOffer()
    offer = services.store.staff_role_offer(code.uai, code.identifier)
    if offer is None or offer.code_hash != code_hash or offer.expires_at <= services.clock.now():
        raise InvalidRoleOffer()
    member = services.store.get_staff_member(code.identifier)
    if member is None or member.status is StaffStatus.DISABLED:
        raise InvalidRoleOffer()
    return PendingOffer(offer, member)


def accept_role_offer(services: Services, token: str, request_id: str) -> PendingOffer:
    """The member takes the role offered: in one transaction, the offer removed if still the one of this link, the
    member saved with the role at the version read, the role item, the link spent, the grant audited."""
    for attempt in range(2):
        pending = role_offer(services, token)
        offer, member = pending.offer, pending.member
        granted = member.with_changes(roles={**member.roles, offer.uai: offer.role})
        writes = services.store.staff_writes().delete_offer(offer.uai, member.member_id, offer.code_hash)
        writes.save_member(granted, member.version).put_role(offer.uai, member.member_id, offer.role)
        writes.use_code(offer.code_hash)
        writes.audit(
            member.member_id,
            "staff_role_granted",
            request_id,
            by=offer.offered_by,
            uai=offer.uai,
            role=offer.role.value,
            accepted="yes",
        )
        try:
            writes.commit()
        except Conflict:
            if attempt:
                raise ChangedMeanwhileStaff() from None
            continue  # read again: used, replaced or cancelled meanwhile is then said as such
        return PendingOffer(offer, granted)
    raise ChangedMeanwhileStaff()  # pragma: no cover (the loop returns or raises)


class ChangedMeanwhileStaff(DomainError):
    status = 409
    code = "conflict"
    message = "Ce compte a été modifié pendant la demande : recommencez."


def _mail_invitation(
    services: Services, links: Links, member: StaffMember, token: str, expires_at: datetime, uai: str
) -> None:
    link = links.staff_invitation(token)
    _mail_link(services, "staff_invitation", member, link, expires_at, uai, member.roles[uai])


def _mail_link(
    services: Services, kind: str, member: StaffMember, link: str, expires_at: datetime, uai: str, role: Role
) -> None:
    """A staff mail carrying a single-use link (an invitation, a role offer) for a role at `uai`."""
    mail = compose(
        kind,
        member.email,
        identifier=member.email,
        first_name=member.first_name,
        link=link,
        expires_at=expires_at,
        uai=uai,
        role_label=ROLE_LABELS[role].lower(),
    )
    services.mailer.send(mail)


def invitation_member(services: Services, token: str | None) -> StaffMember:
    """The member an unused, unexpired invitation link is for; InvalidInvitation otherwise."""
    if not token or not looks_like_token(token):
        raise InvalidInvitation()
    code = services.store.get_code(hash_token(token))
    if code is None or code.purpose is not Purpose.STAFF_INVITATION or code.used:
        raise InvalidInvitation()
    member = services.store.get_staff_member(code.identifier)
    if member is None or member.status is not StaffStatus.INVITED:
        raise InvalidInvitation()
    if member.invitation_hash and member.invitation_hash != code.code_hash:
        raise InvalidInvitation()  # an earlier link: a re-invitation replaced it
    return member


def staff_password_error(password: str, member: StaffMember) -> str | None:
    """passwords.py's policy, said to staff ("vous"), the address's local part and the names refused in it."""
    problem = policy_error(password, member.email.split("@")[0], context=(member.first_name, member.last_name))
    if problem is None:
        return None
    # Staff are "vous"-ed, as parents are; their identifier is their address.
    said = problem.to(PARENT) if isinstance(problem, Say) else problem
    return said.replace("votre identifiant", "votre adresse mail")


def accept_invitation(services: Services, token: str, password: str, request_id: str) -> Opened:
    """Spend the invitation and set the chosen password: an enrolment session follows (the TOTP application next);
    the member stays INVITED until a first code proves the enrolment."""
    member = invitation_member(services, token)
    if problem := staff_password_error(password, member):
        raise InvalidRequest(problem, fields={"new_password": problem})
    changed = member.with_changes(
        password_hash=hash_password(password), credential_version=member.credential_version + 1
    )
    opened = _new_session(services, changed, Stage.ENROLMENT)
    writes = services.store.staff_writes().save_member(changed, member.version).use_code(hash_token(token))
    writes.put_session(hash_token(opened.token), opened.session)
    writes.audit(member.member_id, "staff_invitation_accepted", request_id)
    try:
        writes.commit()
    except Conflict:
        raise InvalidInvitation() from None  # the same link used at the same moment by another request
    return opened


# --- enrolment -------------------------------------------------------------------------------------------------


def enrolment_secret(services: Services, member: StaffMember) -> str:
    """The secret being enrolled, in clear for the page that shows it: the one already offered (sealed on the
    member while not confirmed, so that a reload shows the same one), else a new one, sealed and saved."""
    if member.totp_pending_sealed:
        return services.staff_secrets.open(member.member_id, member.totp_pending_sealed)
    secret = totp.new_secret()
    sealed = services.staff_secrets.seal(member.member_id, secret)
    try:
        services.store.staff_writes().save_member(
            member.with_changes(totp_pending_sealed=sealed), member.version
        ).commit()
    except Conflict:
        raise ChangedMeanwhileStaff() from None
    return secret


@dataclass(frozen=True)
class Enrolled:
    opened: Opened
    recovery_codes: list[str]  # shown once, on the page that answers the enrolment


def confirm_enrolment(services: Services, member: StaffMember, code: str, old_token: str, request_id: str) -> Enrolled:
    """A first code from the application proves the enrolment: the member becomes ACTIVE with the secret, gets 10
    recovery codes and a full session (the enrolment one ends)."""
    if not member.totp_pending_sealed:
        raise ChangedMeanwhileStaff()
    # KMS first: when it cannot answer (503), no attempt has been charged to the lock-out.
    secret = services.staff_secrets.open(member.member_id, member.totp_pending_sealed)
    claim = _claim(services, member.email)
    step = totp.accepted_step(secret, code, services.clock.now(), 0)
    if step is None:
        _refused(
            services,
            member,
            claim,
            InvalidStaffCode(fields={"code": InvalidStaffCode.message}),
            request_id,
            "staff_code_refused",
            at="enrolment",
        )
    services.store.release_staff_check(member.email, claim)
    codes = recovery.new_codes()
    active = member.with_changes(
        status=StaffStatus.ACTIVE,
        totp_secret_sealed=member.totp_pending_sealed,
        totp_pending_sealed=None,
        totp_last_step=step,
        recovery_code_hashes=frozenset(recovery.hash_code(secret, member.member_id, c) for c in codes),
    )
    opened = _new_session(services, active, Stage.FULL)
    writes = services.store.staff_writes().save_member(active, member.version)
    writes.put_session(hash_token(opened.token), opened.session).delete_session(hash_token(old_token))
    writes.clear_login_failures(member.email).audit(member.member_id, "staff_totp_enrolled", request_id)
    try:
        writes.commit()
    except Conflict:
        raise ChangedMeanwhileStaff() from None
    return Enrolled(opened, codes)


def regenerate_recovery_codes(services: Services, member: StaffMember, request_id: str) -> list[str]:
    """10 new recovery codes; the old ones stop working."""
    if not member.totp_secret_sealed:
        raise ChangedMeanwhileStaff()
    secret = services.staff_secrets.open(member.member_id, member.totp_secret_sealed)  # the codes' key
    codes = recovery.new_codes()
    hashes = frozenset(recovery.hash_code(secret, member.member_id, c) for c in codes)
    changed = member.with_changes(recovery_code_hashes=hashes)
    writes = services.store.staff_writes().save_member(changed, member.version)
    writes.audit(member.member_id, "staff_recovery_codes_renewed", request_id)
    try:
        writes.commit()
    except Conflict:
        raise ChangedMeanwhileStaff() from None
    return codes


# --- sign-in ---------------------------------------------------------------------------------------------------


def _claim(services: Services, email: str):
    seen = services.store.staff_throttle(email)
    try:
        return services.store.claim_staff_check(email, seen, lock_after, FAILURE_MEMORY)
    except AccountLocked as locked:
        raise StaffLocked(locked.retry_after) from None


def _refused(
    services: Services, member: StaffMember | None, claim, error: DomainError, request_id: str, event: str, **details
):
    """A wrong password or code: audited on the member (when there is one); the lock this failure set, if any, is
    what the answer says (429 with Retry-After), as for students."""
    if member is not None:
        services.store.record_staff_event(member.member_id, event, request_id, **details)
        if claim.locked_until:
            services.store.record_staff_event(
                member.member_id, "staff_locked", request_id, until=claim.locked_until.isoformat()
            )
    if claim.locked_until:
        raise StaffLocked(retry_after_seconds(claim.locked_until, services.clock.now()))
    raise error


def _new_session(services: Services, member: StaffMember, stage: Stage) -> Opened:
    now = services.clock.now()
    idle, absolute = limits(
        stage, now, services.settings.staff_session_idle_minutes, services.settings.staff_session_hours
    )
    return Opened(new_token(), StaffSession(member.member_id, member.credential_version, stage, idle, absolute, now))


def sign_in(services: Services, email: str, password: str, request_id: str) -> Opened:
    """The first step: address and password. Answers a `second_factor` session (a code is awaited), or an
    `enrolment` one for a member who accepted the invitation but left before enrolling the application."""
    email = normalize_email(email)
    claim = _claim(services, email)
    member = services.store.staff_member_by_email(email) if len(email) <= EMAIL_MAX else None
    if member is None or not member.password_hash:
        burn_verify_time(password)
        _refused(services, None, claim, InvalidStaffCredentials(), request_id, "")
    if not verify_password(member.password_hash, password):
        _refused(services, member, claim, InvalidStaffCredentials(), request_id, "staff_sign_in_failed")
    services.store.release_staff_check(email, claim)
    if member.status is StaffStatus.DISABLED:
        raise StaffDisabled()
    stage = Stage.SECOND_FACTOR if member.enrolled else Stage.ENROLMENT
    opened = _new_session(services, member, stage)
    services.store.staff_writes().put_session(hash_token(opened.token), opened.session).commit()
    return opened


@dataclass(frozen=True)
class SignedIn:
    opened: Opened
    recovery_codes_left: int | None  # a recovery code was used: how many remain (None: a TOTP code)


def second_step(services: Services, token: str | None, code: str, request_id: str) -> SignedIn:
    """The second step: a TOTP code (of a step later than the last accepted one: never the same code twice) or a
    recovery code (single use). Failures count in the lock-out; success opens the full session."""
    member = _live(services, token, Stage.SECOND_FACTOR)[1]
    by_recovery_code = recovery.looks_like_recovery_code(code)
    secret = None
    if member.totp_secret_sealed and (by_recovery_code or totp.looks_like_code(code)):
        # KMS first (the TOTP secret also keys the recovery codes' hashes): when it cannot answer (503), no attempt
        # has been charged to the lock-out.
        secret = services.staff_secrets.open(member.member_id, member.totp_secret_sealed)
    claim = _claim(services, member.email)
    left = None
    accepted = False
    if by_recovery_code and secret is not None:
        code_hash = recovery.hash_code(secret, member.member_id, code)
        left = services.store.use_recovery_code(member.member_id, code_hash, member.credential_version)
        accepted = left is not None
    elif secret is not None:
        step = totp.accepted_step(secret, code, services.clock.now(), member.totp_last_step)
        accepted = step is not None and services.store.take_totp_step(member.member_id, step, member.credential_version)
    if not accepted:
        _refused(
            services,
            member,
            claim,
            InvalidStaffCode(fields={"code": InvalidStaffCode.message}),
            request_id,
            "staff_code_refused",
            at="sign_in",
        )
    services.store.release_staff_check(member.email, claim)
    opened = _new_session(services, member, Stage.FULL)
    writes = services.store.staff_writes().put_session(hash_token(opened.token), opened.session)
    writes.delete_session(hash_token(token or "")).clear_login_failures(member.email)
    if left is None:
        writes.audit(member.member_id, "staff_signed_in", request_id, method="totp")
    else:
        writes.audit(member.member_id, "staff_signed_in", request_id, method="recovery_code", remaining=str(left))
    writes.commit()
    return SignedIn(opened, left)


def _live(services: Services, token: str | None, stage: Stage) -> tuple[StaffSession, StaffMember]:
    if not token or not looks_like_token(token):
        raise StaffNotAuthenticated()
    token_hash = hash_token(token)
    session = services.store.get_staff_session(token_hash)
    if session is None or session.stage is not stage:
        raise StaffNotAuthenticated()
    member = services.store.get_staff_member(session.member_id)
    if member is None or member.credential_version != session.credential_version:
        raise StaffNotAuthenticated()
    if member.status is StaffStatus.DISABLED:
        raise StaffNotAuthenticated()
    if stage is Stage.FULL and member.status is not StaffStatus.ACTIVE:
        raise StaffNotAuthenticated()
    now = services.clock.now()
    if stage is Stage.FULL and now - session.refreshed_at >= timedelta(minutes=1):
        idle = now + timedelta(minutes=services.settings.staff_session_idle_minutes)
        services.store.refresh_staff_session(token_hash, min(idle, session.absolute_expires_at), now)
    return session, member


def authenticate_staff(services: Services, token: str | None, stage: Stage = Stage.FULL) -> StaffMember:
    """The member of a live staff session of `stage` (the school pages: `full`); StaffNotAuthenticated otherwise,
    also for a disabled member or one whose password changed since."""
    return _live(services, token, stage)[1]


def sign_out(services: Services, token: str | None, request_id: str) -> None:
    if not token or not looks_like_token(token):
        return
    session = services.store.get_staff_session(hash_token(token))
    services.store.delete_staff_session(hash_token(token))
    if session is not None:
        services.store.record_staff_event(session.member_id, "staff_signed_out", request_id)


# --- ops and administrators ------------------------------------------------------------------------------------


def disable(services: Services, member_id: str, actor: str, request_id: str) -> StaffMember:
    """Disable a member (ops only: the IAM routes and the CLI): no more sign-in anywhere, every session stops at its
    next request (credential_version bumped). A school's administrator removes a member from their school only
    (`remove_from_school`)."""
    member = services.store.get_staff_member(member_id) if looks_like_member_id(member_id) else None
    if member is None:
        raise StaffNotFound()
    if member.status is StaffStatus.DISABLED:
        return member
    disabled = member.with_changes(status=StaffStatus.DISABLED, credential_version=member.credential_version + 1)
    writes = services.store.staff_writes().save_member(disabled, member.version)
    writes.audit(member.member_id, "staff_disabled", request_id, by=actor)
    try:
        writes.commit()
    except Conflict:
        raise ChangedMeanwhileStaff() from None
    return disabled


class NotYourself(DomainError):
    status = 400
    code = "invalid_request"
    message = "Vous ne pouvez pas vous retirer vous-même de l'équipe de l'établissement."


@dataclass(frozen=True)
class TeamMate:
    """Someone on a school's team page: a member with a role there, or an existing account offered one."""

    member_id: str
    name: str
    email: str
    elsewhere: bool  # a role at another school too (said without naming it; never for an offer)
    offer: RoleOffer | None = None
    member: StaffMember | None = None


def team_mate(services: Services, uai: str, member_id: str, by_member: StaffMember) -> TeamMate:
    """The member (or pending offer) `member_id` of the school's team, as its administrator may see it; NotYourself
    for oneself, StaffNotFound when not on this school's team."""
    normalized = schools.normalize_uai(uai) or ""
    authorize(by_member, normalized, Action.MANAGE_STAFF)
    if member_id == by_member.member_id:
        raise NotYourself()
    if not looks_like_member_id(member_id):
        raise StaffNotFound()
    member = services.store.get_staff_member(member_id)
    if member is not None and normalized in member.roles:
        name = f"{member.first_name} {member.last_name}"
        return TeamMate(member_id, name, member.email, len(member.roles) > 1, member=member)
    offer = services.store.staff_role_offer(normalized, member_id)
    if offer is None:
        raise StaffNotFound()
    return TeamMate(member_id, f"{offer.first_name} {offer.last_name}", offer.email, False, offer=offer)


def remove_from_school(
    services: Services, uai: str, member_id: str, actor: str, request_id: str, by_member: StaffMember
) -> TeamMate:
    """An administrator takes a member off their school's team: the role there goes (the member saved without it at
    the version read, the role item deleted, `staff_role_removed` audited), the account stays as it is for its other
    schools; a pending offer is withdrawn. Never oneself."""
    mate = team_mate(services, uai, member_id, by_member)
    normalized = schools.normalize_uai(uai) or ""
    if mate.member is not None:
        member = mate.member
        kept = member.with_changes(
            roles={school: role for school, role in member.roles.items() if school != normalized}
        )
        writes = services.store.staff_writes().save_member(kept, member.version).delete_role(normalized, member_id)
        writes.audit(member_id, "staff_role_removed", request_id, by=actor, uai=normalized)
    else:
        writes = services.store.staff_writes().delete_offer(normalized, member_id)
        writes.audit(member_id, "staff_role_offer_cancelled", request_id, by=actor, uai=normalized)
    try:
        writes.commit()
    except Conflict:
        raise ChangedMeanwhileStaff() from None
    return mate


def looks_like_member_id(raw: str) -> bool:
    return len(raw) == 2 * MEMBER_ID_BYTES and all(c in "0123456789abcdef" for c in raw)


def school_role_offers(services: Services, uai: str, by_member: StaffMember) -> list[RoleOffer]:
    """The roles this school's administrators offered to existing members and not accepted yet (the team page
    lists them as pending invitations)."""
    normalized = schools.normalize_uai(uai) or ""
    authorize(by_member, normalized, Action.MANAGE_STAFF)
    return services.store.school_role_offers(normalized)


def school_staff(services: Services, uai: str, by_member: StaffMember | None = None) -> list[StaffMember]:
    """A school's staff, by name (ops; or an administrator of that school)."""
    normalized = schools.normalize_uai(uai)
    if normalized is None:
        raise InvalidRequest(schools.UAI_MESSAGE, fields={"uai": schools.UAI_MESSAGE})
    if by_member is not None:
        authorize(by_member, normalized, Action.MANAGE_STAFF)
    return services.store.school_staff(normalized)
