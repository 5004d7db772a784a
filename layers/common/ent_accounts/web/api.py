"""The REST resolver every function uses, and the one place that turns errors into answers."""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from ent_accounts.errors import DomainError, ServiceBusy
from ent_accounts.observability import logger
from ent_accounts.store import Conflict, StoreUnavailable, ValueRefused
from ent_accounts.web import request_checks
from ent_accounts.web.context import request_context
from ent_accounts.web.pages import page

# Security headers on every answer, JSON or page.
BASE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
}

FIELD_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_type": "Ce champ doit être du texte.",
    "string_too_short": "Ce champ est obligatoire.",
    "string_too_long": "Ce champ est trop long.",
    "string_pattern_mismatch": "Le format de ce champ n'est pas valide.",
    "too_short": "Cette liste ne doit pas être vide.",
    "too_long": "Cette liste est trop longue.",
    "list_type": "Ce champ doit être une liste.",
    "model_type": "Cet élément doit être un objet JSON.",
    "model_attributes_type": "Cet élément doit être un objet JSON.",
    "extra_forbidden": "Ce champ n'est pas accepté ici.",
    "bool_type": "Ce champ doit valoir true ou false.",
    "bool_parsing": "Ce champ doit valoir true ou false.",
    "int_type": "Ce champ doit être un nombre entier.",
    "int_parsing": "Ce champ doit être un nombre entier.",
    "int_from_float": "Ce champ doit être un nombre entier.",
    "greater_than_equal": "Cette valeur est trop petite.",
}


# Said to whoever it is (the reader is not known here): impersonal words, neither "tu" nor "vous" (wording.py).
INTERNAL_ERROR = "Le service rencontre un problème : merci de réessayer dans quelques minutes."
INVALID_VALUE = "Une des valeurs envoyées est trop longue ou mal formée."
# A page's query string that does not fit (a code given twice, say): a link that was cut or edited.
MALFORMED_PAGE_URL = (
    "L'adresse de cette page est mal formée. Un lien reçu par mail s'ouvre tel quel, sans rien y changer."
)


# Paths whose callers are programs (JSON errors), not browsers (French pages): the API, the static files, and the
# OpenID Connect and CAS endpoints a relying party calls itself.
MACHINE_PATHS = (
    "/api/",
    "/static/",
    "/.well-known/",
    "/oidc/token",
    "/oidc/userinfo",
    "/oidc/jwks.json",
    "/cas/validate",
    "/cas/serviceValidate",
    "/cas/proxyValidate",
    "/cas/p3/",
    "/cas/samlValidate",
)


def error_body(code: str, message: str, fields: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, ensure_ascii=False),
        headers=headers or {},
    )


def _field_errors(error: RequestValidationError) -> tuple[str, dict[str, str]]:
    fields: dict[str, str] = {}
    rows: set[int] = set()
    for detail in error.errors():
        location = [str(part) for part in detail.get("loc", ())]
        kind = detail.get("type", "")
        if kind == "json_invalid" or len(location) <= 1:  # the body itself is not an object
            return "Le corps de la requête doit être un objet JSON.", {}
        name = _field_name(location[1:])
        if location[1:2] == ["accounts"] and location[2:3] and location[2].isdigit():
            rows.add(int(location[2]))
        # Custom validators already speak French; pydantic's own messages are replaced by ours.
        message = detail.get("msg", "") if kind in _CUSTOM_TYPES else FIELD_MESSAGES.get(kind, "Valeur invalide.")
        fields.setdefault(name, message)
    if rows:
        # A school's list of accounts: nothing was stored, and the rows to fix are named (counted from 1).
        numbers = ", ".join(str(row + 1) for row in sorted(rows)[:20]) + (" …" if len(rows) > 20 else "")
        return f"Rien n'a été enregistré : {len(rows)} ligne(s) à corriger ({numbers}).", fields
    return "Certains champs sont à corriger.", fields


def _field_name(parts: list[str]) -> str:
    """`identifier`, or for a field inside a list `accounts[3].last_name`."""
    return parts[0] + "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in parts[1:])


_CUSTOM_TYPES = {
    "date_format",
    "date_range",
    "email_format",
    "uai_format",
    "name_format",
    "role_value",
    "class_format",
    "school_name_format",
}


def create_app(*routers) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=request_checks.parse_json_body)
    request_checks.install(app)
    for router in routers:
        app.include_router(router)

    def for_a_page() -> bool:
        event = app.current_event
        return event is not None and not event.path.startswith(MACHINE_PATHS)

    def error_answer(
        status: int, body: dict[str, Any], headers: dict[str, str] | None = None, title: str = "Erreur"
    ) -> Response:
        """JSON for the API; for a page (a browser on a form or a link), the same sentence on a French page."""
        if not for_a_page():
            return json_response(status, body, headers)
        return page(
            "message.html",
            status,
            event=app.current_event,  # its logout form's token; a browser holding a session is offered the way out
            root=request_context(app).root,
            title=title,
            text=body["message"],
            kind="error",
            headers=headers,
        )

    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        logger.info("request refused", extra={"error": error.code, "fields": sorted(error.fields)})
        body = error_body(error.code, error.message_for(), error.fields_for(), **error.extra)
        return error_answer(error.status, body, error.headers)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        if for_a_page():  # pages validate only their query string (forms are read by web/forms.py)
            return error_answer(400, error_body("invalid_request", MALFORMED_PAGE_URL))
        message, fields = _field_errors(error)
        return json_response(400, error_body("invalid_request", message, fields))

    @app.exception_handler(UnicodeDecodeError)
    def not_utf8(_: UnicodeDecodeError) -> Response:
        return json_response(400, error_body("invalid_request", "Le corps de la requête doit être du JSON en UTF-8."))

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_content_type(_: Exception) -> Response:
        return json_response(415, error_body("unsupported_media_type", request_checks.NOT_JSON))

    def busy_answer() -> Response:
        error = ServiceBusy()
        return error_answer(error.status, error_body(error.code, error.message_for()), error.headers)

    @app.exception_handler(StoreUnavailable)
    def store_unavailable(_: StoreUnavailable) -> Response:  # the store logged what AWS answered
        return busy_answer()

    @app.exception_handler(ValueRefused)
    def value_refused(_: ValueRefused) -> Response:  # logged by the store as an error, so that the check gets fixed
        return error_answer(400, error_body("invalid_request", INVALID_VALUE))

    @app.exception_handler(Conflict)
    def conflict(_: Conflict) -> Response:
        message = "Le compte a été modifié pendant la demande : merci de recommencer."
        return error_answer(409, error_body("conflict", message))

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        # The traceback goes to the log (which never holds secrets); the user gets a clear sentence.
        logger.exception("unexpected error")
        return error_answer(500, error_body("internal_error", INTERNAL_ERROR))

    @app.not_found
    def not_found(_: Exception) -> Response:
        return error_answer(404, error_body("not_found", "Cette adresse n'existe pas."), title="Page introuvable")

    return app


def handle(app: APIGatewayRestResolver, event: dict, context: Any) -> dict:
    """Resolve an API Gateway event, add the security headers every answer carries, log one access line."""
    started = time.perf_counter()
    answer = app.resolve(event, context)
    multi = answer.setdefault("multiValueHeaders", {}) or {}
    answer["multiValueHeaders"] = multi
    present = {name.lower() for name in multi} | {name.lower() for name in (answer.get("headers") or {})}
    for name, value in BASE_HEADERS.items():
        if name.lower() not in present:
            multi[name] = [value]
    # The resource, not the path or query string: a link's code must never reach the log.
    access = {"method": event.get("httpMethod"), "resource": event.get("resource"), "status": answer["statusCode"]}
    logger.info("request", extra={**access, "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return answer
