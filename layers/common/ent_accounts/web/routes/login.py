from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.clock import iso
from ent_accounts.flows.login import login
from ent_accounts.services import services
from ent_accounts.web.api import json_response, request_id
from ent_accounts.web.schemas import LoginRequest, LoginResponse, documented
from ent_accounts.web.session import session_cookie

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
