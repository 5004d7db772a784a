from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ent_accounts import links
from ent_accounts.errors import InvalidOrExpiredCode, NotAuthenticated
from ent_accounts.flows.outbox import validation_mail_state
from ent_accounts.flows.sessions import authenticate, pending_session_state
from ent_accounts.flows.validation import validate_email
from ent_accounts.flows.validation_mail import resend_to_account, resend_validation_mail
from ent_accounts.services import services
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import REQUIRED, FormPage, checked, redirect
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import (
    ResendValidationMailRequest,
    SentResponse,
    ValidateEmailRequest,
    ValidateEmailResponse,
    documented,
    normalize_email,
)
from ent_accounts.web.session import cleared_session_cookie, session_token
from ent_accounts.web.sign_in import pending as pending_view

router = Router()


@router.post(
    "/api/validate-email",
    summary="Valider une adresse mail avec le code du lien reçu",
    responses=documented(200, "Adresse validée", ValidateEmailResponse, 400, 410),
)
def post_validate_email(body: ValidateEmailRequest):
    result = validate_email(services(), body.code, request_context(router).request_id)
    return json_response(200, {"status": result.status, "purpose": result.purpose.value})


@router.post(
    "/api/validation-mail",
    summary="Renvoyer le mail de validation (et corriger l'adresse si besoin)",
    responses=documented(202, "Mail renvoyé", SentResponse, 400, 401, 409, 429, 503),
)
def post_validation_mail(body: ResendValidationMailRequest):
    here = request_context(router)
    resend_validation_mail(services(), body.identifier, body.password, body.email, here.links, here.request_id)
    return json_response(202, {"status": "sent"})


@router.get(links.EMAIL_VALIDATION, include_in_schema=False)
def get_validation_page(code: Annotated[str, Query()] = ""):
    """The page a mail's link opens: validates and says so in French, or explains why the link fails."""
    here = request_context(router)
    login_url = here.links.login()
    try:
        result = validate_email(services(), code, here.request_id)
    except InvalidOrExpiredCode:
        return page_for(router, "email_validation.html", 410, ok=False, login_url=login_url)
    already = result.status == "already_validated"
    # A service waiting for this browser's sign-in: the page offers to continue there (the password is asked again
    # when the browser has no full session, which a pending account never had).
    waiting = pending_view(router.current_event)
    continue_url = here.links.page(links.CONTINUE_SIGN_IN) if waiting.sign_in else None
    return page_for(
        router,
        "email_validation.html",
        ok=True,
        already=already,
        purpose=result.purpose.value,
        audience=result.role,
        login_url=login_url,
        continue_url=continue_url,
        cookies=waiting.cookies,
        service=waiting.sign_in.client_name if waiting.sign_in else None,
        services_url=here.links.desk(),  # « Accéder aux services »: signed out, /bureau sends to /connexion and back
    )


# --- the pending page ----------------------------------------------------------------------------

NOT_SIGNED_IN = (  # nobody known: impersonal words (wording.py)
    "Pour voir où en est le compte, il faut se connecter avec l'identifiant et le mot de passe."
)


def _pending_account():
    try:
        return authenticate(services(), session_token(router.current_event), scope="pending"), None
    except NotAuthenticated:
        token = session_token(router.current_event)
        if pending_session_state(services(), token) == "validated":  # validated meanwhile, maybe elsewhere
            return None, redirect(request_context(router).links.login("validation"), [cleared_session_cookie()])
        message = page_for(router, "message.html", 401, title="Compte en attente de validation", text=NOT_SIGNED_IN)
        return None, message


@router.get(links.PENDING, include_in_schema=False)
def get_pending_page():
    account, message = _pending_account()
    if message:
        return message
    waiting = pending_view(router.current_event)  # a service waiting: the page says it needs the validation first
    return page_for(
        router,
        "pending.html",
        account=account,
        pending_session=True,
        errors={},
        values={},
        cookies=waiting.cookies,
        # The validation mail could not leave yet (SES refused it so far) or at all: the page says so.
        mail_state=validation_mail_state(services(), account.validation_mail_id),
        **waiting.context,
    )


@router.post(links.PENDING, include_in_schema=False)
def post_pending_page():
    account, message = _pending_account()
    if message:
        return message
    event = router.current_event
    form = FormPage(
        router,
        "pending.html",
        keep=("email",),
        again_context=lambda: pending_view(event).context,
        account=account,
        pending_session=True,
    )
    here = request_context(router)

    def check(errors):
        if form.fields.get("action") != "correct":
            return None  # the same address again
        typed = form.values["email"]
        email, errors["email"] = checked(normalize_email, typed) if typed else (None, REQUIRED)
        return email

    def call(email):
        resend_to_account(services(), account, email, here.links, here.request_id)

    def done(_):
        context = pending_view(event).context
        return page_for(
            router, "pending.html", account=account, pending_session=True, sent=True, errors={}, values={}, **context
        )

    return form.post(check, call, done)
