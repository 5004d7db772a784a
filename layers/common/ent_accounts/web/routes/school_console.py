"""The school staff's console, /etablissement (French, "vous"): sign-in in two steps (address and password, then a
TOTP or recovery code), the invitation (password, then the TOTP application, then the recovery codes), the home
page (the member's schools and roles) and sign-out. The later school pages (lists, import, letters) add their
routes here: each takes `signed_in_member()` and passes it to its flow, which checks `authorize`.

The staff cookie (web/session.py: STAFF_COOKIE, Path /etablissement) is never the students' cookie, and the store
keeps staff sessions apart (STAFFSESSION#): a student's session opens none of these pages, nor a staff session a
student's page.
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from markupsafe import Markup

from ent_accounts import links
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.errors import AccountLocked, DomainError
from ent_accounts.flows import staff as flows
from ent_accounts.services import services
from ent_accounts.staff import totp
from ent_accounts.staff.enrolment_qr import enrolment_qr_svg
from ent_accounts.staff.members import ROLE_LABELS, StaffMember
from ent_accounts.staff.sessions import Stage
from ent_accounts.templates import french_time
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import PASSWORDS_DIFFER, REQUIRED, FormPage, redirect
from ent_accounts.web.pages import page_for
from ent_accounts.web.session import cleared_staff_cookie, staff_cookie, staff_token

router = Router()

EXPIRED_FORM = "La page a expiré : rechargez-la et recommencez."
NOTICES = {
    "deconnexion": "Vous êtes déconnecté. Sur un ordinateur partagé, fermez aussi le navigateur.",
    "session": "Votre session a pris fin : connectez-vous de nouveau pour continuer.",
}


def _root() -> str:
    return request_context(router).root


def _to(path: str, cookies=()) -> Response:
    return redirect(request_context(router).links.page(path), cookies)


def _opened_cookie(opened: flows.Opened):
    return staff_cookie(opened.token, opened.session.seconds_left(services().clock.now()), _root())


def _to_login(ended: str = "session") -> Response:
    return redirect(
        request_context(router).links.page(links.STAFF_LOGIN) + f"?fin={ended}", [cleared_staff_cookie(_root())]
    )


def signed_in_member() -> StaffMember | None:
    """The member of this request's full staff session, or None (the page then sends the browser to sign in)."""
    try:
        return flows.authenticate_staff(services(), staff_token(router.current_event))
    except flows.StaffNotAuthenticated:
        return None


def _staff_page(template: str, status: int = 200, **context) -> Response:
    return page_for(router, template, status, **context)


def _genuine_or_again(form: FormPage) -> Response | None:
    return None if form.genuine else form.again(403, {"_form": EXPIRED_FORM})


def _locked(form: FormPage, error: AccountLocked) -> Response:
    until = services().clock.now() + timedelta(seconds=error.retry_after)
    return form.again(error.status, {}, error, locked=(error.message, french_time(until)))


# --- home --------------------------------------------------------------------------------------------------------


@router.get(links.STAFF_HOME, include_in_schema=False)
def get_home():
    member = signed_in_member()
    if member is None:
        return _to_login()
    raw_left = (router.current_event.query_string_parameters or {}).get("secours", "")
    left = int(raw_left) if raw_left.isdigit() and len(raw_left) <= 2 else None
    schools = [(uai, ROLE_LABELS[role], SchoolPaths(uai).dashboard) for uai, role in sorted(member.roles.items())]
    return _staff_page("staff/home.html", member=member, schools=schools, recovery_left=left)


# --- sign-in -----------------------------------------------------------------------------------------------------


@router.get(links.STAFF_LOGIN, include_in_schema=False)
def get_login():
    ended = (router.current_event.query_string_parameters or {}).get("fin", "")
    return _staff_page("staff/login.html", errors={}, values={}, notice=NOTICES.get(ended))


@router.post(links.STAFF_LOGIN, include_in_schema=False)
def post_login():
    form = FormPage(router, "staff/login.html", keep=("email",))
    if refused := _genuine_or_again(form):
        return refused
    here = request_context(router)

    def check(errors):
        errors["email"] = None if form.values["email"] else REQUIRED
        errors["password"] = None if form.fields.get("password") else REQUIRED

    def call(_):
        return flows.sign_in(services(), form.values["email"], form.fields["password"], here.request_id)

    def refused_(error: DomainError):
        if isinstance(error, AccountLocked):
            return _locked(form, error)
        field = "password" if isinstance(error, flows.InvalidStaffCredentials) else "_form"
        return form.again(error.status, {field: error.message}, error)

    def done(opened: flows.Opened):
        after = links.STAFF_CODE if opened.session.stage is Stage.SECOND_FACTOR else links.STAFF_ENROLMENT
        return _to(after, [_opened_cookie(opened)])

    return form.post(check, call, done, refused_)


@router.get(links.STAFF_CODE, include_in_schema=False)
def get_code():
    try:
        flows.authenticate_staff(services(), staff_token(router.current_event), Stage.SECOND_FACTOR)
    except flows.StaffNotAuthenticated:
        return _to_login()
    return _staff_page("staff/code.html", errors={}, values={})


@router.post(links.STAFF_CODE, include_in_schema=False)
def post_code():
    form = FormPage(router, "staff/code.html")
    if refused := _genuine_or_again(form):
        return refused
    here = request_context(router)
    token = staff_token(router.current_event)

    def check(errors):
        errors["code"] = None if form.fields.get("code", "").strip() else REQUIRED

    def call(_):
        return flows.second_step(services(), token, form.fields["code"], here.request_id)

    def refused_(error: DomainError):
        if isinstance(error, flows.StaffNotAuthenticated):
            return _to_login()
        if isinstance(error, AccountLocked):
            return _locked(form, error)
        return form.again(error.status, {"code": error.message}, error)

    def done(signed_in: flows.SignedIn):
        home = here.links.page(links.STAFF_HOME)
        if signed_in.recovery_codes_left is not None:
            home += f"?secours={signed_in.recovery_codes_left}"
        return redirect(home, [_opened_cookie(signed_in.opened)])

    return form.post(check, call, done, refused_)


@router.post(links.STAFF_LOGOUT, include_in_schema=False)
def post_logout():
    form = FormPage(router, "staff/login.html", errors={}, values={})
    if form.genuine:
        flows.sign_out(services(), staff_token(router.current_event), request_context(router).request_id)
        return _to_login("deconnexion")
    return _to(links.STAFF_HOME)


# --- invitation and enrolment ------------------------------------------------------------------------------------


@router.get(links.STAFF_INVITATION, include_in_schema=False)
def get_invitation():
    code = (router.current_event.query_string_parameters or {}).get("code", "")
    member = flows.invitation_member(services(), code)
    return _staff_page("staff/invitation.html", errors={}, values={}, member=member, code=code)


@router.post(links.STAFF_INVITATION, include_in_schema=False)
def post_invitation():
    here = request_context(router)
    fields_code = FormPage(router).fields.get("code", "")
    member = flows.invitation_member(services(), fields_code)  # a spent or forged link: its own page (410)
    form = FormPage(router, "staff/invitation.html", member=member, code=fields_code)
    if refused := _genuine_or_again(form):
        return refused

    def check(errors):
        password = form.fields.get("new_password", "")
        errors["new_password"] = flows.staff_password_error(password, member) if password else REQUIRED
        if password and password != form.fields.get("new_password_confirmation", ""):
            errors["new_password_confirmation"] = PASSWORDS_DIFFER

    def call(_):
        return flows.accept_invitation(services(), fields_code, form.fields["new_password"], here.request_id)

    return form.post(check, call, lambda opened: _to(links.STAFF_ENROLMENT, [_opened_cookie(opened)]))


# --- a role offered by a school's administrator to an existing member --------------------------------------------


def _offer_page(pending: flows.PendingOffer, code: str, status: int = 200, **context) -> Response:
    role_label = ROLE_LABELS[pending.offer.role]
    context.setdefault("errors", {})
    return _staff_page(
        "staff/role_offer.html",
        status,
        offer=pending.offer,
        member=pending.member,
        role_label=role_label,
        code=code,
        **context,
    )


@router.get(links.STAFF_ROLE_OFFER, include_in_schema=False)
def get_role_offer():
    code = (router.current_event.query_string_parameters or {}).get("code", "")
    return _offer_page(flows.role_offer(services(), code), code)  # used, expired, replaced: its own page (410)


@router.post(links.STAFF_ROLE_OFFER, include_in_schema=False)
def post_role_offer():
    form = FormPage(router)
    code = form.fields.get("code", "")
    pending = flows.role_offer(services(), code)
    if not form.genuine:
        return _offer_page(pending, code, 403, errors={"_form": EXPIRED_FORM})
    accepted = flows.accept_role_offer(services(), code, request_context(router).request_id)
    return _offer_page(accepted, code, accepted=True)


def _enrolment_member() -> StaffMember | None:
    try:
        return flows.authenticate_staff(services(), staff_token(router.current_event), Stage.ENROLMENT)
    except flows.StaffNotAuthenticated:
        return None


def _enrolment_context(member: StaffMember) -> dict:
    secret = flows.enrolment_secret(services(), member)
    uri = totp.provisioning_uri(secret, member.email)
    return {
        "member": member,
        "grouped_secret": totp.grouped(secret),
        "uri": uri,
        # segno's own markup: the URI is drawn as modules, never written into it as text (the title is ours).
        "qr_code": Markup(enrolment_qr_svg(uri)),  # noqa: S704
    }


@router.get(links.STAFF_ENROLMENT, include_in_schema=False)
def get_enrolment():
    member = _enrolment_member()
    if member is None:
        return _to_login()
    return _staff_page("staff/enrolment.html", errors={}, values={}, **_enrolment_context(member))


@router.post(links.STAFF_ENROLMENT, include_in_schema=False)
def post_enrolment():
    member = _enrolment_member()
    if member is None:
        return _to_login()
    here = request_context(router)
    form = FormPage(
        router, "staff/enrolment.html", again_context=lambda: _enrolment_context(_enrolment_member() or member)
    )
    if refused := _genuine_or_again(form):
        return refused

    def check(errors):
        errors["code"] = None if form.fields.get("code", "").strip() else REQUIRED

    def call(_):
        token = staff_token(router.current_event) or ""
        return flows.confirm_enrolment(services(), member, form.fields["code"], token, here.request_id)

    def refused_(error: DomainError):  # a wrong code, or the lock-out it reached: said next to the field
        return form.again(error.status, {"code": error.message}, error)

    def done(enrolled: flows.Enrolled):
        return _staff_page(
            "staff/recovery_codes.html", codes=enrolled.recovery_codes, cookies=[_opened_cookie(enrolled.opened)]
        )

    return form.post(check, call, done, refused_)


# --- recovery codes ----------------------------------------------------------------------------------------------


@router.get(links.STAFF_RECOVERY_CODES, include_in_schema=False)
def get_recovery_codes():
    member = signed_in_member()
    if member is None:
        return _to_login()
    return _staff_page("staff/recovery_codes.html", codes=None, left=len(member.recovery_code_hashes))


@router.post(links.STAFF_RECOVERY_CODES, include_in_schema=False)
def post_recovery_codes():
    member = signed_in_member()
    if member is None:
        return _to_login()
    form = FormPage(router, "staff/recovery_codes.html", codes=None, left=len(member.recovery_code_hashes))
    if refused := _genuine_or_again(form):
        return refused
    codes = flows.regenerate_recovery_codes(services(), member, request_context(router).request_id)
    return _staff_page("staff/recovery_codes.html", codes=codes)
