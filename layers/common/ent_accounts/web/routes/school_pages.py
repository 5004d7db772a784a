"""The school staff's daily work, /etablissement/<uai>/… (French, "vous"): the dashboard, the list, an account's
page, its reset (answered with the new letter's PDF) and its deletion in two steps.

Every route first takes the member of the full staff session (else the sign-in page), then `authorize(member, uai,
action)`: no role at that UAI is the 404 of an unknown account (a member never learns what another school holds), a
role that does not allow the action is a 403 page. The view functions (ent_accounts/console/) read only the school
of the URL, so another school's account is NotFound (404) too. Every POST checks the CSRF token first.
"""

from __future__ import annotations

import functools

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.console.account_page import account_page_for, delete_confirmation_for
from ent_accounts.console.dashboard import dashboard_for
from ent_accounts.console.listing import account_list_for
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.errors import DomainError
from ent_accounts.flows.school import delete_by_school, reset_by_school
from ent_accounts.observability import logger
from ent_accounts.services import services
from ent_accounts.staff.members import ROLE_ACTIONS, Action, StaffMember, actor, authorize
from ent_accounts.web import admin_views
from ent_accounts.web.context import request_context
from ent_accounts.web.csrf import csrf_valid
from ent_accounts.web.forms import form_data, redirect
from ent_accounts.web.pages import page_for
from ent_accounts.web.routes.school_console import EXPIRED_FORM, signed_in_member

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
    return page_for(
        router,
        f"etablissement/{template}",
        status,
        school=SchoolPaths(uai),
        allowed=allowed,
        staff=True,
        staff_signed_in=True,
        **context,
    )


def _form() -> dict[str, str]:
    fields = form_data(router.current_event)
    if not csrf_valid(router.current_event, fields):
        raise FormExpired()
    return fields


def _to_sign_in() -> Response:
    from ent_accounts import links

    return redirect(request_context(router).links.page(links.STAFF_LOGIN) + "?fin=session")


def _signed_in(handler):
    """The route, or the sign-in page when the session is missing or ended."""

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except _SignIn:
            return _to_sign_in()

    return wrapped


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
    letter = admin_views.letter(issued, here.links.login())
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
