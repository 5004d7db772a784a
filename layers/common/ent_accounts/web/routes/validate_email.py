from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ent_accounts.errors import InvalidOrExpiredCode
from ent_accounts.flows.validation import validate_email
from ent_accounts.flows.validation_mail import resend_validation_mail
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.pages import page
from ent_accounts.web.schemas import (
    ResendValidationMailRequest,
    SentResponse,
    ValidateEmailRequest,
    ValidateEmailResponse,
    documented,
)

router = Router()


@router.post(
    "/api/validate-email",
    summary="Valider une adresse mail avec le code du lien reçu",
    responses=documented(200, "Adresse validée", ValidateEmailResponse, 400, 410),
)
def post_validate_email(body: ValidateEmailRequest):
    result = validate_email(services(), body.code, request_id(router))
    return json_response(200, {"status": result.status, "purpose": result.purpose.value})


@router.post(
    "/api/validation-mail",
    summary="Renvoyer le mail de validation (et corriger l'adresse si besoin)",
    responses=documented(202, "Mail renvoyé", SentResponse, 400, 401, 409, 429, 503),
)
def post_validation_mail(body: ResendValidationMailRequest):
    resend_validation_mail(services(), body.identifier, body.password, body.email, base_url(router), request_id(router))
    return json_response(202, {"status": "sent"})


@router.get("/valider-adresse-mail", include_in_schema=False)
def get_validation_page(code: Annotated[str, Query()] = ""):
    """The page a mail's link opens: validates and says so in French, or explains why the link fails."""
    login_url = f"{base_url(router)}/connexion"
    try:
        result = validate_email(services(), code, request_id(router))
    except InvalidOrExpiredCode:
        return page("email_validation.html", status=410, ok=False, login_url=login_url)
    already = result.status == "already_validated"
    return page("email_validation.html", ok=True, already=already, purpose=result.purpose.value, login_url=login_url)
