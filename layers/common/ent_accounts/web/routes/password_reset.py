from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ent_accounts.errors import DomainError, InvalidOrExpiredCode
from ent_accounts.flows.password_reset import request_password_reset, reset_password, usable_reset_code
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.csrf import csrf_valid
from ent_accounts.web.forms import (
    EXPIRED_FORM,
    PASSWORDS_DIFFER,
    REQUIRED,
    field_errors,
    form_data,
    identifier_error,
)
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import (
    AcceptedResponse,
    ForgotPasswordRequest,
    PasswordChangedResponse,
    ResetPasswordRequest,
    documented,
)

router = Router()

# The same answer for every identifier: it must not tell whether the account exists or has an address.
FORGOT_ANSWER = (
    "Si ce compte a une adresse mail validée, un lien pour choisir un nouveau mot de passe vient d'y être envoyé "
    "(il fonctionne une heure). Si tu n'as pas validé d'adresse mail, demande à ton établissement de réinitialiser "
    "ton mot de passe."
)


@router.post(
    "/api/password/forgot",
    summary="Mot de passe oublié : un lien est envoyé à l'adresse validée du compte",
    responses=documented(202, "Demande prise en compte", AcceptedResponse, 400, 429, 503),
)
def post_forgot(body: ForgotPasswordRequest):
    request_password_reset(services(), body.identifier, base_url(router), request_id(router))
    return json_response(202, {"status": "accepted", "message": FORGOT_ANSWER})


@router.post(
    "/api/password/reset",
    summary="Choisir un nouveau mot de passe avec le code du lien reçu",
    responses=documented(200, "Mot de passe changé", PasswordChangedResponse, 400, 410),
)
def post_reset(body: ResetPasswordRequest):
    reset_password(services(), body.code, body.new_password, request_id(router))
    return json_response(200, {"status": "password_changed"})


@router.get("/mot-de-passe-oublie", include_in_schema=False)
def get_forgot_page():
    return page_for(router, "forgot_password.html", errors={}, values={})


@router.post("/mot-de-passe-oublie", include_in_schema=False)
def post_forgot_page():
    form = form_data(router.current_event)
    values = {"identifier": form.get("identifier", "").strip()}
    if not csrf_valid(router.current_event, form):
        return page_for(router, "forgot_password.html", 403, errors={"_form": EXPIRED_FORM}, values=values)
    if error := identifier_error(values["identifier"]):
        return page_for(router, "forgot_password.html", 400, errors={"identifier": error}, values=values)
    try:
        request_password_reset(services(), values["identifier"], base_url(router), request_id(router))
    except DomainError as error:
        errors = field_errors(error)
        return page_for(router, "forgot_password.html", error.status, errors=errors, values=values, error=error)
    return page_for(router, "forgot_password.html", done=True, message=FORGOT_ANSWER)


@router.get("/reinitialiser-mot-de-passe", include_in_schema=False)
def get_reset_page(code: Annotated[str, Query()] = ""):
    """The page a reset mail's link opens: a form for the new password, or why the link does not work."""
    try:
        usable_reset_code(services(), code)
    except InvalidOrExpiredCode:
        return page_for(router, "password_reset.html", 410, valid=False)
    return page_for(router, "password_reset.html", valid=True, code=code, errors={})


@router.post("/reinitialiser-mot-de-passe", include_in_schema=False)
def post_reset_form():
    """The form of that page (works without JavaScript)."""
    form = form_data(router.current_event)
    code, password = form.get("code", ""), form.get("new_password", "")

    def again(status: int, errors: dict[str, str], error=None):
        return page_for(router, "password_reset.html", status, valid=True, code=code, errors=errors, error=error)

    if not csrf_valid(router.current_event, form):
        return again(403, {"_form": EXPIRED_FORM})
    if not password:
        return again(400, {"new_password": REQUIRED})
    if password != form.get("new_password_confirmation", ""):
        return again(400, {"new_password_confirmation": PASSWORDS_DIFFER})
    try:
        reset_password(services(), code, password, request_id(router))
    except InvalidOrExpiredCode:
        return page_for(router, "password_reset.html", 410, valid=False)
    except DomainError as error:
        return again(error.status, field_errors(error), error)
    return page_for(router, "password_reset.html", done=True)
