from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.accounts import Status
from ent_accounts.clock import iso
from ent_accounts.flows.first_connection import complete_first_connection
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.schemas import FirstConnectionRequest, FirstConnectionResponse, documented

router = Router()


@router.post(
    "/api/first-connection",
    summary="Première connexion : mot de passe personnel, date de naissance, adresse mail facultative",
    responses=documented(200, "En attente de validation, ou actif", FirstConnectionResponse, 400, 401, 409, 503),
)
def post_first_connection(body: FirstConnectionRequest):
    result = complete_first_connection(
        services(),
        challenge_token=body.challenge_token,
        new_password=body.new_password,
        birth_date=body.birth_date,
        email=body.email,
        base_url=base_url(router),
        request_id=request_id(router),
    )
    if result.status is Status.PENDING_VALIDATION:
        deadline = iso(result.validation_deadline)
        return json_response(200, {"status": "pending_validation", "validation_deadline": deadline})
    return json_response(200, {"status": "active", "recovery_email": False})
