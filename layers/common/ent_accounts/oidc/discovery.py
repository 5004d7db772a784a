"""The provider's metadata (OpenID Connect Discovery 1.0 §3): exactly what is supported, nothing more, so that a
relying party configured from it never tries what would be refused."""

from __future__ import annotations

from ent_accounts.links import CONTINUE_SIGN_IN
from ent_accounts.oidc.claims import CLAIMS_SUPPORTED, SCOPES
from ent_accounts.sso.clients import AuthMethod

AUTHORIZE = "/oidc/authorize"
TOKEN = "/oidc/token"  # noqa: S105 (a path)
USERINFO = "/oidc/userinfo"
JWKS = "/oidc/jwks.json"
LOGOUT = "/oidc/logout"
CONTINUE = CONTINUE_SIGN_IN  # where the pages send the browser to finish a pending sign-in (same origin)
CONFIGURATION = "/.well-known/openid-configuration"


def configuration(issuer: str) -> dict:
    """`issuer`: the service's public base URL, exactly (no trailing slash); every endpoint lives under it."""
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + AUTHORIZE,
        "token_endpoint": issuer + TOKEN,
        "userinfo_endpoint": issuer + USERINFO,
        "jwks_uri": issuer + JWKS,
        "end_session_endpoint": issuer + LOGOUT,
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [method.value for method in AuthMethod],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "ui_locales_supported": ["fr-FR"],
    }
