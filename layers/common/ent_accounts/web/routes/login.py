from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.clock import iso
from ent_accounts.errors import DomainError, InvalidCredentials
from ent_accounts.flows.login import login
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.csrf import csrf_valid
from ent_accounts.web.forms import EXPIRED_FORM, REQUIRED, form_data, identifier_error, redirect
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
    result = login(services(), body.identifier, body.password, request_id(router))
    if result.status == "first_connection_required":
        answer = {"status": result.status, "challenge_token": result.token, "expires_at": iso(result.expires_at)}
        return json_response(200, answer)
    answer = {"status": result.status, "session_token": result.token, "expires_at": iso(result.expires_at)}
    response = json_response(200, answer)
    response.cookies.append(session_cookie(result.token, result.cookie_max_age))
    return response


# --- pages ---------------------------------------------------------------------------------------


@router.get("/", include_in_schema=False)
def get_root():
    return redirect(f"{base_url(router)}/connexion")


@router.get("/connexion", include_in_schema=False)
def get_login_page():
    return page_for(router, "login.html", errors={}, values={})


@router.post("/connexion", include_in_schema=False)
def post_login_page():
    form = form_data(router.current_event)
    values = {"identifier": form.get("identifier", "").strip()}
    if not csrf_valid(router.current_event, form):
        return page_for(router, "login.html", 403, errors={"_form": EXPIRED_FORM}, values=values)
    errors = {"identifier": identifier_error(values["identifier"])}
    if not form.get("password", "").strip():
        errors["password"] = REQUIRED
    errors = {name: message for name, message in errors.items() if message}
    if errors:
        return page_for(router, "login.html", 400, errors=errors, values=values)
    try:
        result = login(services(), values["identifier"], form["password"], request_id(router), pending_session=True)
    except InvalidCredentials as error:
        return page_for(router, "login.html", 401, errors={"password": error.message}, values=values)
    except DomainError as error:  # locked: the message says for how long
        return page_for(router, "login.html", error.status, errors={"_form": error.message}, values=values, error=error)
    base = base_url(router)
    if result.status == "first_connection_required":
        return redirect(f"{base}/premiere-connexion", [challenge_cookie(result.token, result.expires_at)])
    cookie = session_cookie(result.token, result.cookie_max_age)
    if result.status == "pending_validation":
        return redirect(f"{base}/compte-en-attente", [cookie])
    return redirect(f"{base}/bureau", [cookie])
