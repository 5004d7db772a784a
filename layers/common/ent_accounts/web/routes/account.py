from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.clock import iso
from ent_accounts.flows.account_settings import account_view, change_password, request_email_change
from ent_accounts.flows.sessions import authenticate, close_session
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.schemas import (
    AccountResponse,
    ConfirmationSentResponse,
    EmailChangeRequest,
    PasswordChangedResponse,
    PasswordChangeRequest,
    documented,
)
from ent_accounts.web.session import cleared_session_cookie, session_cookie, session_token

router = Router()


def signed_in():
    return authenticate(services(), session_token(router.current_event))


@router.get(
    "/api/account",
    summary="Voir son compte (gérer son compte)",
    responses=documented(200, "Le compte", AccountResponse, 401),
)
def get_account():
    return json_response(200, account_view(signed_in()))


@router.post(
    "/api/account/email",
    summary="Saisir ou changer l'adresse mail : confirmée par un lien envoyé à la nouvelle adresse",
    responses=documented(202, "Lien de confirmation envoyé", ConfirmationSentResponse, 400, 401, 429, 503),
)
def post_account_email(body: EmailChangeRequest):
    account = signed_in()
    request_email_change(
        services(),
        account,
        body.current_password,
        body.new_email,
        body.new_email_confirmation,
        base_url(router),
        request_id(router),
    )
    return json_response(202, {"status": "confirmation_sent"})


@router.post(
    "/api/account/password",
    summary="Changer de mot de passe (toutes les autres sessions se terminent)",
    responses=documented(200, "Mot de passe changé", PasswordChangedResponse, 400, 401, 429),
)
def post_account_password(body: PasswordChangeRequest):
    account = signed_in()
    current = services()
    token, session = change_password(current, account, body.current_password, body.new_password, request_id(router))
    answer = {"status": "password_changed", "session_token": token, "expires_at": iso(session.expires_at)}
    response = json_response(200, answer)
    max_age = int((session.absolute_expires_at - current.clock.now()).total_seconds())
    response.cookies.append(session_cookie(token, max_age))
    return response


@router.post("/api/logout", summary="Se déconnecter", responses={204: {"description": "Déconnecté"}})
def post_logout():
    close_session(services(), session_token(router.current_event))
    response = Response(status_code=204, body="")
    response.cookies.append(cleared_session_cookie())
    return response
