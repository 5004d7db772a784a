"""The school staff's daily work, /etablissement/<uai>/… (French, "vous"): the dashboard, the list, an account's
page, its reset (answered with the new letter's PDF) and its deletion in two steps.

Every route first takes the member of the full staff session (else the sign-in page), then `authorize(member, uai,
action)`: no role at that UAI is the 404 of an unknown account (a member never learns what another school holds), a
role that does not allow the action is a 403 page. The view functions (ent_accounts/console/) read only the school
of the URL, so another school's account is NotFound (404) too. Every POST checks the CSRF token first.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import functools
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts import links
from ent_accounts.console import uploads
from ent_accounts.console.account_page import account_page_for, delete_confirmation_for
from ent_accounts.console.chase import chase_list_for, reminder_letters_for
from ent_accounts.console.dashboard import dashboard_for
from ent_accounts.console.listing import account_list_for
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.console.reissue import reissue_page_for
from ent_accounts.errors import DomainError, InvalidRequest, NotFound
from ent_accounts.flows.school import children_lines, delete_by_school, reissue_letters, reset_by_school
from ent_accounts.flows.school_contact import (
    ContactChangedMeanwhile,
    ContactRefused,
    contact_for_pages,
    current_contact,
    update_contact,
)
from ent_accounts.flows.staff import (
    NotYourself,
    StaffNotFound,
    invite,
    remove_from_school,
    school_role_offers,
    school_staff,
    team_mate,
)
from ent_accounts.observability import logger
from ent_accounts.schools import normalize_uai
from ent_accounts.services import services
from ent_accounts.staff.members import (
    ROLE_ACTIONS,
    ROLE_LABELS,
    Action,
    StaffMember,
    StaffStatus,
    actor,
    authorize,
    normalize_email,
)
from ent_accounts.templates import french_datetime
from ent_accounts.web import admin_views
from ent_accounts.web.context import request_context
from ent_accounts.web.csrf import csrf_valid
from ent_accounts.web.forms import form_data, redirect
from ent_accounts.web.pages import page_for
from ent_accounts.web.routes.school_console import EXPIRED_FORM, signed_in_member
from ent_accounts.wording import PARENT

router = Router()


class FormExpired(DomainError):
    status = 403
    code = "csrf"
    message = EXPIRED_FORM


class _SignIn(Exception):
    """No full staff session: the browser goes to the sign-in page."""


def _member() -> StaffMember:
    member = signed_in_member()
    if member is None:
        raise _SignIn()
    return member


def _allowed(member: StaffMember, uai: str, action: Action) -> frozenset[str]:
    """The action names the member's role at `uai` allows, once `authorize` let `action` through (404 / 403)."""
    role = authorize(member, uai, action)
    return frozenset(str(one) for one in ROLE_ACTIONS[role])


def _page(template: str, uai: str, allowed: frozenset[str], status: int = 200, **context) -> Response:
    contact = contact_for_pages(services(), uai)
    return page_for(
        router,
        f"etablissement/{template}",
        status,
        school=SchoolPaths(uai),
        school_name=contact.name if contact else None,
        allowed=allowed,
        staff=True,
        staff_signed_in=True,
        **context,
    )


def _school_name(uai: str) -> str | None:
    """The school's name as its contact says (the letters print it), if it wrote one."""
    contact = contact_for_pages(services(), uai)
    return contact.name if contact else None


def _form() -> dict[str, str]:
    fields = form_data(router.current_event)
    if not csrf_valid(router.current_event, fields):
        raise FormExpired()
    return fields


def _to_sign_in() -> Response:
    return redirect(request_context(router).links.page(links.STAFF_LOGIN) + "?fin=session")


def _signed_in(handler):
    """The route, or the sign-in page when the session is missing or ended. A UAI typed in lower case (0341234a) is
    the school's: a page opened so moves to its canonical address, a form sent so is taken as the school's."""

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        typed = kwargs.get("uai")
        canonical = normalize_uai(typed)
        if typed is not None and canonical and canonical != typed:
            if router.current_event.http_method == "GET":
                return _to_canonical(typed, canonical)
            kwargs["uai"] = canonical
        try:
            return handler(*args, **kwargs)
        except _SignIn:
            return _to_sign_in()

    return wrapped


def _to_canonical(typed: str, canonical: str) -> Response:
    """301 to the same page under the upper-case UAI, its query kept (bookmarks and typed addresses converge)."""
    event = router.current_event
    path = event.path.replace(f"{links.STAFF_HOME}/{typed}", f"{links.STAFF_HOME}/{canonical}", 1)
    query = event.multi_value_query_string_parameters or {}
    search = f"?{urlencode(query, doseq=True)}" if query else ""
    return Response(status_code=301, headers={"Location": request_context(router).links.page(path) + search}, body="")


# --- reading -----------------------------------------------------------------------------------------------------


@router.get("/etablissement/<uai>", include_in_schema=False)
@_signed_in
def get_dashboard(uai: str):
    allowed = _allowed(_member(), uai, Action.LIST)
    return _page("tableau_de_bord.html", uai, allowed, view=dashboard_for(services(), uai, SchoolPaths(uai)))


@router.get("/etablissement/<uai>/comptes", include_in_schema=False)
@_signed_in
def get_accounts(uai: str):
    allowed = _allowed(_member(), uai, Action.LIST)
    query = router.current_event.query_string_parameters or {}
    return _page("comptes.html", uai, allowed, view=account_list_for(services(), uai, SchoolPaths(uai), query))


@router.get("/etablissement/<uai>/comptes/<identifier>", include_in_schema=False)
@_signed_in
def get_account(uai: str, identifier: str):
    allowed = _allowed(_member(), uai, Action.VIEW)
    view = account_page_for(services(), uai, identifier, SchoolPaths(uai), allowed)
    return _page("compte.html", uai, allowed, view=view)


# --- changing ----------------------------------------------------------------------------------------------------


@router.post("/etablissement/<uai>/comptes/<identifier>/reinitialiser", include_in_schema=False)
@_signed_in
def post_reset(uai: str, identifier: str):
    from ent_accounts.letters import render_pdf  # fpdf2 (the admin layer) only when a letter is printed

    member = _member()
    _allowed(member, uai, Action.RESET)
    _form()
    here = request_context(router)
    issued = reset_by_school(services(), uai, identifier, here.request_id, actor(member))
    logger.info("account reset by staff", extra={"uai": uai, "by": actor(member)})
    letter = admin_views.letter(issued, here.links.login(), _school_name(uai))
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=render_pdf([letter]),
        headers={"Content-Disposition": f'attachment; filename="lettre-{issued.account.identifier}.pdf"'},
    )


@router.get("/etablissement/<uai>/comptes/<identifier>/supprimer", include_in_schema=False)
@_signed_in
def get_delete(uai: str, identifier: str):
    allowed = _allowed(_member(), uai, Action.DELETE)
    view = delete_confirmation_for(services(), uai, identifier, SchoolPaths(uai))
    return _page("compte_suppression.html", uai, allowed, view=view)


@router.post("/etablissement/<uai>/comptes/<identifier>/supprimer", include_in_schema=False)
@_signed_in
def post_delete(uai: str, identifier: str):
    member = _member()
    allowed = _allowed(member, uai, Action.DELETE)
    fields = _form()
    paths = SchoolPaths(uai)
    if fields.get("confirmation", "") != identifier:  # not this page's confirmation: asked again
        view = delete_confirmation_for(services(), uai, identifier, paths)
        return _page("compte_suppression.html", uai, allowed, 400, view=view)
    delete_by_school(services(), uai, identifier, request_context(router).request_id, actor(member))
    logger.info("account deleted by staff", extra={"uai": uai, "by": actor(member)})
    return redirect(request_context(router).links.page(paths.accounts))


# --- import by upload --------------------------------------------------------------------------------------------

TOO_BIG = "Le fichier est trop gros (plus de 4 Mo) : une liste d'élèves en fait bien moins."
NOT_A_FILE = "Choisissez le fichier de la liste, puis envoyez-le."
NOT_THE_PREVIEW = "Ces lignes ne viennent pas d'un aperçu : envoyez de nouveau le fichier."
MAX_CONFIRMATION_BYTES = 4 * 1024 * 1024  # the rows posted back: 2,000 lines are well under 1 MB


def _raw_body() -> bytes:
    event = router.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(body)
    return body.encode("utf-8")


def _body_size() -> int:
    """The body's size before decoding it (base64 is 4/3 of it)."""
    event = router.current_event
    size = len(event.body or "")
    return size * 3 // 4 if event.is_base64_encoded else size


def multipart_fields(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """The text fields and the files ({name: (filename, data)}) of a multipart/form-data body, read by the
    standard library's MIME parser; a body that is not one gives nothing (the CSRF check then refuses it)."""
    if not content_type.lower().startswith("multipart/form-data"):
        return {}, {}
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        return {}, {}
    for part in list(message.iter_parts())[:20]:
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files.setdefault(name, (filename, data))
        else:
            fields.setdefault(name, data.decode("utf-8", "replace")[:1024])
    return fields, files


def _large_form() -> dict[str, str]:
    """An urlencoded form whose fields may be long (the import's rows), its CSRF token checked."""
    try:
        parsed = parse_qs(_raw_body().decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        parsed = {}
    fields = {name: values[0] for name, values in parsed.items()}
    if not csrf_valid(router.current_event, fields):
        raise FormExpired()
    return fields


def _import_page(uai: str, allowed: frozenset[str], status: int = 200, **context) -> Response:
    context.setdefault("preview", None)
    return _page("import.html", uai, allowed, status, accept=uploads.ACCEPT, **context)


@router.get("/etablissement/<uai>/import", include_in_schema=False)
@_signed_in
def get_import(uai: str):
    return _import_page(uai, _allowed(_member(), uai, Action.IMPORT))


@router.post("/etablissement/<uai>/import", include_in_schema=False)
@_signed_in
def post_import_preview(uai: str):
    allowed = _allowed(_member(), uai, Action.IMPORT)
    event = router.current_event
    if _body_size() > uploads.MAX_UPLOAD_BYTES + 64 * 1024:  # refused before anything is parsed
        return _import_page(uai, allowed, 413, problem=TOO_BIG, preview=_refused_preview(TOO_BIG))
    content_type = event.headers.get("content-type") or event.headers.get("Content-Type") or ""
    fields, files = multipart_fields(content_type, _raw_body())
    if not csrf_valid(event, fields):
        raise FormExpired()
    role = fields.get("profil", "eleve")
    if "fichier" not in files:
        return _import_page(uai, allowed, 400, preview=_refused_preview(NOT_A_FILE), default_role=role)
    filename, data = files["fichier"]
    preview = uploads.import_preview(filename, data, role)
    status = 200 if preview.may_proceed else 400
    return _import_page(
        uai, allowed, status, preview=preview, confirm_fields=uploads.confirmation_fields(preview), default_role=role
    )


def _refused_preview(message: str) -> uploads.ImportPreview:
    return uploads.ImportPreview("fichier", None, None, [], [], [uploads.LineProblem(None, message)],
                                 0, 0, 0, 0, (), [], [])  # fmt: skip


def _imported(uai: str, member: StaffMember, fields: dict[str, str]) -> tuple[list, dict]:
    """The import of the confirmed rows under its idempotency key (`cle`): done once, replayed afterwards (a double
    click, the letters' download). The rows are checked by the API's own model. Returns the rows and the answer
    the API would give (`admin_views.created_answer`)."""
    from pydantic import ValidationError

    from ent_accounts.flows.provisioning import import_accounts
    from ent_accounts.idempotency import checked_key, run_once
    from ent_accounts.web.admin_schemas import CreateAccountsRequest

    raw = fields.get("lignes", "")
    if len(raw) > MAX_CONFIRMATION_BYTES:
        raise InvalidRequest(NOT_THE_PREVIEW)
    try:
        body = CreateAccountsRequest.model_validate({"uai": uai, "accounts": json.loads(raw)})
    except (ValueError, ValidationError):
        raise InvalidRequest(NOT_THE_PREVIEW) from None
    key = checked_key(fields.get("cle", ""))
    rows = admin_views.new_accounts(body.accounts)
    current, here = services(), request_context(router)
    link = here.links.login()

    def work() -> dict:
        result = import_accounts(current, uai, rows, actor(member))
        logger.info(
            "accounts created by staff", extra={"uai": uai, "accounts": len(result.issued), "by": actor(member)}
        )
        return admin_views.kept_answer(result, link)

    payload = admin_views.import_payload(rows)
    kept = run_once(current, f"create-accounts#{uai}", key, payload, work, router.lambda_context)
    return body.accounts, admin_views.created_answer(uai, body.accounts, kept)


def _outcome(answer: dict, letters_path: str) -> uploads.ImportOutcome:
    created = answer["accounts"]
    changes = [
        f"{one['first_name']} {one['last_name']} : {one['previous_class']} → {one.get('class') or 'sans classe'}"
        for one in answer.get("existing", [])
        if one.get("previous_class")
    ]
    return uploads.ImportOutcome(
        created_students=sum(1 for one in created if one["role"] == "eleve"),
        created_parents=sum(1 for one in created if one["role"] == "parent"),
        recognised=len(answer.get("existing", [])),
        class_changes=changes,
        links=len(answer.get("links", [])),
        letters=len(created),
        letters_path=letters_path if created else None,
    )


@router.post("/etablissement/<uai>/import/creer", include_in_schema=False)
@_signed_in
def post_import(uai: str):
    member = _member()
    allowed = _allowed(member, uai, Action.IMPORT)
    fields = _large_form()
    _, answer = _imported(uai, member, fields)
    paths = SchoolPaths(uai)
    view = _outcome(answer, f"{paths.upload}/lettres")
    replay = {"lignes": fields["lignes"], "cle": fields["cle"]}
    return _page("import_resultat.html", uai, allowed, view=view, replay_fields=replay)


@router.post("/etablissement/<uai>/import/lettres", include_in_schema=False)
@_signed_in
def post_import_letters(uai: str):
    """The letters of an import: the import replayed by its key (the idempotency record keeps its passwords 24 h)."""
    from ent_accounts.letters import Letter, child_line, render_pdf

    member = _member()
    _allowed(member, uai, Action.IMPORT)
    _, answer = _imported(uai, member, _large_form())
    name = _school_name(uai)
    letters = [
        Letter(
            uai=uai,
            last_name=one["last_name"],
            first_name=one["first_name"],
            role=one["role"],
            school_class=one.get("class"),
            identifier=one["identifier"],
            provisional_password=one["provisional_password"],
            valid_until=datetime.fromisoformat(one["provisional_expires_at"].replace("Z", "+00:00")),
            login_url=answer["login_url"],
            school_name=name,
            children=tuple(
                child_line(child.get("first_name", ""), child.get("last_name", ""), child.get("class"))
                for child in one.get("children") or []
            ),
        )
        for one in sorted(answer["accounts"], key=lambda a: (a.get("class") or "", a["last_name"], a["first_name"]))
    ]
    if not letters:
        raise InvalidRequest("Cette importation n'a créé aucun compte : il n'y a pas de lettre à imprimer.")
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=render_pdf(letters),
        headers={"Content-Disposition": f'attachment; filename="lettres-import-{uai}.pdf"'},
    )


# --- to chase, reminders, letters again --------------------------------------------------------------------------

NOBODY_TO_REMIND = "Aucun compte de cette sélection n'attend la validation de son adresse : pas de lettre de rappel."


@router.get("/etablissement/<uai>/a-relancer", include_in_schema=False)
@_signed_in
def get_chase(uai: str):
    allowed = _allowed(_member(), uai, Action.LIST)
    query = router.current_event.query_string_parameters or {}
    return _page(
        "a_relancer.html", uai, allowed, view=chase_list_for(services(), uai, SchoolPaths(uai), query, allowed)
    )


@router.get("/etablissement/<uai>/a-relancer/lettres.pdf", include_in_schema=False)
@_signed_in
def get_reminders(uai: str):
    """The reminder letters of the accounts to chase: a GET, since printing them issues nothing."""
    from ent_accounts.letters import render_pdf

    _allowed(_member(), uai, Action.LIST)
    query = router.current_event.query_string_parameters or {}
    reminders = reminder_letters_for(services(), uai, request_context(router).links.login(), query, _school_name(uai))
    if not reminders:  # a tampered link, or everybody validated meanwhile: no PDF without a page
        raise NotFound(NOBODY_TO_REMIND)
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=render_pdf(reminders),
        headers={"Content-Disposition": f'attachment; filename="rappels-{uai}.pdf"'},
    )


@router.get("/etablissement/<uai>/lettres", include_in_schema=False)
@_signed_in
def get_letters(uai: str):
    allowed = _allowed(_member(), uai, Action.LETTERS)
    return _page("lettres.html", uai, allowed, view=reissue_page_for(services(), uai, SchoolPaths(uai)))


@router.post("/etablissement/<uai>/lettres", include_in_schema=False)
@_signed_in
def post_letters(uai: str):
    """A class's letters (or the parents'), printed again with new passwords, as POST /api/admin/letters does."""
    from ent_accounts.letters import render_pdf

    member = _member()
    _allowed(member, uai, Action.LETTERS)
    fields = _form()
    school_class = fields.get("classe", "").strip() or None
    role = fields.get("profil", "").strip() or None
    if role not in (None, "eleve", "parent"):
        raise InvalidRequest("Choisissez des lettres d'élèves ou de parents.")
    here = request_context(router)
    issued = reissue_letters(services(), uai, here.request_id, actor(member), school_class=school_class, role=role)
    children = children_lines(services(), [one.account for one in issued])
    name = _school_name(uai)
    letters = [
        admin_views.letter(one, here.links.login(), name, children.get(one.account.identifier, ())) for one in issued
    ]
    logger.info("letters reissued by staff", extra={"uai": uai, "letters": len(letters), "by": actor(member)})
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=render_pdf(letters),
        headers={
            "Content-Disposition": f'attachment; filename="{admin_views.letters_file_name(uai, school_class)}"',
            "X-Letters-Count": str(len(letters)),
        },
    )


# --- the school's staff (administrators) -------------------------------------------------------------------------

TEAM_STATUS = {
    StaffStatus.INVITED: "Invitation envoyée",
    StaffStatus.ACTIVE: "Actif",
    StaffStatus.DISABLED: "Désactivé",
}
ALREADY_MEMBER = "Cette personne fait déjà partie de l'équipe de l'établissement."
NOT_HERE = "Ce membre ne fait pas partie de l'équipe de l'établissement."
TEAM_LABELS = {"email": "Adresse mail", "first_name": "Prénom", "last_name": "Nom", "role": "Rôle"}


@dataclass(frozen=True)
class TeamRow:
    member_id: str
    name: str
    email: str
    role_label: str
    status_label: str
    may_remove: bool  # anyone but oneself
    sort_key: tuple[str, str]
    may_invite_again: bool = False  # an invitation whose link ended: the form sends a new one


def _invitation_ended(expires_at: datetime | None) -> bool:
    """Its link no longer works (an invitation written before its end was kept may be sent again too)."""
    return expires_at is None or expires_at <= services().clock.now()


def _invitation_status(expires_at: datetime | None) -> str:
    """An invitation's or a role offer's state, in the same words for both (an administrator never learns that the
    address was already staff elsewhere): until when its link works, or that it ended and may be sent again."""
    if expires_at is None:
        return TEAM_STATUS[StaffStatus.INVITED]
    if _invitation_ended(expires_at):
        return f"Invitation expirée le {french_datetime(expires_at)} : à renvoyer avec le formulaire d'invitation"
    return f"Invitation envoyée, lien valable jusqu'au {french_datetime(expires_at)}"


def _team_rows(uai: str, member: StaffMember) -> list[TeamRow]:
    """The school's members, and the roles it offered to existing accounts as pending invitations (the names and
    address as typed): an administrator cannot tell an offer from a new address's invitation."""
    members = school_staff(services(), uai, by_member=member)
    rows = [
        TeamRow(
            one.member_id,
            f"{one.first_name} {one.last_name}",
            one.email,
            ROLE_LABELS[one.roles[uai]],
            _invitation_status(one.invitation_expires_at)
            if one.status is StaffStatus.INVITED
            else TEAM_STATUS[one.status],
            one.member_id != member.member_id,
            (one.last_name.casefold(), one.first_name.casefold()),
            one.status is StaffStatus.INVITED and _invitation_ended(one.invitation_expires_at),
        )
        for one in members
    ]
    listed = {one.member_id for one in members}
    rows += [
        TeamRow(
            offer.member_id,
            f"{offer.first_name} {offer.last_name}",
            offer.email,
            ROLE_LABELS[offer.role],
            _invitation_status(offer.expires_at),
            True,
            (offer.last_name.casefold(), offer.first_name.casefold()),
            _invitation_ended(offer.expires_at),
        )
        for offer in school_role_offers(services(), uai, by_member=member)
        if offer.member_id not in listed
    ]
    return sorted(rows, key=lambda row: row.sort_key)


def _team_page(uai: str, member: StaffMember, allowed: frozenset[str], status: int = 200, **context) -> Response:
    rows = _team_rows(uai, member)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("notice", None)
    context.setdefault("problem", None)
    return _page(
        "equipe.html", uai, allowed, status, rows=rows, roles=list(ROLE_LABELS.items()), labels=TEAM_LABELS, **context
    )


@router.get("/etablissement/<uai>/equipe", include_in_schema=False)
@_signed_in
def get_team(uai: str):
    member = _member()
    return _team_page(uai, member, _allowed(member, uai, Action.MANAGE_STAFF))


@router.post("/etablissement/<uai>/equipe", include_in_schema=False)
@_signed_in
def post_team_invite(uai: str):
    member = _member()
    allowed = _allowed(member, uai, Action.MANAGE_STAFF)
    fields = _form()
    values = {name: fields.get(name, "").strip() for name in TEAM_LABELS}
    email = normalize_email(values["email"])
    if any(row.email == email and not row.may_invite_again for row in _team_rows(uai, member)):
        return _team_page(uai, member, allowed, 400, errors={"email": ALREADY_MEMBER}, values=values)
    here = request_context(router)
    try:
        invited = invite(
            services(),
            here.links,
            email=values["email"],
            first_name=values["first_name"],
            last_name=values["last_name"],
            uai=uai,
            role=values["role"],
            actor=actor(member),
            request_id=here.request_id,
            by_member=member,
        )
    except InvalidRequest as refused:
        errors = {name: text for name, text in refused.fields_for(PARENT).items() if name in TEAM_LABELS}
        if not errors:
            errors = {"email": refused.message_for(PARENT)}
        return _team_page(uai, member, allowed, 400, errors=errors, values=values)
    logger.info(
        "staff invited by staff",
        extra={"uai": uai, "new": invited.new, "offered": invited.offered, "by": actor(member)},
    )
    # One notice whatever the address was (new, invited, staff elsewhere, disabled): the page never tells.
    return _team_page(uai, member, allowed, notice=f"Invitation envoyée à {invited.member.email}.")


def _team_mate(uai: str, member: StaffMember, member_id: str):
    try:
        return team_mate(services(), uai, member_id, member)
    except (NotFound, StaffNotFound):  # not on this school's team (or another school's id): said as such
        raise NotFound(NOT_HERE) from None


@router.get("/etablissement/<uai>/equipe/retirer", include_in_schema=False)
@_signed_in
def get_team_remove(uai: str):
    """Asked first: "Retirer X de l'équipe de l'établissement ?", with the button that does it."""
    member = _member()
    allowed = _allowed(member, uai, Action.MANAGE_STAFF)
    member_id = (router.current_event.query_string_parameters or {}).get("membre", "")
    try:
        mate = _team_mate(uai, member, member_id)
    except NotYourself as refused:
        return _team_page(uai, member, allowed, 400, problem=refused.message)
    return _page("equipe_retrait.html", uai, allowed, mate=mate)


@router.post("/etablissement/<uai>/equipe/retirer", include_in_schema=False)
@_signed_in
def post_team_remove(uai: str):
    member = _member()
    allowed = _allowed(member, uai, Action.MANAGE_STAFF)
    fields = _form()
    try:
        removed = remove_from_school(
            services(), uai, fields.get("membre", ""), actor(member), request_context(router).request_id, member
        )
    except NotYourself as refused:
        return _team_page(uai, member, allowed, 400, problem=refused.message)
    except (NotFound, StaffNotFound):
        raise NotFound(NOT_HERE) from None
    logger.info("staff removed from a school by staff", extra={"uai": uai, "by": actor(member)})
    notice = f"{removed.email} ne fait plus partie de l'équipe de l'établissement."
    return _team_page(uai, member, allowed, notice=notice)


# --- the school's contact (everyone reads it; administrators change it) -------------------------------------------

CONTACT_LABELS = {
    "name": "Nom de l'établissement",
    "phone": "Téléphone",
    "email": "Adresse mail",
    "web_page": "Site de l'établissement",
    "hours": "Où et quand s'adresser",
}
CONTACT_SAVED = "Les coordonnées sont enregistrées : les pages des élèves et des parents les montrent."


def _contact_page(uai: str, allowed: frozenset[str], status: int = 200, **context) -> Response:
    contact = context.pop("contact", None) or current_contact(services(), uai)
    context.setdefault("errors", {})
    context.setdefault("values", {field: getattr(contact, field) or "" for field in CONTACT_LABELS})
    context.setdefault("notice", None)
    context.setdefault("problem", None)
    return _page(
        "coordonnees.html", uai, allowed, status, contact=contact, version=contact.version, labels=CONTACT_LABELS,
        **context,
    )  # fmt: skip


@router.get("/etablissement/<uai>/coordonnees", include_in_schema=False)
@_signed_in
def get_contact(uai: str):
    return _contact_page(uai, _allowed(_member(), uai, Action.LIST))


@router.post("/etablissement/<uai>/coordonnees", include_in_schema=False)
@_signed_in
def post_contact(uai: str):
    member = _member()
    allowed = _allowed(member, uai, Action.EDIT_CONTACT)
    fields = _form()
    values = {name: fields.get(name, "")[:1024] for name in CONTACT_LABELS}
    raw_version = fields.get("version", "")
    version = int(raw_version) if raw_version.isascii() and raw_version.isdigit() and len(raw_version) <= 12 else -1
    if version < 0:  # not this page's form: shown again as stored
        raise InvalidRequest("Ce formulaire n'est pas celui de la page : rechargez-la et recommencez.")
    here = request_context(router)
    try:
        saved = update_contact(services(), uai, values, version, actor(member), here.request_id)
    except ContactRefused as refused:
        return _contact_page(uai, allowed, 400, errors=refused.fields_for(PARENT), values=values)
    except ContactChangedMeanwhile as refused:  # the stored one shown, what was typed lost only on purpose
        return _contact_page(uai, allowed, 409, problem=refused.message_for(PARENT))
    logger.info("school contact updated by staff", extra={"uai": uai, "by": actor(member)})
    return _contact_page(uai, allowed, contact=saved, notice=CONTACT_SAVED)
