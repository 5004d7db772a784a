"""The authorization endpoint's answer, and /oidc/continue's: a code for the client at once (a live single sign-on
session whose password proof is fresh enough), the pages first (login, first connection, validation: the request
waits server-side as a pending sign-in), an error for the client, or a French page.

A code is issued only to an ACTIVE account (never a pending or provisional one), not locked out, through a full
session whose credentials are current, of a school the client serves. Every code issued, and every refusal, is
audited in the account's partition and counted.

Requests (DynamoDB), at their minimum: with a session, 1 BatchGetItem (session + client), 1 BatchGetItem (account +
lock-out counter), 1 TransactWriteItems (the code and its audit event, the session's idle limit pushed back when
due); without one, 1 BatchGetItem of the client alone and 1 PutItem (the pending sign-in); /oidc/continue,
1 BatchGetItem (session + pending sign-in), 1 BatchGetItem (account + counter + client), 1 TransactWriteItems (the
code, the pending sign-in used, the audit event). No KMS call: nothing is signed before the token endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ent_accounts import links as pages
from ent_accounts import metrics
from ent_accounts.accounts import Account, Status, new_subject
from ent_accounts.codes import hash_token, looks_like_token, new_token
from ent_accounts.errors import AccountLocked
from ent_accounts.flows.sign_in import commit_signed_in, start_sign_in
from ent_accounts.flows.sign_in import refused as _refused
from ent_accounts.flows.sign_in import session_hash as _hash
from ent_accounts.links import Links
from ent_accounts.lockout import Throttle, retry_after_seconds
from ent_accounts.observability import logger
from ent_accounts.oidc.authorization_request import (
    UNKNOWN_CLIENT,
    AuthorizationError,
    AuthorizationRequest,
    Params,
    UnreportableRequest,
    authorization_request,
    client_id_of,
)
from ent_accounts.oidc.claims import scope_claims, sid_for, subject_for
from ent_accounts.oidc.discovery import CONTINUE
from ent_accounts.oidc.grants import AuthorizationCode
from ent_accounts.oidc.id_token_hint import issued_id_token
from ent_accounts.services import Services
from ent_accounts.sessions import Session
from ent_accounts.sso.clients import Client
from ent_accounts.sso.sign_in import (
    CAS,
    OIDC,
    Answer,
    PendingSignIn,
    SchoolNotServed,
    SignInExpired,
    fresh_enough,
    signs_in,
)


@dataclass(frozen=True)
class Grant:
    """What a code would be issued for, whether the request came now or waited as a pending sign-in."""

    client: Client | None
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str
    state: str | None
    nonce: str | None
    silent: bool  # prompt=none
    sub_hint: str | None = None  # the `sub` of the request's id_token_hint: only that person may get the code

    @classmethod
    def of_request(cls, request: AuthorizationRequest, sub_hint: str | None) -> Grant:
        return cls(
            request.client,
            request.client.client_id,
            request.redirect_uri,
            request.scopes,
            request.code_challenge,
            request.state,
            request.nonce,
            request.silent,
            sub_hint,
        )

    @classmethod
    def of_sign_in(cls, sign_in: PendingSignIn) -> Grant:
        params = sign_in.params
        return cls(
            None,
            sign_in.client_id,
            sign_in.return_to,
            tuple(params.get("scope", "openid").split()),
            params["code_challenge"],
            params.get("state"),
            params.get("nonce"),
            params.get("prompt") == "none",
            params.get("sub_hint"),
        )

    def error(self, error: str, description: str) -> AuthorizationError:
        return AuthorizationError(error, description, self.redirect_uri, self.state)


def to_client(redirect_uri: str, **params: str | None) -> str:
    """The redirect URI with the answer's parameters added to its query (kept as registered, RFC 6749 §3.1.2)."""
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in params.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def error_answer(error: AuthorizationError, issuer: str) -> Answer:
    """An error sent to the client's redirect URI, with `state` and `iss` (RFC 9207) as every answer."""
    location = to_client(
        error.redirect_uri, error=error.error, error_description=error.description, state=error.state, iss=issuer
    )
    return Answer(location, to_client=True)


def authorize(
    services: Services,
    params: Params,
    session_token: str | None,
    links: Links,
    request_id: str,
    *,
    cookies_may_be_withheld: bool = False,
) -> Answer:
    """The answer to an authorization request. Raises UnreportableRequest (a French page), AuthorizationError (for
    the client), AccountLocked or SchoolNotServed (French pages).

    `cookies_may_be_withheld`: a POST from another site, without a session cookie: the browser keeps SameSite=Lax
    cookies out of such requests, so whether a session exists is known only after a top-level GET. The request
    then waits as a pending sign-in and the browser goes to /oidc/continue, which decides."""
    client_id = client_id_of(params)
    session_hash = _hash(session_token)
    session, client, _ = services.store.sign_in_reads(session_hash, client_id)
    request = authorization_request(params, client)
    grant = Grant.of_request(request, _hinted_subject(services, request, links.base_url))
    now = services.clock.now()
    if session is None and cookies_may_be_withheld:
        ref, sign_in = _wait(services, grant, request)
        return Answer(links.page(CONTINUE), sign_in_ref=ref, sign_in_expires=sign_in.expires_at)
    someone_else = False  # signed in, but not as the person the id_token_hint names
    if session is not None and not request.forces_login and fresh_enough(session, now, request.max_age, None):
        account, throttle, _ = services.store.account_throttle_and_client(session.identifier, None)
        if signs_in(account, session):
            if _is_hinted(grant, request.client, account):
                return _answer(
                    services, grant, request.client, session, session_hash, account, throttle, links, request_id
                )
            someone_else = True
    if request.silent:
        _refused(services, None, grant.client_id, "login_required", request_id)
        if someone_else:
            raise grant.error("login_required", "the End-User signed in is not the one id_token_hint names")
        raise grant.error("login_required", "no live session answers this request without a page")
    ref, sign_in = _wait(services, grant, request, force_login=someone_else)
    return Answer(links.login(), sign_in_ref=ref, sign_in_expires=sign_in.expires_at)


def continue_sign_in(
    services: Services, ref: str | None, session_token: str | None, links: Links, request_id: str
) -> Answer:
    """Finish the pending sign-in of this browser once the pages signed the person in: the code for the client,
    or the pages again (the password, when the session is missing, pending, or older than the request asked); a
    CAS service's pending sign-in goes on to /cas/continue (the pages send every sign-in here). Raises
    SignInExpired, UnreportableRequest (the client was removed meanwhile), AuthorizationError (prompt=none),
    AccountLocked or SchoolNotServed."""
    if not ref or not looks_like_token(ref):
        raise SignInExpired()
    session_hash = _hash(session_token)
    session, _, sign_in = services.store.sign_in_reads(session_hash, None, hash_token(ref))
    if sign_in is not None and sign_in.protocol == CAS:
        return Answer(links.page(pages.CAS_CONTINUE))  # a CAS service asked: CAS answers it (nothing written)
    if sign_in is None or sign_in.protocol != OIDC:
        raise SignInExpired()
    grant = Grant.of_sign_in(sign_in)
    account, throttle, client = (
        services.store.account_throttle_and_client(session.identifier, sign_in.client_id)
        if session is not None
        else (None, Throttle(), None)
    )
    now = services.clock.now()
    if session is not None and not (client and client.accepts_redirect_uri(sign_in.return_to)):
        raise UnreportableRequest(UNKNOWN_CLIENT)  # removed, or its redirect URI, since the request came
    if not (session and signs_in(account, session) and sign_in.answered_by(session, now)):
        if grant.silent:
            _refused(services, None, grant.client_id, "login_required", request_id)
            raise grant.error("login_required", "no live session answers this request without a page")
        if (
            session is not None
            and session.scope == "pending"
            and account
            and account.status is Status.PENDING_VALIDATION
        ):
            return Answer(links.page(pages.PENDING))  # the pending page names the service and says what to do
        return Answer(links.login())
    answer = _answer(
        services,
        replace(grant, client=client),
        client,
        session,
        session_hash,
        account,
        throttle,
        links,
        request_id,
        sign_in=sign_in,
    )
    return replace(answer, sign_in_done=True)


def _hinted_subject(services: Services, request: AuthorizationRequest, issuer: str) -> str | None:
    """The `sub` of the request's id_token_hint (OIDC Core §3.1.2.1), or None without one; AuthorizationError for
    a hint this provider did not issue to this client (expired ones are fine: the person they name is what counts)."""
    if request.id_token_hint is None:
        return None
    issued = issued_id_token(services.signer, request.id_token_hint, issuer)
    if issued is None or issued.audience != request.client.client_id:
        raise AuthorizationError(
            "invalid_request",
            "id_token_hint is not an ID token this provider issued to this client",
            request.redirect_uri,
            request.state,
        )
    return issued.subject


def _is_hinted(grant: Grant, client: Client, account: Account) -> bool:
    """Whether the account is the person the request's id_token_hint names (True without a hint)."""
    if grant.sub_hint is None:
        return True
    return bool(account.subject) and subject_for(client, account.subject) == grant.sub_hint


def _wait(
    services: Services, grant: Grant, request: AuthorizationRequest, force_login: bool = False
) -> tuple[str, PendingSignIn]:
    params = {
        "scope": request.scope,
        "code_challenge": request.code_challenge,
        "state": request.state,
        "nonce": request.nonce,
        "prompt": " ".join(sorted(request.prompt)) or None,
        "sub_hint": grant.sub_hint,
    }
    return start_sign_in(
        services,
        OIDC,
        request.client,
        request.redirect_uri,
        {name: value for name, value in params.items() if value is not None},
        login_hint=request.login_hint,
        force_login=force_login or request.forces_login or request.max_age == 0,
        max_age=request.max_age,
    )


def _answer(
    services: Services,
    grant: Grant,
    client: Client,
    session: Session,
    session_hash: str,
    account: Account,
    throttle: Throttle,
    links: Links,
    request_id: str,
    sign_in: PendingSignIn | None = None,
) -> Answer:
    """A code for the client, or the refusal (an error for the client under prompt=none, else a French page)."""
    now, issuer = services.clock.now(), links.base_url
    if not _is_hinted(grant, client, account):  # the pages signed someone else in than the hint names
        _refused(services, account, client.client_id, "not_the_hinted_person", request_id)
        raise grant.error("login_required", "the End-User signed in is not the one id_token_hint names")
    if throttle.locked_until and throttle.locked_until > now:
        _refused(services, account, client.client_id, "account_locked", request_id)
        if grant.silent:
            raise grant.error("login_required", "the account is locked out for now")
        raise AccountLocked(retry_after_seconds(throttle.locked_until, now))
    if not client.serves(account.uai):
        _refused(services, account, client.client_id, "school_not_served", request_id)
        if grant.silent:
            raise grant.error("access_denied", "this client does not serve the account's school")
        raise SchoolNotServed(audience=account.role)
    subject = account.subject or services.store.ensure_subject(account.identifier, new_subject())
    code = new_token()
    valid_until = now + timedelta(seconds=services.settings.oidc_code_seconds)
    record = AuthorizationCode(
        code_hash=hash_token(code),
        client_id=client.client_id,
        redirect_uri=grant.redirect_uri,
        code_challenge=grant.code_challenge,
        identifier=account.identifier,
        session_hash=session_hash,
        sid=sid_for(client, session.sid),
        sub=subject_for(client, subject),
        scope=" ".join(grant.scopes),
        auth_time=session.authenticated_at,
        valid_until=valid_until,
        expires_at=valid_until,
        claims=scope_claims(account, grant.scopes, *_family(services, account, client, subject, grant.scopes)),
        nonce=grant.nonce,
        credential_version=account.credential_version,
    )
    commit_signed_in(
        services,
        services.store.transaction().put_authorization_code(record),
        session=session,
        session_hash=session_hash,
        sign_in=sign_in,
        identifier=account.identifier,
        client_id=client.client_id,
        request_id=request_id,
    )
    metrics.count(metrics.CLIENT_SIGN_INS)
    logger.info("code issued", extra={"client_id": client.client_id})
    return Answer(to_client(grant.redirect_uri, code=code, state=grant.state, iss=issuer), to_client=True)


def _family(services: Services, account: Account, client: Client, subject: str, scopes: tuple[str, ...]) -> tuple:
    """The linked accounts the `ent` scope releases, each with the `sub` this client knows them by, and the account's
    own: one Query of the account's links, and one BatchGetItem when it has some (only with `ent`, and only for an
    account that was ever linked)."""
    if "ent" not in scopes:
        return (), None
    if not account.linked:  # never linked (most students): nothing to read
        return (), subject_for(client, subject)
    family = services.store.family(account.identifier)
    linked = services.store.get_accounts(family.linked).values() if family.linked else []
    known = [(other, subject_for(client, other.subject)) for other in linked if other.subject]
    return known, subject_for(client, subject)
