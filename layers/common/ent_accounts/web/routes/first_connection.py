from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts import links
from ent_accounts.accounts import Status, normalize_identifier
from ent_accounts.clock import iso
from ent_accounts.errors import AlreadyCompleted, DomainError, InvalidChallenge
from ent_accounts.flows.first_connection import (
    cancel_first_connection,
    challenge_and_account,
    challenged_account,
    complete_first_connection,
)
from ent_accounts.flows.sessions import open_session
from ent_accounts.services import services
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import (
    FormPage,
    birth_date_from_form,
    checked,
    field_errors,
    identifier_error,
    redirect,
)
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import (
    FirstConnectionRequest,
    FirstConnectionResponse,
    documented,
    normalize_email,
)
from ent_accounts.web.session import (
    CHALLENGE_COOKIE,
    cleared_challenge_cookie,
    cookie_value,
    end_dropped_session,
    session_cookie,
)
from ent_accounts.web.sign_in import pending as pending_view
from ent_accounts.web.sign_in import waiting as sign_in_waiting

router = Router()


@router.post(
    "/api/first-connection",
    summary="Première connexion : mot de passe personnel, date de naissance, adresse mail facultative",
    responses=documented(200, "En attente de validation, ou actif", FirstConnectionResponse, 400, 401, 409, 503),
)
def post_first_connection(body: FirstConnectionRequest):
    here = request_context(router)
    result = complete_first_connection(
        services(),
        challenge_token=body.challenge_token,
        new_password=body.new_password,
        birth_date=body.birth_date,
        email=body.email,
        links=here.links,
        request_id=here.request_id,
    )
    if result.status is Status.PENDING_VALIDATION:
        deadline = iso(result.validation_deadline)
        return json_response(200, {"status": "pending_validation", "validation_deadline": deadline})
    return json_response(200, {"status": "active", "recovery_email": False})


# --- pages ---------------------------------------------------------------------------------------

KEPT = ("birth_date", "email")  # what a form sent too late keeps (the passwords are typed again)
MAX_KEPT = 254
# Both are said on pages whose reader is no longer known (the challenge ended): impersonal words (wording.py).
TOO_LATE = (
    "Le temps pour envoyer le formulaire de première connexion est écoulé : il faut se connecter de nouveau avec "
    "l'identifiant et le mot de passe provisoire. La date de naissance et l'adresse mail saisies sont gardées."
)
FIRST_CONNECTION_EXPIRED = (
    "La session de première connexion a expiré ou a déjà servi : il faut se connecter de nouveau avec "
    "l'identifiant et le mot de passe provisoire."
)


def _challenge_or_message(*, done_too: bool = False):
    """(challenge token, account) of this browser's first connection, or the page telling it to log in again.
    `done_too`: an account whose first connection is done is returned too (the same form sent again, see
    `same_submission_again`)."""
    token = cookie_value(router.current_event, CHALLENGE_COOKIE) or ""
    try:
        challenge, account = (challenge_and_account if done_too else challenged_account)(services(), token)
    except (InvalidChallenge, AlreadyCompleted) as error:
        if token and done_too and _ran_out(error) and FormPage(router).genuine:
            return None, _too_late(FormPage(router))  # the browser's challenge ended: keep what was typed
        return None, _message(error)
    return (token, account, challenge.expires_at), None


def _ran_out(error: DomainError) -> bool:
    """A challenge gone (expired, or its time passed) rather than refused for a reason of its own."""
    return isinstance(error, InvalidChallenge) and error.message == InvalidChallenge.message


def first_connection_page(identifier: str, until, values: dict, cookies=(), status: int = 200, **context):
    """The form, saying until when it may be sent (the challenge's end); `values`: what was typed before."""
    return page_for(
        router,
        "first_connection.html",
        status,
        identifier=identifier,
        until=until,
        errors={},
        values=values,
        cookies=list(cookies),
        **context,
    )


def _too_late(form: FormPage):
    """The form came after its time: the login page with the identifier filled in, the birth date and address typed
    kept in the form (never the passwords), so that logging in again with the provisional password brings them
    back."""
    kept = {name: form.fields.get(name, "")[:MAX_KEPT] for name in KEPT}
    identifier = normalize_identifier(form.fields.get("identifier", ""))
    return page_for(
        router,
        "login.html",
        400,
        errors={},
        values={"identifier": identifier} if identifier_error(identifier) is None else {},
        notice=TOO_LATE,
        kept={name: value for name, value in kept.items() if value.strip()},
        **pending_view(router.current_event).context,
    )


def _message(error: InvalidChallenge | AlreadyCompleted):
    # A challenge that died of too many wrong birth dates says so; an expired or used one, the page's own words.
    said = isinstance(error, AlreadyCompleted) or error.message != InvalidChallenge.message
    text = error.message if said else FIRST_CONNECTION_EXPIRED
    title = "Première connexion"
    return page_for(router, "message.html", error.status, title=title, text=text, kind="info", audience=error.audience)


@router.get(links.FIRST_CONNECTION, include_in_schema=False)
def get_first_connection_page():
    found, message = _challenge_or_message()
    if message:
        return message
    waiting = pending_view(router.current_event)  # its service's origin: the form may end there
    account = found[1]
    return first_connection_page(
        account.identifier, found[2], {}, waiting.cookies, audience=account.role, account=account, **waiting.context
    )


@router.post(links.FIRST_CONNECTION, include_in_schema=False)
def post_first_connection_page():
    found, message = _challenge_or_message(done_too=True)
    if message:
        return message
    token, account, until = found
    event = router.current_event
    form = FormPage(
        router,
        "first_connection.html",
        keep=KEPT,
        again_context=lambda: pending_view(event).context,
        identifier=account.identifier,
        until=until,
        audience=account.role,
        account=account,
    )
    here = request_context(router)

    def check(errors):
        password = form.new_password(errors, account.identifier, (account.first_name, account.last_name))
        birth_date, errors["birth_date"] = birth_date_from_form(form.values["birth_date"])
        email = form.values["email"]
        email, errors["email"] = checked(normalize_email, email) if email else (None, None)
        return password, birth_date, email

    def call(answers):
        password, birth_date, email = answers
        return complete_first_connection(services(), token, password, birth_date, email, here.links, here.request_id)

    def refused(error: DomainError):
        if isinstance(error, (InvalidChallenge, AlreadyCompleted)):
            return _message(error)
        return form.again(error.status, field_errors(error), error)

    def done(result):
        pending = result.status is Status.PENDING_VALIDATION
        session, opened = open_session(services(), result.account, scope="pending" if pending else "full")
        end_dropped_session(event, session, here.request_id, here.base_url)  # the browser's, if any
        cookies = [session_cookie(session, opened), cleared_challenge_cookie()]
        # The pending page names the service waiting, if one is: the account must be validated first.
        after = links.CONTINUE_SIGN_IN if sign_in_waiting(event) else links.DESK
        after = links.PENDING if pending else after
        return redirect(here.links.page(after), cookies)

    return form.post(check, call, done, refused)


@router.post(links.FIRST_CONNECTION_CANCEL, include_in_schema=False)
def post_cancel_first_connection():
    """ "Annuler": the challenge forgotten, its cookie cleared, and the login page says nothing was changed. A post
    that is not our page's (no CSRF token) changes nothing and shows the form again."""
    here = request_context(router)
    if not FormPage(router).genuine:
        return redirect(here.links.page(links.FIRST_CONNECTION))
    cancel_first_connection(services(), cookie_value(router.current_event, CHALLENGE_COOKIE) or "")
    return redirect(here.links.login("annulation"), [cleared_challenge_cookie()])
