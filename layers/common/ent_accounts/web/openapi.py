"""The OpenAPI 3 document of the whole JSON API, generated from every function's routes."""

from __future__ import annotations

import json
from functools import lru_cache

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

from ent_accounts.web.api import create_app
from ent_accounts.web.routes import (
    account,
    admin,
    clients,
    first_connection,
    grants,
    login,
    password_reset,
    staff_admin,
    validate_email,
)
from ent_accounts.web.session import COOKIE

ROUTERS = [
    login.router,
    first_connection.router,
    validate_email.router,
    account.router,
    password_reset.router,
    admin.router,
    clients.router,
    staff_admin.router,
    grants.router,
]


SECURITY_SCHEMES = {
    "session": HTTPBearer(description=f"Le jeton de session reçu à la connexion (ou le cookie `{COOKIE}`)."),
    "sessionCookie": APIKey(**{"in": APIKeyIn.cookie}, name=COOKIE),
}


ERROR_ANSWER = {
    "description": "Erreur",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


@lru_cache(maxsize=1)
def openapi_document() -> str:
    app = create_app(*ROUTERS)
    document = json.loads(
        app.get_openapi_json_schema(
            security_schemes=SECURITY_SCHEMES,
            title="ENT accounts",
            version="1.0.0",
            description="Comptes de l'ENT : connexion, première connexion, adresse mail, gestion du compte.",
        )
    )
    return json.dumps(exact(document), ensure_ascii=False)


def exact(document: dict) -> dict:
    """Say only what the API does: invalid input is a 400 (never Powertools' default 422), a 204 has no body, and a
    public route taking a body answers 415 to a body that is not application/json (web/request_checks.py)."""
    for path, item in document["paths"].items():
        for operation in item.values():
            if "requestBody" in operation and not path.startswith("/api/admin/"):
                operation["responses"].setdefault("415", ERROR_ANSWER)
            if operation["responses"].get("422", {}).get("description") == "Validation Error":  # Powertools' own
                del operation["responses"]["422"]
            if "204" in operation["responses"]:
                operation["responses"]["204"].pop("content", None)
    for name in ("HTTPValidationError", "ValidationError"):
        document.get("components", {}).get("schemas", {}).pop(name, None)
    return document
