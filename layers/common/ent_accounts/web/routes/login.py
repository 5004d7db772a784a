from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ent_accounts.clock import iso
from ent_accounts.flows.login import login
from ent_accounts.services import services
from ent_accounts.web.api import json_response
from ent_accounts.web.schemas import LoginRequest, LoginResponse, documented

router = Router()


@router.post(
    "/api/login",
    summary="Se connecter avec l'identifiant et le mot de passe (provisoire ou personnel)",
    responses=documented(200, "Connecté, ou première connexion requise", LoginResponse, 400, 401, 403, 429),
)
def post_login(body: LoginRequest):
    current = services()
    result = login(current, body.identifier, body.password)
    if result.status == "first_connection_required":
        answer = {"status": result.status, "challenge_token": result.token, "expires_at": iso(result.expires_at)}
        return json_response(200, answer)
    answer = {"status": result.status, "session_token": result.token, "expires_at": iso(result.expires_at)}
    response = json_response(200, answer)
    max_age = int((result.expires_at - current.clock.now()).total_seconds())
    cookie = Cookie("session", result.token, path="/", secure=True, http_only=True, max_age=max_age)
    cookie.same_site = SameSite.LAX_MODE
    response.cookies.append(cookie)
    return response
