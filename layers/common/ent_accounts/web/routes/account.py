from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.accounts import same_address
from ent_accounts.clock import iso
from ent_accounts.errors import DomainError, NotAuthenticated
from ent_accounts.flows.account_settings import SAME_ADDRESSES, account_view, change_password, request_email_change
from ent_accounts.flows.sessions import authenticate, authenticate_with_throttle, close_session
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.csrf import csrf_valid
from ent_accounts.web.forms import EXPIRED_FORM, PASSWORDS_DIFFER, REQUIRED, checked, field_errors, form_data, redirect
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


def signed_in_with_throttle():
    """The account and its lock-out counter, in one read, for the routes that check the password again."""
    return authenticate_with_throttle(services(), session_token(router.current_event))


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
    account, throttle = signed_in_with_throttle()
    request_email_change(
        services(),
        account,
        body.current_password,
        body.new_email,
        body.new_email_confirmation,
        base_url(router),
        request_id(router),
        throttle,
    )
    return json_response(202, {"status": "confirmation_sent"})


@router.post(
    "/api/account/password",
    security=SESSION,
    summary="Changer de mot de passe (toutes les autres sessions se terminent)",
    responses=documented(200, "Mot de passe changé", PasswordChangedResponse, 400, 401, 403, 429),
)
def post_account_password(body: PasswordChangeRequest):
    account, throttle = signed_in_with_throttle()
    current = services()
    token, session = change_password(
        current, account, body.current_password, body.new_password, request_id(router), throttle
    )
    answer = {"status": "password_changed", "session_token": token, "expires_at": iso(session.expires_at)}
    response = json_response(200, answer)
    max_age = int((session.absolute_expires_at - current.clock.now()).total_seconds())
    response.cookies.append(session_cookie(token, max_age))
    return response


# Ending a session needs no proof of it: without one, logging out does nothing and still answers 204. A 403: the
# session cookie sent from another site's page (web/request_checks.py), as for the two routes above.
@router.post(
    "/api/logout",
    summary="Se déconnecter (sans session, ne fait rien)",
    responses={204: NO_CONTENT, **error_responses(403)},
)
def post_logout():
    close_session(services(), session_token(router.current_event))
    response = Response(status_code=204, body="")
    response.cookies.append(cleared_session_cookie())
    return response


# --- pages: the desk (« Bureau ») and « gérer son compte » -----------------------------------------


def _signed_in_page():
    """(account, None) for a signed-in browser, else (None, a redirect to the login page)."""
    try:
        return signed_in(), None
    except NotAuthenticated:
        return None, redirect(f"{base_url(router)}/connexion")


def _signed_in_form():
    """(account, lock-out counter, None) for a signed-in browser posting its password, else (None, None, a redirect)."""
    try:
        return *signed_in_with_throttle(), None
    except NotAuthenticated:
        return None, None, redirect(f"{base_url(router)}/connexion")


def _my_account(account, status: int = 200, **context):
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return page_for(router, "my_account.html", status, account=account, signed_in=True, **context)


@router.get("/bureau", include_in_schema=False)
def get_desk():
    account, away = _signed_in_page()
    return away or page_for(router, "desk.html", account=account, signed_in=True)


@router.get("/mon-compte", include_in_schema=False)
def get_my_account():
    account, away = _signed_in_page()
    return away or _my_account(account)


@router.post("/mon-compte/adresse", include_in_schema=False)
def post_my_address():
    account, throttle, away = _signed_in_form()
    if away:
        return away
    form = form_data(router.current_event)
    values = {name: form.get(name, "").strip() for name in ("new_email", "new_email_confirmation")}
    if not csrf_valid(router.current_event, form):
        return _my_account(account, 403, errors={"_form": EXPIRED_FORM}, values=values)
    errors = {}
    if not form.get("current_password"):
        errors["current_password"] = REQUIRED
    new_email, errors["new_email"] = (
        checked(normalize_email, values["new_email"]) if values["new_email"] else (None, REQUIRED)
    )
    confirmation, _ = checked(normalize_email, values["new_email_confirmation"])
    if new_email and not (confirmation and same_address(confirmation, new_email)):
        errors["new_email_confirmation"] = SAME_ADDRESSES
    errors = {name: message for name, message in errors.items() if message}
    if errors:
        return _my_account(account, 400, errors=errors, values=values)
    try:
        request_email_change(
            services(),
            account,
            form["current_password"],
            new_email,
            new_email,
            base_url(router),
            request_id(router),
            throttle,
        )
    except DomainError as error:
        errors = field_errors(error, "current_password")
        return _my_account(account, error.status, errors=errors, values=values, error=error)
    return _my_account(services().store.get_account(account.identifier), email_sent=True)


@router.post("/mon-compte/mot-de-passe", include_in_schema=False)
def post_my_password():
    account, throttle, away = _signed_in_form()
    if away:
        return away
    form = form_data(router.current_event)
    if not csrf_valid(router.current_event, form):
        return _my_account(account, 403, errors={"_form": EXPIRED_FORM})
    errors = {name: REQUIRED for name in ("password_current", "new_password") if not form.get(name)}
    if not errors and form["new_password"] != form.get("new_password_confirmation", ""):
        errors["new_password_confirmation"] = PASSWORDS_DIFFER
    if errors:
        return _my_account(account, 400, errors=errors)
    current = services()
    try:
        token, session = change_password(
            current, account, form["password_current"], form["new_password"], request_id(router), throttle
        )
    except DomainError as error:
        errors = field_errors(error, "password_current")
        if "current_password" in errors:
            errors["password_current"] = errors.pop("current_password")
        return _my_account(account, error.status, errors=errors, error=error)
    max_age = int((session.absolute_expires_at - current.clock.now()).total_seconds())
    return _my_account(account, password_changed=True, cookies=[session_cookie(token, max_age)])


@router.post("/deconnexion", include_in_schema=False)
def post_logout_page():
    form = form_data(router.current_event)
    if csrf_valid(router.current_event, form):  # a forged post must not sign anybody out
        close_session(services(), session_token(router.current_event))
    notice_cookie = cleared_session_cookie()
    return redirect(f"{base_url(router)}/connexion", [notice_cookie])
