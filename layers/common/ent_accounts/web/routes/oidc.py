"""The OpenID Connect provider's HTTP glue: discovery, authorize, continue, token, userinfo, JWKS, logout.

The protocol is in ent_accounts/oidc/ (framework-free); these routes only read the request (parameters with all
their values, cookies, the Authorization header), call it, and write its answer: a redirect, JSON with
`Cache-Control: no-store`, or a French page. Errors the relying party cannot receive (unknown client, redirect URI
not registered) are French pages, never redirects.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.errors import DomainError
from ent_accounts.oidc import discovery
from ent_accounts.oidc.authorization import authorize, continue_sign_in, error_answer
from ent_accounts.oidc.authorization_request import AuthorizationError
from ent_accounts.oidc.discovery import configuration
from ent_accounts.oidc.logout import confirmation_fields, rp_initiated_logout
from ent_accounts.oidc.tokens import REALM, InvalidToken, TokenError, exchange_code, userinfo
from ent_accounts.services import services
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.forms import FormPage
from ent_accounts.web.pages import page_for
from ent_accounts.web.session import (
    COOKIE,
    cleared_session_cookie,
    cleared_sign_in_cookie,
    cookie_value,
    sign_in_ref,
)
from ent_accounts.web.sign_in import go_to, refusal

router = Router()

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PUBLISHED = {"Cache-Control": "public, max-age=300"}  # metadata and keys: RPs may cache them a few minutes
LOGGED_OUT = (
    "Vous êtes déconnecté : votre session est terminée. Sur un ordinateur partagé, pensez aussi à fermer le navigateur."
)
FORM = "application/x-www-form-urlencoded"
MAX_PARAMETER = 8192  # an id_token_hint is the longest we take (≈ 1 KB): more is cut, then refused as malformed
MAX_PARAMETERS = 100  # a form with more fields is refused whole


class TooManyParameters(DomainError):
    status = 400
    code = "invalid_request"
    message = (
        "Cette demande contient trop de paramètres : elle ne peut pas aboutir. Retourne sur le site du service et "
        "réessaie."
    )
    description = f"more than {MAX_PARAMETERS} parameters"


def _params(event) -> dict[str, list[str]]:
    """Every parameter with all its values (a repeated one is an error the protocol reports), blank ones left out
    (OAuth reads an empty parameter as absent): the query string of a GET, the form of a POST. Raises
    TooManyParameters for a form of more than MAX_PARAMETERS fields."""
    if event.http_method == "POST":
        if not _form(event):
            return {}
        try:
            body = event.decoded_body or ""
        except (UnicodeDecodeError, ValueError):
            return {}
        try:
            raw = parse_qs(body, keep_blank_values=True, max_num_fields=MAX_PARAMETERS)
        except ValueError:  # more fields than that: no request of the protocol has them
            raise TooManyParameters() from None
    else:
        raw = dict(event.multi_value_query_string_parameters or {})
    values = {name: [value[:MAX_PARAMETER] for value in given if value] for name, given in raw.items()}
    return {name: given for name, given in values.items() if given}


def _form(event) -> bool:
    return _header(event, "content-type").split(";", 1)[0].strip().lower() == FORM


def _header(event, name: str) -> str:
    return next((value for key, value in (event.headers or {}).items() if key.lower() == name), "") or ""


# --- discovery and keys ------------------------------------------------------------------------------------------


@router.get(discovery.CONFIGURATION, include_in_schema=False)
def get_configuration():
    return json_response(200, configuration(request_context(router).base_url), PUBLISHED)


@router.get(discovery.JWKS, include_in_schema=False)
def get_jwks():
    return json_response(200, services().signer.jwks(), PUBLISHED)


# --- the browser's round trip --------------------------------------------------------------------------------------


@router.route(discovery.AUTHORIZE, method=["GET", "POST"], include_in_schema=False)
def authorization_endpoint():
    event, here = router.current_event, request_context(router)
    posted = event.http_method == "POST"
    session_token = cookie_value(event, COOKIE)
    try:
        answer = authorize(
            services(),
            _params(event),
            session_token,
            here.links,
            here.request_id,
            cookies_may_be_withheld=posted and session_token is None,
        )
    except AuthorizationError as error:
        answer = error_answer(error, here.base_url)
    except DomainError as error:
        return refusal(router, error)
    return go_to(answer, see_other=posted)


@router.get(discovery.CONTINUE, include_in_schema=False)
def continue_endpoint():
    """Where the pages send the browser once the person is signed in: the pending sign-in is answered."""
    event, here = router.current_event, request_context(router)
    try:
        answer = continue_sign_in(
            services(), sign_in_ref(event), cookie_value(event, COOKIE), here.links, here.request_id
        )
    except AuthorizationError as error:
        return go_to(replace(error_answer(error, here.base_url), sign_in_done=True), see_other=True)
    except DomainError as error:
        return refusal(router, error, clear_sign_in=True)
    return go_to(answer, see_other=True)


# --- the relying party's calls -------------------------------------------------------------------------------------


@router.post(discovery.TOKEN, include_in_schema=False)
def token_endpoint():
    event, here = router.current_event, request_context(router)
    if not _form(event):
        error = TokenError("invalid_request", f"the body must be {FORM}")
        return json_response(error.status, error.body, NO_STORE)
    try:
        body = exchange_code(
            services(), _params(event), _header(event, "authorization") or None, here.base_url, here.request_id
        )
    except TooManyParameters as error:
        return json_response(400, {"error": error.code, "error_description": error.description}, NO_STORE)
    except TokenError as error:
        return json_response(error.status, error.body, {**NO_STORE, **error.headers})
    return json_response(200, body, NO_STORE)


@router.route(discovery.USERINFO, method=["GET", "POST"], include_in_schema=False)
def userinfo_endpoint():
    event = router.current_event
    authorization = _header(event, "authorization").strip()
    scheme, _, value = authorization.partition(" ")
    header_token = value.strip() if scheme.lower() == "bearer" else None
    try:
        form_tokens = _params(event).get("access_token", []) if event.http_method == "POST" else []
    except TooManyParameters as error:
        body = {"error": error.code, "error_description": error.description}
        return json_response(
            400, body, {**NO_STORE, "WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_request"'}
        )
    try:
        if authorization and header_token is None:
            raise InvalidToken("only Bearer tokens are accepted")
        if (header_token and form_tokens) or len(form_tokens) > 1:
            raise InvalidToken("send the access token once (RFC 6750 §2)", error="invalid_request", status=400)
        claims = userinfo(services(), header_token or (form_tokens[0] if form_tokens else None))
    except InvalidToken as refused:
        body = {"error": refused.error or "invalid_token", "error_description": refused.description}
        return json_response(refused.status, body, {**NO_STORE, "WWW-Authenticate": refused.www_authenticate})
    return json_response(200, claims, NO_STORE)


# --- logout ------------------------------------------------------------------------------------------------------


@router.route(discovery.LOGOUT, method=["GET", "POST"], include_in_schema=False)
def logout_endpoint():
    """RP-initiated logout. A POST from another site arrives without the SameSite=Lax session cookie: it is turned
    into the same request as a GET (a top-level navigation, which carries it). A request that does not prove it is
    about this browser's session is answered by a page asking the person; its form (CSRF token, `confirm`) comes
    back here as a POST, which ends the session."""
    event, here = router.current_event, request_context(router)
    params = _params(event)
    session_token = cookie_value(event, COOKIE)
    posted = event.http_method == "POST"
    if posted and session_token is None:
        query = urlencode([(name, value) for name, values in params.items() for value in values])
        location = here.links.page(discovery.LOGOUT) + (f"?{query}" if query else "")
        return Response(status_code=303, headers={"Location": location}, body="")
    confirmed = posted and params.get("confirm") == ["oui"] and FormPage(router).genuine
    answer = rp_initiated_logout(services(), params, session_token, here.base_url, here.request_id, confirmed=confirmed)
    if answer.ask:
        fields = confirmation_fields(params)
        # Chromium applies CSP form-action to the redirect that follows the form's post (web/pages.py).
        leads_to = (urlunsplit((*urlsplit(answer.redirect)[:2], "", "", "")),) if answer.redirect else ()
        # The page's own button answers the service; the header's logout (which would not) is left out here.
        return page_for(
            router,
            "logout_confirmation.html",
            fields=fields,
            stay=here.links.desk(),
            form_action=leads_to,
            has_session=False,
        )
    cookies = [cleared_session_cookie(), cleared_sign_in_cookie()]
    if answer.redirect:
        status = 303 if posted else 302
        return Response(status_code=status, headers={"Location": answer.redirect}, body="", cookies=cookies)
    return page_for(
        router, "message.html", title="Vous êtes déconnecté", text=LOGGED_OUT, kind="success", cookies=cookies
    )
