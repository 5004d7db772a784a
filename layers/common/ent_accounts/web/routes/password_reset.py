from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ent_accounts import links
from ent_accounts.errors import DomainError, InvalidOrExpiredCode
from ent_accounts.flows.forgotten_identifier import request_identifier_reminder
from ent_accounts.flows.password_reset import request_password_reset, reset_password, usable_reset_code
from ent_accounts.services import services
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import REQUIRED, FormPage, checked, field_errors, identifier_error
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import (
    AcceptedResponse,
    ForgotIdentifierRequest,
    ForgotPasswordRequest,
    PasswordChangedResponse,
    ResetPasswordRequest,
    documented,
    normalize_email,
)

router = Router()

# The same answer for every identifier: it must not tell whether the account exists or has an address (nor
# who reads it: impersonal words, wording.py).
FORGOT_ANSWER = (
    "Si ce compte a une adresse mail validée, un lien pour choisir un nouveau mot de passe vient d'y être envoyé "
    "(il fonctionne une heure). Sans adresse mail validée, l'établissement peut réinitialiser le mot de passe."
)

# The same answer for every address, in words that address nobody (the visitor may be a student or a parent).
FORGOT_IDENTIFIER_ANSWER = (
    "Si cette adresse mail a été validée pour un ou plusieurs comptes, un mail vient d'y être envoyé avec leurs "
    "identifiants. Sinon, l'identifiant est sur le courrier remis par l'établissement, qui peut aussi le redonner."
)


@router.post(
    "/api/password/forgot",
    summary="Mot de passe oublié : un lien est envoyé à l'adresse validée du compte",
    responses=documented(202, "Demande prise en compte", AcceptedResponse, 400, 429, 503),
)
def post_forgot(body: ForgotPasswordRequest):
    here = request_context(router)
    request_password_reset(services(), body.identifier, here.links, here.request_id)
    return json_response(202, {"status": "accepted", "message": FORGOT_ANSWER})


@router.post(
    "/api/password/reset",
    summary="Choisir un nouveau mot de passe avec le code du lien reçu",
    responses=documented(200, "Mot de passe changé", PasswordChangedResponse, 400, 410),
)
def post_reset(body: ResetPasswordRequest):
    reset_password(services(), body.code, body.new_password, request_context(router).request_id)
    return json_response(200, {"status": "password_changed"})


@router.get(links.FORGOT_PASSWORD, include_in_schema=False)
def get_forgot_page():
    return page_for(router, "forgot_password.html", errors={}, values={})


@router.post(links.FORGOT_PASSWORD, include_in_schema=False)
def post_forgot_page():
    form, here = FormPage(router, "forgot_password.html", keep=("identifier",)), request_context(router)

    def check(errors):
        errors["identifier"] = identifier_error(form.values["identifier"])

    def call(_):
        request_password_reset(services(), form.values["identifier"], here.links, here.request_id)

    return form.post(check, call, lambda _: page_for(router, "forgot_password.html", done=True, message=FORGOT_ANSWER))


def _reset_account(code: str):
    """The account a reset link's code is for, or None (forged, used, expired, or the password changed since)."""
    try:
        return usable_reset_code(services(), code)[1]
    except InvalidOrExpiredCode:
        return None


def _link_fails():
    # Nobody is known from a link that does not work: the page stays impersonal (no account, no audience).
    return page_for(router, "password_reset.html", 410, valid=False)


@router.get(links.PASSWORD_RESET, include_in_schema=False)
def get_reset_page(code: Annotated[str, Query()] = ""):
    """The page a reset mail's link opens: a form for the new password, or why the link does not work. The code
    names its account: the page says which one (a parent may share the address with children) in its holder's
    register."""
    account = _reset_account(code)
    if account is None:
        return _link_fails()
    return page_for(router, "password_reset.html", valid=True, code=code, errors={}, account=account)


@router.post(links.PASSWORD_RESET, include_in_schema=False)
def post_reset_form():
    """The form of that page (works without JavaScript)."""
    form = FormPage(router, "password_reset.html", valid=True)
    code = form.context["code"] = form.fields.get("code", "")
    account = form.context["account"] = _reset_account(code)
    if account is None and form.genuine:  # a forged post is refused as such (403) by form.post
        return _link_fails()

    def check(errors):  # reached with an account only: a post without one is refused above, or as forged
        return form.new_password(errors, account.identifier, (account.first_name, account.last_name))

    def refused(error: DomainError):
        if isinstance(error, InvalidOrExpiredCode):
            return _link_fails()
        return form.again(error.status, field_errors(error), error)

    def call(password):
        return reset_password(services(), code, password, request_context(router).request_id)

    def done(changed):
        return page_for(router, "password_reset.html", done=True, account=changed)

    return form.post(check, call, done, refused)


@router.post(
    "/api/identifier/forgot",
    summary="Identifiant oublié : les identifiants des comptes dont c'est l'adresse validée y sont envoyés",
    responses=documented(202, "Demande prise en compte", AcceptedResponse, 400, 429, 503),
)
def post_forgot_identifier(body: ForgotIdentifierRequest):
    here = request_context(router)
    request_identifier_reminder(services(), body.email, here.links, here.request_id)
    return json_response(202, {"status": "accepted", "message": FORGOT_IDENTIFIER_ANSWER})


@router.get(links.FORGOT_IDENTIFIER, include_in_schema=False)
def get_forgot_identifier_page():
    return page_for(router, "forgot_identifier.html", errors={}, values={})


@router.post(links.FORGOT_IDENTIFIER, include_in_schema=False)
def post_forgot_identifier_page():
    form, here = FormPage(router, "forgot_identifier.html", keep=("email",)), request_context(router)

    def check(errors):
        typed = form.values["email"]
        email, errors["email"] = checked(normalize_email, typed) if typed else (None, REQUIRED)
        return email

    def call(email):
        request_identifier_reminder(services(), email, here.links, here.request_id)

    def done(_):
        return page_for(router, "forgot_identifier.html", done=True, message=FORGOT_IDENTIFIER_ANSWER)

    return form.post(check, call, done, field="email")
