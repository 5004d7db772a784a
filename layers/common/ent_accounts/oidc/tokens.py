"""The token endpoint (RFC 6749 §4.1.3, OIDC Core §3.1.3) and userinfo (OIDC Core §5.3).

Client authentication: `client_secret_basic` (RFC 6749 §2.3.1: the id and the secret are each
form-urlencoded before they are joined and base64-encoded, so `%3A` in an id is a colon of the id, not the
separator), `client_secret_post`, or `none` for a public client (PKCE alone binds its codes). A client uses exactly
the method it was registered with, and one method per request; any failure is `invalid_client`, 401, with
`WWW-Authenticate: Basic` when the client tried Basic.

Code redemption (RFC 9700 §4.2.1, RFC 6749 §4.1.2): the code must be this client's, unused, within its 60 s,
presented with the redirect URI it was issued for and the PKCE verifier of its S256 challenge. One transaction
then uses the code, stores the access token and records the client on the session the code came through (which
must still live), on condition that the account is still ACTIVE with the credentials it had when the code was
issued (a school reset, a password change or a deletion within the code's 60 s gives no tokens): two processes
redeeming the same code cannot both pass its condition. A code presented again (or by the loser of such a race) is
`invalid_grant`, and the access token it issued is deleted.

Requests: 1 BatchGetItem (client + code), 1 TransactWriteItems (code used, access token, session, account check,
audit event), and 1 KMS Sign for the ID token (made before the transaction: a signing failure leaves the code
usable).
No refresh token: the SSO session gives a new code without a page (prompt=none) for as long as it lives, and a
refresh token would outlive the session and its logout.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote_plus

from ent_accounts import metrics
from ent_accounts.codes import hash_token, looks_like_token, new_token
from ent_accounts.errors import ServiceBusy
from ent_accounts.observability import logger
from ent_accounts.oidc.authorization_request import CLIENT_ID, Params, repeated_parameter
from ent_accounts.oidc.grants import AccessToken, AuthorizationCode
from ent_accounts.services import Services
from ent_accounts.sso.clients import AuthMethod, Client, secret_matches
from ent_accounts.sso.sign_in import signs_in
from ent_accounts.store import Conflict

CODE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1
REALM = "ENT"


class TokenError(Exception):
    """An error answer of the token endpoint (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str, status: int = 400, basic: bool = False) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if basic and status == 401 else {}

    @property
    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


class InvalidToken(Exception):
    """Userinfo refused the request (RFC 6750 §3): without a token at all, no error code is given."""

    def __init__(self, description: str = "", error: str | None = "invalid_token", status: int = 401) -> None:
        super().__init__(description)
        self.description = description
        self.error = error
        self.status = status

    @property
    def www_authenticate(self) -> str:
        if self.error is None:
            return f'Bearer realm="{REALM}"'
        return f'Bearer realm="{REALM}", error="{self.error}", error_description="{self.description}"'


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str | None
    method: AuthMethod


def presented_credentials(form: Params, authorization: str | None) -> Credentials:
    """Who the request says it is, and how it proves it; TokenError for a malformed or ambiguous presentation."""
    body_id, body_secret = _single(form, "client_id"), _single(form, "client_secret")
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TokenError("invalid_client", "malformed Basic credentials", 401, basic=True) from None
        raw_id, colon, raw_secret = decoded.partition(":")
        if not colon:
            raise TokenError("invalid_client", "malformed Basic credentials", 401, basic=True)
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if body_secret is not None:
            raise TokenError("invalid_request", "use one client authentication method only")
        if body_id is not None and body_id != client_id:
            raise TokenError("invalid_client", "client_id differs from the Basic credentials", 401, basic=True)
        return Credentials(client_id, secret, AuthMethod.CLIENT_SECRET_BASIC)
    if scheme:
        raise TokenError("invalid_client", "unsupported authentication scheme", 401)
    if not body_id:
        raise TokenError("invalid_client", "client authentication is required", 401)
    method = AuthMethod.NONE if body_secret is None else AuthMethod.CLIENT_SECRET_POST
    return Credentials(body_id, body_secret, method)


def authenticated(client: Client | None, credentials: Credentials, now) -> Client:
    """The client, if it proved itself by its registered method; TokenError `invalid_client` otherwise."""
    basic = credentials.method is AuthMethod.CLIENT_SECRET_BASIC
    if client is None or client.token_endpoint_auth_method is not credentials.method:
        raise TokenError("invalid_client", "unknown client, or not its registered authentication method", 401, basic)
    if not client.is_public and not secret_matches(client, credentials.secret or "", now):
        raise TokenError("invalid_client", "client authentication failed", 401, basic)
    return client


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA-256(ASCII(code_verifier))), without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def exchange_code(services: Services, form: Params, authorization: str | None, issuer: str, request_id: str) -> dict:
    """The token answer for an authorization code (its JSON body); TokenError otherwise."""
    if repeated := repeated_parameter(form):
        raise TokenError("invalid_request", repeated)
    credentials = presented_credentials(form, authorization)
    grant_type = _single(form, "grant_type")
    if not grant_type:
        raise TokenError("invalid_request", "grant_type is required")
    if grant_type != "authorization_code":
        raise TokenError("unsupported_grant_type", "only authorization_code is supported")
    if not CLIENT_ID.fullmatch(credentials.client_id):
        raise TokenError("invalid_client", "unknown client", 401, credentials.method is AuthMethod.CLIENT_SECRET_BASIC)
    code, store, now = _single(form, "code") or "", services.store, services.clock.now()
    if looks_like_token(code):
        client, record = store.client_and_code(credentials.client_id, hash_token(code))
    else:
        client, record = store.get_client(credentials.client_id), None
    client = authenticated(client, credentials, now)
    if not code:
        raise TokenError("invalid_request", "code is required")
    if record is None or record.client_id != client.client_id:
        _refused(client.client_id, "unknown_code")
        raise TokenError("invalid_grant", "unknown or expired code, or issued to another client")
    if record.used:
        _revoke(services, record, request_id)
        raise TokenError("invalid_grant", "code already used: the tokens it issued are revoked")
    if record.valid_until <= now:
        _refused_code(services, record, "expired_code", request_id)
        raise TokenError("invalid_grant", "code expired")
    redirect_uri = _single(form, "redirect_uri")
    if not redirect_uri:
        raise TokenError("invalid_request", "redirect_uri is required")
    if redirect_uri != record.redirect_uri:
        _refused_code(services, record, "redirect_uri_mismatch", request_id)
        raise TokenError("invalid_grant", "redirect_uri differs from the authorization request's")
    verifier = _single(form, "code_verifier")
    if not verifier or not CODE_VERIFIER.fullmatch(verifier):
        raise TokenError("invalid_request", "code_verifier is required: 43 to 128 unreserved characters")
    if not hmac.compare_digest(s256(verifier), record.code_challenge):
        _refused_code(services, record, "pkce_mismatch", request_id)
        raise TokenError("invalid_grant", "code_verifier does not match the code_challenge")
    return _issue(services, client, record, issuer, request_id)


def _issue(services: Services, client: Client, record: AuthorizationCode, issuer: str, request_id: str) -> dict:
    settings, now = services.settings, services.clock.now()
    access_token = new_token()
    access_expires = now + timedelta(minutes=settings.oidc_access_token_minutes)
    token = AccessToken(
        token_hash=hash_token(access_token),
        client_id=client.client_id,
        sub=record.sub,
        scope=record.scope,
        expires_at=access_expires,
        claims=record.claims,
        identifier=record.identifier,
        session_hash=record.session_hash,
    )
    id_claims = {
        **record.claims,
        "iss": issuer,
        "sub": record.sub,
        "aud": client.client_id,
        "exp": int((now + timedelta(minutes=settings.oidc_id_token_minutes)).timestamp()),
        "iat": int(now.timestamp()),
        "auth_time": int(record.auth_time.timestamp()),
        "sid": record.sid,
        "amr": ["pwd"],
    }
    if record.nonce is not None:
        id_claims["nonce"] = record.nonce
    id_token = services.signer.sign(id_claims, typ="JWT")  # the one KMS call
    tx = (
        services.store.transaction()
        .redeem_code(record.code_hash, token.token_hash, access_expires, now)
        .put_access_token(token)
        .sign_client_in(record.session_hash, client.client_id, now)
        .account_signed_in(record.identifier, record.credential_version)
        .audit(record.identifier, "tokens_issued", request_id, client_id=client.client_id)
    )
    try:
        tx.commit(retries=2)
    except Conflict as conflict:
        if "code" in conflict.changed:  # redeemed meanwhile by another request: this one is a second presentation
            current = services.store.get_authorization_code(record.code_hash)
            if current is not None and current.used:
                _revoke(services, current, request_id)
                raise TokenError("invalid_grant", "code already used: the tokens it issued are revoked") from None
            raise TokenError("invalid_grant", "code expired") from None
        if "session" in conflict.changed:
            _refused_code(services, record, "session_ended", request_id)
            raise TokenError("invalid_grant", "the session this code was issued through has ended") from None
        if "account signed in" in conflict.changed:
            _refused(client.client_id, "account_changed")
            raise TokenError("invalid_grant", "the account was reset, deleted or given a new password") from None
        raise ServiceBusy() from None
    metrics.count(metrics.TOKENS_ISSUED)
    logger.info("tokens issued", extra={"client_id": client.client_id})
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int((access_expires - now).total_seconds()),
        "id_token": id_token,
        "scope": record.scope,
    }


def _revoke(services: Services, record: AuthorizationCode, request_id: str) -> None:
    """A used code presented again: the access token it issued is deleted (RFC 6749 §4.1.2), audited."""
    if record.access_token_hash:
        services.store.delete_access_token(record.access_token_hash)
    _refused_code(services, record, "code_presented_again", request_id)


def _refused_code(services: Services, record: AuthorizationCode, reason: str, request_id: str) -> None:
    """A real code refused (presented again, late, with another redirect URI or verifier: perhaps intercepted), in
    the account's audit trail too."""
    _refused(record.client_id, reason)
    services.store.record_event(
        record.identifier, "sign_in_refused", request_id, client_id=record.client_id, reason=reason
    )


def _refused(client_id: str, reason: str, message: str = "token request refused") -> None:
    metrics.count(metrics.SIGN_IN_REFUSALS)
    logger.info(message, extra={"client_id": client_id, "reason": reason})


def userinfo(services: Services, access_token: str | None) -> dict:
    """The claims the access token's scopes release (OIDC Core §5.3.2), with `sub`; InvalidToken otherwise.

    The token is good only while what it stands on still holds: the session it came through lives (a logout, here
    or at any service, ends it at once rather than 5 minutes later), the account's credentials are those of that
    session and it is active, and its client is still registered and serves the account's school. Requests: one
    GetItem (the token), then one BatchGetItem (its session, account and client)."""
    if access_token is None:
        raise InvalidToken(error=None)
    if not looks_like_token(access_token):
        raise InvalidToken("malformed access token")
    token, session, account, client = services.store.access_token_reads(hash_token(access_token))
    if token is None:
        raise InvalidToken("unknown, expired or revoked access token")
    if not signs_in(account, session):
        _refused(token.client_id, "session_ended", "userinfo refused")
        raise InvalidToken("the session this access token was issued through has ended")
    if client is None or not client.serves(account.uai):
        _refused(token.client_id, "client_not_registered", "userinfo refused")
        raise InvalidToken("the client this access token was issued to is no longer registered for this account")
    return {**token.claims, "sub": token.sub}


def _single(form: Params, name: str) -> str | None:
    values = form.get(name) or []
    return values[0] if values else None
