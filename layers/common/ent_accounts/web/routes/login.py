from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts import links
from ent_accounts.accounts import normalize_identifier
from ent_accounts.clock import iso
from ent_accounts.errors import AccountLocked, DomainError, InvalidCredentials
from ent_accounts.flows.login import login
from ent_accounts.services import services
from ent_accounts.templates import french_time
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import REQUIRED, FormPage, identifier_error, redirect
from ent_accounts.web.pages import page_for
from ent_accounts.web.schemas import LoginRequest, LoginResponse, documented
from ent_accounts.web.session import COOKIE, challenge_cookie, cookie_value, end_dropped_session, session_cookie
from ent_accounts.web.sign_in import pending as pending_view
from ent_accounts.web.sign_in import waiting as sign_in_waiting

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
    """The login form; for a sign-in a service asked for, it names the service and pre-fills the identifier the
    service suggested (login_hint). It is shown even to a signed-in browser: a service asking for the password
    again (prompt=login, max_age) is sent here, and the new session's authenticated_at is fresh."""
    waiting = pending_view(router.current_event)
    hint = waiting.sign_in.login_hint if waiting.sign_in else None
    values = {"identifier": hint} if hint else {}
    ended = (router.current_event.query_string_parameters or {}).get("fin")
    notice = links.ENDED_NOTICES.get(ended or "")
    return page_for(
        router, "login.html", errors={}, values=values, notice=notice, cookies=waiting.cookies, **waiting.context
    )


@router.post(links.LOGIN, include_in_schema=False)
def post_login_page():
    event = router.current_event
    form = FormPage(router, "login.html", keep=("identifier",), again_context=lambda: pending_view(event).context)
    here = request_context(router)
    identifier = form.values["identifier"]

    def check(errors):
        errors["identifier"] = identifier_error(identifier)
        if not form.fields.get("password", "").strip():
            errors["password"] = REQUIRED

    def call(_):
        return login(
            services(),
            identifier,
            form.fields["password"],
            here.request_id,
            pending_session=True,
            replacing=cookie_value(event, COOKIE),  # the browser's session, taken over when it is the same account
        )

    def refused(error: DomainError):
        # A wrong password is said next to its field; a lock-out is no mistake to correct: an alert above the form
        # that says until when (Paris time, as the school's clock shows it).
        if isinstance(error, AccountLocked):
            until = services().clock.now() + timedelta(seconds=error.retry_after)
            return form.again(error.status, {}, error, locked=(error.message, french_time(until)))
        field = "password" if isinstance(error, InvalidCredentials) else "_form"
        return form.again(error.status, {field: error.message}, error)

    def done(result):
        if result.status == "first_connection_required":
            cookie = challenge_cookie(result.token, result.expires_at)
            kept = {name: form.fields.get(f"kept_{name}", "")[:254] for name in ("birth_date", "email")}
            if any(kept.values()):  # a first connection sent too late: its form again, with what was typed
                return page_for(
                    router,
                    "first_connection.html",
                    identifier=normalize_identifier(identifier),
                    until=result.expires_at,
                    errors={},
                    values=kept,
                    cookies=[cookie],
                    audience=result.account.role if result.account else None,
                    **pending_view(event).context,
                )
            return redirect(here.links.page(links.FIRST_CONNECTION), [cookie])
        if result.status == "pending_validation":
            after = here.links.page(links.PENDING)
        elif sign_in_waiting(event):
            after = here.links.page(links.CONTINUE_SIGN_IN)  # a service asked for this sign-in: answer it
        else:
            after = here.links.page(links.DESK)
        end_dropped_session(event, result.token, here.request_id, here.base_url)  # another account's, say
        return redirect(after, [session_cookie(result.token, result.session)])

    return form.post(check, call, done, refused)
