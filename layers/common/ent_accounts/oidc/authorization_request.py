"""The authorization request (OIDC Core §3.1.2.1), checked against what RFC 9700 leaves: the code flow only, PKCE
with S256 for every client, the redirect URI compared as an exact string.

Two kinds of refusal, as RFC 6749 §4.1.2.1 orders: while the client or its redirect URI is in doubt, nothing may be
sent to that URI (`UnreportableRequest`: a French page for the person, never a redirect, or the request would be an
open redirector); once both are known good, every other error goes back to the client (`AuthorizationError`, sent
with `state` and RFC 9207's `iss`). Error descriptions to clients are English ASCII, as RFC 6749 §4.1.2.1 allows
(they are for the service's developers, not shown to students).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ent_accounts.accounts import IDENTIFIER_MAX
from ent_accounts.errors import DomainError
from ent_accounts.oidc.claims import SCOPES
from ent_accounts.sso.clients import Client

CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
# RFC 7636 §4.2: S256's challenge is BASE64URL(SHA-256(verifier)) without padding: 43 characters.
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
PARAMETER_NAME = re.compile(r"[a-z_]{1,40}")  # what an OAuth parameter's name looks like, to name it in an error
MAX_STATE = 1024  # far more than any client sends; a bounded item and URL
MAX_NONCE = 512

# Seen before any login (nobody known): impersonal words (wording.py).
UNKNOWN_CLIENT = (
    "Ce service n'est pas reconnu : la connexion ne peut pas aboutir. Il faut revenir sur le site du service et "
    "recommencer ; si le problème continue, l'établissement peut le signaler."
)
BAD_REDIRECT = (
    "Ce service a demandé la connexion avec une adresse de retour qui n'est pas la sienne : la connexion ne peut "
    "pas aboutir. Il faut revenir sur le site du service et recommencer ; si le problème continue, "
    "l'établissement peut le signaler."
)


class UnreportableRequest(DomainError):
    """The client or its redirect URI is unknown, missing or given twice: said on a French page, never sent."""

    status = 400
    code = "invalid_request"
    message = UNKNOWN_CLIENT


@dataclass
class AuthorizationError(Exception):
    """An error the client receives at its redirect URI (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6)."""

    error: str
    description: str
    redirect_uri: str
    state: str | None

    def __str__(self) -> str:
        return f"{self.error}: {self.description}"


@dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]  # those granted: the known ones asked for, openid first
    code_challenge: str
    state: str | None = None
    nonce: str | None = None
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    login_hint: str | None = None
    id_token_hint: str | None = None  # checked by the endpoint against the published keys (oidc/id_token_hint.py)

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    @property
    def silent(self) -> bool:
        """prompt=none: answer without showing any page, or say login_required."""
        return "none" in self.prompt

    @property
    def forces_login(self) -> bool:
        """prompt=login (and select_account: the login page is where another account is chosen)."""
        return bool(self.prompt & {"login", "select_account"})


Params = Mapping[str, Sequence[str]]


def client_id_of(params: Params) -> str:
    """The client_id asked for, well-formed and given once, or UnreportableRequest (before any lookup)."""
    values = params.get("client_id") or []
    if len(values) != 1 or not CLIENT_ID.fullmatch(values[0]):
        raise UnreportableRequest()
    return values[0]


def authorization_request(params: Params, client: Client | None) -> AuthorizationRequest:
    """The request of `params` (the query string, or the form of a POST, each parameter with all its values) from
    `client` (None: unknown). Raises UnreportableRequest or AuthorizationError."""
    if client is None:
        raise UnreportableRequest()
    redirect_uris = params.get("redirect_uri") or []
    # OIDC requires redirect_uri; one registered URI does not make it optional here (an exact match only).
    if len(redirect_uris) != 1 or not client.accepts_redirect_uri(redirect_uris[0]):
        raise UnreportableRequest(BAD_REDIRECT)
    redirect_uri = redirect_uris[0]
    states = params.get("state") or []
    state = states[0] if len(states) == 1 and _printable(states[0], MAX_STATE) else None

    def refuse(error: str, description: str) -> AuthorizationError:
        return AuthorizationError(error, description, redirect_uri, state)

    if len(states) > 1 or (states and state is None):
        raise refuse("invalid_request", "state must be given once, at most 1024 printable ASCII characters")
    if repeated := repeated_parameter(params):
        raise refuse("invalid_request", repeated)
    one = {name: values[0] for name, values in params.items() if values}

    if "request" in one:
        raise refuse("request_not_supported", "request objects are not supported")
    if "request_uri" in one:
        raise refuse("request_uri_not_supported", "request_uri is not supported")
    if "registration" in one:  # OIDC Core §7.2.1: clients are registered by ops, never by their requests
        raise refuse("registration_not_supported", "the registration parameter is not supported")
    response_type = one.get("response_type")
    if not response_type:
        raise refuse("invalid_request", "response_type is required")
    if response_type != "code":
        raise refuse("unsupported_response_type", "only response_type=code is supported")
    if one.get("response_mode", "query") != "query":
        raise refuse("invalid_request", "only response_mode=query is supported")
    asked = one.get("scope", "").split()
    if "openid" not in asked:
        raise refuse("invalid_scope", "scope must contain openid")
    scopes = ("openid", *(scope for scope in SCOPES if scope != "openid" and scope in asked))

    challenge, method = one.get("code_challenge"), one.get("code_challenge_method")
    if not challenge:
        raise refuse("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
    if method != "S256":  # absent means plain (RFC 7636 §4.3), which RFC 9700 leaves out
        raise refuse("invalid_request", "code_challenge_method must be S256")
    if not S256_CHALLENGE.fullmatch(challenge):
        raise refuse("invalid_request", "code_challenge must be 43 base64url characters (S256)")

    nonce = one.get("nonce")
    if nonce is not None and not _printable(nonce, MAX_NONCE):
        raise refuse("invalid_request", "nonce must be at most 512 printable ASCII characters")
    prompt = frozenset(one.get("prompt", "").split())
    if not prompt <= PROMPTS:
        raise refuse("invalid_request", "prompt values: none, login, consent, select_account")
    if "none" in prompt and len(prompt) > 1:
        raise refuse("invalid_request", "prompt=none cannot be combined with another value")
    max_age = one.get("max_age")
    if max_age is not None and not (max_age.isdigit() and len(max_age) <= 9):
        raise refuse("invalid_request", "max_age must be a whole number of seconds")
    hint = one.get("login_hint", "").strip().lower()
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scopes=scopes,
        code_challenge=challenge,
        state=state,
        nonce=nonce,
        prompt=prompt,
        max_age=int(max_age) if max_age is not None else None,
        login_hint=hint if hint and len(hint) <= IDENTIFIER_MAX and _printable(hint, IDENTIFIER_MAX) else None,
        id_token_hint=one.get("id_token_hint"),
    )


def repeated_parameter(params: Params) -> str | None:
    """The error description for a request with a parameter given more than once (RFC 6749 §3.1 forbids it), or
    None. It names the parameter only when the name is a plain token: an error_description holds only printable
    ASCII without `"` or `\\` (RFC 6749 §4.1.2.1, §5.2), and a name the request made up may hold anything."""
    repeated = sorted(name for name, values in params.items() if len(values) > 1)
    if not repeated:
        return None
    name = next((name for name in repeated if PARAMETER_NAME.fullmatch(name)), None)
    return f"parameter given more than once: {name}" if name else "a parameter is given more than once"


def _printable(value: str, longest: int) -> bool:
    """RFC 6749 Appendix A's VSCHAR (printable ASCII and space), of at most `longest` characters."""
    return len(value) <= longest and all(" " <= character <= "~" for character in value)
