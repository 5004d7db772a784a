from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts import links
from ent_accounts.clock import iso
from ent_accounts.errors import DomainError, InvalidCredentials
from ent_accounts.flows.login import login
from ent_accounts.services import services
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import REQUIRED, FormPage, identifier_error, redirect
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import LoginRequest, LoginResponse, documented
from ent_accounts.web.session import challenge_cookie, session_cookie

router = Router()


@router.post(
    "/api/login",
    summary="Se connecter avec l'identifiant et le mot de passe (provisoire ou personnel)",
    responses=documented(200, "Connecté, ou première connexion requise", LoginResponse, 400, 401, 403, 429),
)
def post_login(body: LoginRequest):
    result = login(services(), body.identifier, body.password, request_context(router).request_id)
    if result.status == "first_connection_required":
        answer = {"status": result.status, "challenge_token": result.token, "expires_at": iso(result.expires_at)}
        return json_response(200, answer)
    answer = {"status": result.status, "session_token": result.token, "expires_at": iso(result.expires_at)}
    response = json_response(200, answer)
    response.cookies.append(session_cookie(result.token, result.session))
    return response


# --- pages ---------------------------------------------------------------------------------------


@router.get(links.ROOT, include_in_schema=False)
def get_root():
    return redirect(request_context(router).links.login())


@router.get(links.LOGIN, include_in_schema=False)
def get_login_page():
    return page_for(router, "login.html", errors={}, values={})


@router.post(links.LOGIN, include_in_schema=False)
def post_login_page():
    form, here = FormPage(router, "login.html", keep=("identifier",)), request_context(router)
    identifier = form.values["identifier"]

    def check(errors):
        errors["identifier"] = identifier_error(identifier)
        if not form.fields.get("password", "").strip():
            errors["password"] = REQUIRED

    def call(_):
        return login(services(), identifier, form.fields["password"], here.request_id, pending_session=True)

    def refused(error: DomainError):
        # A wrong password is said next to its field; a lock-out (the message says for how long) above the form.
        field = "password" if isinstance(error, InvalidCredentials) else "_form"
        return form.again(error.status, {field: error.message}, error)

    def done(result):
        if result.status == "first_connection_required":
            cookie = challenge_cookie(result.token, result.expires_at)
            return redirect(here.links.page(links.FIRST_CONNECTION), [cookie])
        after = links.PENDING if result.status == "pending_validation" else links.DESK
        return redirect(here.links.page(after), [session_cookie(result.token, result.session)])

    return form.post(check, call, done, refused)
