"""The CAS server's HTTP glue: /cas/login, /cas/continue, /cas/logout and the validation endpoints.

The protocol is in ent_accounts/cas/ (framework-free); these routes only read the request (parameters with all their
values, the session and pending sign-in cookies, the SOAP body of /cas/samlValidate), call it, and write its
answer: a redirect, a French page for what a person sees (an unknown service, a school not served, a locked
account, the logout), or the validation's answer in the shape its endpoint speaks. Every validation answer is HTTP
200 with `Cache-Control: no-store`, success or failure (CAS clients read the body, not the status), and never a
page: a CAS client is a program.
"""

from __future__ import annotations

import base64
import binascii

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts import links
from ent_accounts.cas import responses
from ent_accounts.cas.login import cas_login, continue_sign_in
from ent_accounts.cas.logout import cas_logout
from ent_accounts.cas.saml import MAX_BODY, SamlRequestError, parse_saml_request
from ent_accounts.cas.validation import (
    INVALID_REQUEST,
    ValidationFailure,
    failed,
    one,
    renew_asked,
    validate,
    validate_params,
)
from ent_accounts.errors import DomainError
from ent_accounts.services import services
from ent_accounts.web.context import request_context
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

LOGIN = "/cas/login"
CONTINUE = links.CAS_CONTINUE
LOGOUT = "/cas/logout"
VALIDATE = "/cas/validate"
SERVICE_VALIDATE = "/cas/serviceValidate"
PROXY_VALIDATE = "/cas/proxyValidate"
P3_SERVICE_VALIDATE = "/cas/p3/serviceValidate"
P3_PROXY_VALIDATE = "/cas/p3/proxyValidate"
SAML_VALIDATE = "/cas/samlValidate"

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
LOGGED_OUT_TITLE = "Déconnexion réussie"
LOGGED_OUT = (
    "La session est terminée, ici et dans les services ouverts avec elle. Sur un ordinateur partagé, penser aussi "
    "à fermer le navigateur."
)
MAX_PARAMETER = 4096  # a service URL is at most 2,000 characters, a ticket 256: more is cut, then refused
FORMATS = ("XML", "JSON")


def _params(event) -> dict[str, list[str]]:
    """Every query parameter with all its values (a repeated one is refused by the protocol), blank ones left out."""
    raw = dict(event.multi_value_query_string_parameters or {})
    values = {name: [value[:MAX_PARAMETER] for value in given if value] for name, given in raw.items()}
    return {name: given for name, given in values.items() if given}


# --- the browser's round trip ------------------------------------------------------------------------------------


@router.get(LOGIN, include_in_schema=False)
def login_endpoint():
    """CAS §2.1: a ticket for the service at once, the login page first, or back to the service (gateway)."""
    event, here = router.current_event, request_context(router)
    try:
        answer = cas_login(services(), _params(event), cookie_value(event, COOKIE), here.links, here.request_id)
    except DomainError as error:
        return refusal(router, error)
    return go_to(answer)


@router.get(CONTINUE, include_in_schema=False)
def continue_endpoint():
    """Where /oidc/continue sends a CAS service's pending sign-in once the pages signed the person in."""
    event, here = router.current_event, request_context(router)
    try:
        answer = continue_sign_in(
            services(), sign_in_ref(event), cookie_value(event, COOKIE), here.links, here.request_id
        )
    except DomainError as error:
        return refusal(router, error, clear_sign_in=True)
    return go_to(answer, see_other=True)


@router.get(LOGOUT, include_in_schema=False)
def logout_endpoint():
    """CAS §2.3: the session ends (its services told), then back to a registered service, or the French page."""
    event, here = router.current_event, request_context(router)
    answer = cas_logout(services(), _params(event), cookie_value(event, COOKIE), here.base_url, here.request_id)
    cookies = [cleared_session_cookie(), cleared_sign_in_cookie()]
    if answer.redirect:
        return Response(status_code=302, headers={"Location": answer.redirect}, body="", cookies=cookies)
    return page_for(router, "message.html", title=LOGGED_OUT_TITLE, text=LOGGED_OUT, kind="success", cookies=cookies)


# --- the services' validations ---------------------------------------------------------------------------------------


def _answer(content_type: str, body: str) -> Response:
    return Response(status_code=200, content_type=content_type, body=body, headers=NO_STORE)


@router.get(VALIDATE, include_in_schema=False)
def validate_endpoint():
    """CAS 1.0 (§2.4): `yes` and the user, or `no`."""
    try:
        ticket = validate_params(
            services(), _params(router.current_event), takes_proxy_tickets=False, endpoint="validate"
        )
    except ValidationFailure:
        return _answer(responses.TEXT, responses.cas1_failure())
    return _answer(responses.TEXT, responses.cas1_success(ticket))


def _xml_or_json(endpoint: str, *, takes_proxy_tickets: bool, with_attributes: bool) -> Response:
    params = _params(router.current_event)
    try:
        requested = one(params, "format")
    except ValidationFailure as failure:
        failed(failure, endpoint)
        return _answer(responses.XML, responses.xml_failure(failure.code, failure.description))
    shape = (requested or "XML").upper()
    if shape not in FORMATS:  # §2.5.1: an error code MUST be returned for a format not supported
        failure = ValidationFailure(INVALID_REQUEST, "the format must be XML or JSON")
        failed(failure, endpoint)
        return _answer(responses.XML, responses.xml_failure(failure.code, failure.description))
    try:
        ticket = validate_params(services(), params, takes_proxy_tickets=takes_proxy_tickets, endpoint=endpoint)
    except ValidationFailure as failure:
        if shape == "JSON":
            return _answer(responses.JSON, responses.json_failure(failure.code, failure.description))
        return _answer(responses.XML, responses.xml_failure(failure.code, failure.description))
    if shape == "JSON":
        return _answer(responses.JSON, responses.json_success(ticket, with_attributes))
    return _answer(responses.XML, responses.xml_success(ticket, with_attributes))


@router.get(SERVICE_VALIDATE, include_in_schema=False)
def service_validate_endpoint():
    """CAS 2.0 (§2.5): the user, no attributes."""
    return _xml_or_json("serviceValidate", takes_proxy_tickets=False, with_attributes=False)


@router.get(PROXY_VALIDATE, include_in_schema=False)
def proxy_validate_endpoint():
    """CAS 2.0 (§2.6): as /serviceValidate for a service ticket; no proxy ticket is ever issued here."""
    return _xml_or_json("proxyValidate", takes_proxy_tickets=True, with_attributes=False)


@router.get(P3_SERVICE_VALIDATE, include_in_schema=False)
def p3_service_validate_endpoint():
    """CAS 3.0 (§2.8): the user and the attributes the service's registration releases."""
    return _xml_or_json("p3/serviceValidate", takes_proxy_tickets=False, with_attributes=True)


@router.get(P3_PROXY_VALIDATE, include_in_schema=False)
def p3_proxy_validate_endpoint():
    """CAS 3.0 (§2.9): as /p3/serviceValidate for a service ticket."""
    return _xml_or_json("p3/proxyValidate", takes_proxy_tickets=True, with_attributes=True)


@router.post(SAML_VALIDATE, include_in_schema=False)
def saml_validate_endpoint():
    """CAS 3.0 §4.2: `TARGET` in the query, the ticket in a SOAP body's SAML 1.1 request; a SAML 1.1 answer."""
    event = router.current_event
    params = _params(event)
    now, issuer = services().clock.now(), request_context(router).base_url
    recipient, request_id = "", None

    def refused(failure: ValidationFailure, counted: bool = False) -> Response:
        if not counted:
            failed(failure, "samlValidate")
        body = responses.saml_failure(failure.code, failure.description, now, recipient, request_id)
        return _answer(responses.SOAP, body)

    try:
        recipient = one(params, "TARGET") or ""
        request = parse_saml_request(_raw_body(event))
    except ValidationFailure as failure:
        return refused(failure)
    except SamlRequestError as error:
        return refused(ValidationFailure(INVALID_REQUEST, str(error)))
    request_id = request.request_id
    if not recipient:
        return refused(ValidationFailure(INVALID_REQUEST, "the parameter TARGET is required"))
    try:
        ticket = validate(
            services(),
            ticket=request.artifact,
            service=recipient,
            renew=renew_asked(params),
            takes_proxy_tickets=False,
            endpoint="samlValidate",
        )
    except ValidationFailure as failure:
        return refused(failure, counted=True)  # validate logged and counted it
    return _answer(responses.SOAP, responses.saml_success(ticket, now, issuer, recipient, request_id))


def _raw_body(event) -> bytes | None:
    """The body's bytes as sent (API Gateway hands every body base64-encoded here: BinaryMediaTypes is */*), or
    SamlRequestError for one too large or not base64 as announced."""
    body = event.body
    if not body:
        return None
    if len(body) > 2 * MAX_BODY:
        raise SamlRequestError(f"the body is larger than {MAX_BODY} bytes")
    if not event.is_base64_encoded:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise SamlRequestError("the body is not valid base64") from None
