"""The OpenAPI 3 document of the whole JSON API, generated from every function's routes."""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

from ent_accounts.web.api import create_app
from ent_accounts.web.routes import account, admin, first_connection, login, password_reset, validate_email

ROUTERS = [
    login.router,
    first_connection.router,
    validate_email.router,
    account.router,
    password_reset.router,
    admin.router,
]


SECURITY_SCHEMES = {
    "session": HTTPBearer(description="Le jeton de session reçu à la connexion (ou le cookie `session`)."),
    "sessionCookie": APIKey(**{"in": APIKeyIn.cookie}, name="session"),
}


@lru_cache(maxsize=1)
def openapi_document() -> str:
    app = create_app(*ROUTERS)
    return app.get_openapi_json_schema(
        security_schemes=SECURITY_SCHEMES,
        title="ENT accounts",
        version="1.0.0",
        description="Comptes de l'ENT : connexion, première connexion, adresse mail, gestion du compte.",
    )
