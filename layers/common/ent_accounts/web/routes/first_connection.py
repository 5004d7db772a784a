from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.accounts import Status
from ent_accounts.clock import iso
from ent_accounts.errors import AlreadyCompleted, DomainError, InvalidChallenge
from ent_accounts.flows.first_connection import (
    challenge_and_account,
    challenged_account,
    complete_first_connection,
)
from ent_accounts.flows.sessions import open_session
from ent_accounts.services import services
from ent_accounts.web.api import base_url, json_response, request_id
from ent_accounts.web.csrf import csrf_valid
from ent_accounts.web.forms import (
    EXPIRED_FORM,
    PASSWORDS_DIFFER,
    REQUIRED,
    checked,
    field_errors,
    form_data,
    iso_date_from_form,
    redirect,
)
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import (
    FirstConnectionRequest,
    FirstConnectionResponse,
    documented,
    normalize_email,
    parse_birth_date,
)
from ent_accounts.web.session import CHALLENGE_COOKIE, cleared_challenge_cookie, cookie_value, session_cookie

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


# --- pages ---------------------------------------------------------------------------------------

FIRST_CONNECTION_EXPIRED = (
    "Ta session de première connexion a expiré ou a déjà servi : reconnecte-toi avec ton identifiant et ton mot "
    "de passe provisoire."
)


def _challenge_or_message(*, done_too: bool = False):
    """(challenge token, account) of this browser's first connection, or the page telling it to log in again.
    `done_too`: an account whose first connection is done is returned too (the same form sent again, see
    `same_submission_again`)."""
    token = cookie_value(router.current_event, CHALLENGE_COOKIE) or ""
    try:
        _, account = (challenge_and_account if done_too else challenged_account)(services(), token)
    except (InvalidChallenge, AlreadyCompleted) as error:
        return None, _message(error)
    return (token, account), None


def _message(error: InvalidChallenge | AlreadyCompleted):
    # A challenge that died of too many wrong birth dates says so; an expired or used one, the page's own words.
    said = isinstance(error, AlreadyCompleted) or error.message != InvalidChallenge.message
    text = error.message if said else FIRST_CONNECTION_EXPIRED
    return page_for(router, "message.html", error.status, title="Première connexion", text=text, kind="info")


@router.get("/premiere-connexion", include_in_schema=False)
def get_first_connection_page():
    found, message = _challenge_or_message()
    if message:
        return message
    return page_for(router, "first_connection.html", identifier=found[1].identifier, errors={}, values={})


@router.post("/premiere-connexion", include_in_schema=False)
def post_first_connection_page():
    form = form_data(router.current_event)
    found, message = _challenge_or_message(done_too=True)
    if message:
        return message
    token, account = found
    values = {"birth_date": form.get("birth_date", "").strip(), "email": form.get("email", "").strip()}

    def again(status: int, errors: dict[str, str], error=None):
        return page_for(
            router,
            "first_connection.html",
            status,
            identifier=account.identifier,
            errors=errors,
            values=values,
            error=error,
        )

    if not csrf_valid(router.current_event, form):
        return again(403, {"_form": EXPIRED_FORM})
    errors = {}
    password = form.get("new_password", "")
    if not password:
        errors["new_password"] = REQUIRED
    elif password != form.get("new_password_confirmation", ""):
        errors["new_password_confirmation"] = PASSWORDS_DIFFER
    birth_date, errors["birth_date"] = checked(parse_birth_date, iso_date_from_form(values["birth_date"]))
    email, errors["email"] = checked(normalize_email, values["email"]) if values["email"] else (None, None)
    errors = {name: message for name, message in errors.items() if message}
    if errors:
        return again(400, errors)
    try:
        result = complete_first_connection(
            services(), token, password, birth_date, email, base_url(router), request_id(router)
        )
    except (InvalidChallenge, AlreadyCompleted) as error:
        return _message(error)
    except DomainError as error:
        return again(error.status, field_errors(error), error)
    pending = result.status is Status.PENDING_VALIDATION
    session, opened = open_session(services(), result.account, scope="pending" if pending else "full")
    max_age = int((opened.absolute_expires_at - services().clock.now()).total_seconds())
    cookies = [session_cookie(session, max_age), cleared_challenge_cookie()]
    return redirect(f"{base_url(router)}/{'compte-en-attente' if pending else 'bureau'}", cookies)
