from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ent_accounts.errors import InvalidOrExpiredCode, InvalidRequest
from ent_accounts.flows.password_reset import request_password_reset, reset_password, usable_reset_code
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.pages import page
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


@router.get("/reinitialiser-mot-de-passe", include_in_schema=False)
def get_reset_page(code: Annotated[str, Query()] = ""):
    """The page a reset mail's link opens: a form for the new password, or why the link does not work."""
    try:
        usable_reset_code(services(), code)
    except InvalidOrExpiredCode:
        return page("password_reset.html", status=410, valid=False)
    return page("password_reset.html", valid=True, code=code)


@router.post("/reinitialiser-mot-de-passe", include_in_schema=False)
def post_reset_form():
    """The form of that page (works without JavaScript). The code in the form is what a forger cannot know."""
    form = parse_qs(router.current_event.decoded_body or "", keep_blank_values=True)
    code = (form.get("code") or [""])[0]
    password = (form.get("new_password") or [""])[0]
    confirmation = (form.get("new_password_confirmation") or [""])[0]
    if password != confirmation:
        error = "Les deux mots de passe ne sont pas identiques."
        return page(
            "password_reset.html", status=400, valid=True, code=code, errors={"new_password_confirmation": error}
        )
    try:
        reset_password(services(), code, password, request_id(router))
    except InvalidOrExpiredCode:
        return page("password_reset.html", status=410, valid=False)
    except InvalidRequest as error:
        return page("password_reset.html", status=400, valid=True, code=code, errors=error.fields)
    return page("password_reset.html", done=True, login_url=f"{base_url(router)}/connexion")
