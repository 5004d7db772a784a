from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts import links
from ent_accounts.accounts import same_address
from ent_accounts.clock import iso
from ent_accounts.errors import DomainError, InvalidCredentials, NotAuthenticated
from ent_accounts.flows.account_settings import (
    SAME_ADDRESSES,
    account_view,
    change_password,
    check_current_password,
    request_email_change,
)
from ent_accounts.flows.desk import children_of, services_page
from ent_accounts.flows.sessions import authenticate, authenticate_for_password_check, pending_session_state
from ent_accounts.services import services
from ent_accounts.sso.logout import ending_session
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import REQUIRED, FormPage, checked, field_errors, redirect
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import (
    AccountResponse,
    ConfirmationSentResponse,
    EmailChangeRequest,
    PasswordChangedResponse,
    PasswordChangeRequest,
    documented,
    error_responses,
    normalize_email,
)
from ent_accounts.web.session import cleared_session_cookie, session_cookie, session_token

router = Router()


def signed_in():
    return authenticate(services(), session_token(router.current_event))


def signed_in_for_password_check():
    """The signed-in account as read with its lock-out counter, for the routes that check the password again."""
    return authenticate_for_password_check(services(), session_token(router.current_event))


SESSION = [{"session": []}, {"sessionCookie": []}]  # OpenAPI: either the Bearer token or the cookie
NO_CONTENT = {"description": "Déconnecté"}


@router.get(
    "/api/account",
    security=SESSION,
    summary="Voir son compte (gérer son compte)",
    responses=documented(200, "Le compte", AccountResponse, 401),
)
def get_account():
    return json_response(200, account_view(signed_in()))


@router.post(
    "/api/account/email",
    security=SESSION,
    summary="Saisir ou changer l'adresse mail : confirmée par un lien envoyé à la nouvelle adresse",
    responses=documented(202, "Lien de confirmation envoyé", ConfirmationSentResponse, 400, 401, 403, 429, 503),
)
def post_account_email(body: EmailChangeRequest):
    signed_in, here = signed_in_for_password_check(), request_context(router)
    request_email_change(
        services(),
        signed_in,
        body.current_password,
        body.new_email,
        body.new_email_confirmation,
        here.links,
        here.request_id,
    )
    return json_response(202, {"status": "confirmation_sent"})


@router.post(
    "/api/account/password",
    security=SESSION,
    summary="Changer de mot de passe (toutes les autres sessions se terminent)",
    responses=documented(200, "Mot de passe changé", PasswordChangedResponse, 400, 401, 403, 429),
)
def post_account_password(body: PasswordChangeRequest):
    signed_in, here = signed_in_for_password_check(), request_context(router)
    token, session = change_password(services(), signed_in, body.current_password, body.new_password, here.request_id)
    answer = {"status": "password_changed", "session_token": token, "expires_at": iso(session.expires_at)}
    response = json_response(200, answer)
    response.cookies.append(session_cookie(token, session))
    return response


# Ending a session needs no proof of it: without one, logging out does nothing and still answers 204. A 403: the
# session cookie sent from another site's page (web/request_checks.py), as for the two routes above.
@router.post(
    "/api/logout",
    summary="Se déconnecter (sans session, ne fait rien)",
    responses={204: NO_CONTENT, **error_responses(403)},
)
def post_logout():
    # Single logout: the services signed in through the session are to be told (sso/logout.py).
    here = request_context(router)
    ending_session(services(), session_token(router.current_event), here.request_id, here.base_url)
    response = Response(status_code=204, body="")
    response.cookies.append(cleared_session_cookie())
    return response


# --- pages: the desk (« Bureau ») and « gérer son compte » -----------------------------------------


def _signed_in_page(for_password_check: bool = False):
    """(account, None) for a signed-in browser, else (None, a redirect to the login page). `for_password_check`: the
    account as read for a form that checks the password again (`SignedIn`)."""
    try:
        return (signed_in_for_password_check() if for_password_check else signed_in()), None
    except NotAuthenticated:
        token = session_token(router.current_event)
        here = request_context(router).links
        # A pending session's page is the pending one; once its address is validated, the password is asked again.
        state = pending_session_state(services(), token)
        if state == "pending":
            return None, redirect(here.page(links.PENDING))
        if state == "validated":
            return None, redirect(here.login("validation"), [cleared_session_cookie()])
        # A browser that still holds a session cookie had a session that ended (idle, logged out elsewhere).
        ended = "session" if token else None
        return None, redirect(here.login(ended), [cleared_session_cookie()] if ended else [])


def _my_account(account, status: int = 200, **context):
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return page_for(router, "my_account.html", status, account=account, signed_in=True, **context)


@router.get(links.DESK, include_in_schema=False)
def get_desk():
    account, away = _signed_in_page()
    if away:
        return away
    tiles = services_page(services(), account, request_context(router).base_url)  # the issuer, as discovery says
    children = children_of(services(), account)
    return page_for(router, "desk.html", account=account, signed_in=True, tiles=tiles, children=children)


@router.get(links.MY_ACCOUNT, include_in_schema=False)
def get_my_account():
    account, away = _signed_in_page()
    return away or _my_account(account)


def _current_password_too(signed_in, errors: dict, field: str, password: str) -> None:
    """Every error at once (issue 18): a form of this page refused for its other fields still says whether its
    current password is right, checked and counted as the change itself would (flows/account_settings.py:
    check_current_password, which says why that is fair to the lock-out). A lock-out met there is raised, for the
    form to show with its status."""
    if password and any(errors.values()):
        try:
            check_current_password(services(), signed_in, password, request_context(router).request_id)
        except InvalidCredentials as wrong:
            errors[field] = wrong.fields.get("current_password", wrong.message)


@router.post(links.MY_ADDRESS, include_in_schema=False)
def post_my_address():
    signed_in, away = _signed_in_page(for_password_check=True)
    if away:
        return away
    keep = ("new_email", "new_email_confirmation")
    form = FormPage(router, "my_account.html", keep=keep, account=signed_in.account, signed_in=True)
    here = request_context(router)

    def check(errors):
        password = form.fields.get("current_password", "")
        errors["current_password"] = None if password else REQUIRED  # first: the form's order
        typed, again = form.values["new_email"], form.values["new_email_confirmation"]
        new_email, errors["new_email"] = checked(normalize_email, typed) if typed else (None, REQUIRED)
        if new_email:
            confirmation, _ = checked(normalize_email, again)
            differ = not (confirmation and same_address(confirmation, new_email))
        else:  # not an address: the two compared as typed, so that a different confirmation is said too
            differ = bool(typed) and typed.casefold() != again.casefold()
        if differ:
            errors["new_email_confirmation"] = SAME_ADDRESSES
        _current_password_too(signed_in, errors, "current_password", password)
        return new_email

    def call(new_email):
        password = form.fields["current_password"]
        return request_email_change(services(), signed_in, password, new_email, new_email, here.links, here.request_id)

    return form.post(check, call, lambda account: _my_account(account, email_sent=True), field="current_password")


@router.post(links.MY_PASSWORD, include_in_schema=False)
def post_my_password():
    signed_in, away = _signed_in_page(for_password_check=True)
    if away:
        return away
    account = signed_in.account
    form = FormPage(router, "my_account.html", account=account, signed_in=True)

    def check(errors):
        # Every error at once, as the first connection's form: the password rules and the confirmation together.
        current = form.fields.get("password_current", "")
        errors["password_current"] = None if current else REQUIRED
        form.new_password(errors, account.identifier, (account.first_name, account.last_name))
        _current_password_too(signed_in, errors, "password_current", current)

    def call(_):
        current, new = form.fields["password_current"], form.fields["new_password"]
        return change_password(services(), signed_in, current, new, request_context(router).request_id)

    def refused(error: DomainError):
        errors = field_errors(error, "password_current")
        if "current_password" in errors:  # the API's name for the field this form calls password_current
            errors["password_current"] = errors.pop("current_password")
        return form.again(error.status, errors, error)

    def done(opened):
        token, session = opened
        return _my_account(signed_in.account, password_changed=True, cookies=[session_cookie(token, session)])

    return form.post(check, call, done, refused, field="password_current")


@router.get(links.LOGOUT, include_in_schema=False)
def get_logout_page():
    """A bookmarked or typed logout address: the page with the logout button (a GET never logs out, or any site's
    link could); without a session, the login page."""
    if session_token(router.current_event) is None:
        return redirect(request_context(router).links.login())
    return page_for(router, "logout.html")


@router.post(links.LOGOUT, include_in_schema=False)
def post_logout_page():
    if FormPage(router).genuine:  # a forged post must not sign anybody out
        here = request_context(router)
        ending_session(services(), session_token(router.current_event), here.request_id, here.base_url)
    notice_cookie = cleared_session_cookie()
    return redirect(request_context(router).links.login("deconnexion"), [notice_cookie])
