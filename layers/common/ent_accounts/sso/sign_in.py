"""A sign-in a service asked for, kept while the person goes through the pages (login, first connection,
validation), and the rules that say whether a session answers it.

The browser holds only an opaque random reference (the `sign_in` cookie); the request itself is stored server-side
under the reference's hash, for SIGN_IN_REQUEST_MINUTES: nothing the person could edit (a redirect URI, a scope)
ever travels through the browser between the service's request and the answer. Shared by every protocol (OpenID
Connect, CAS): `params` holds the protocol's own parameters. Starting and finding one is
flows/sign_in.py; the OIDC answer is oidc/authorization.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from ent_accounts.accounts import Account, Status
from ent_accounts.errors import DomainError
from ent_accounts.sessions import Session
from ent_accounts.wording import Say

OIDC = "oidc"
CAS = "cas"

# What every protocol's sign-in answers with (oidc/authorization.py, cas/login.py), and the refusals they share.

SCHOOL_NOT_SERVED = Say(
    "Ce service n'est pas ouvert aux comptes de ton établissement : tu ne peux pas t'y connecter avec ce "
    "compte. Si tu penses que c'est une erreur, adresse-toi à ton établissement.",
    "Ce service n'est pas ouvert aux comptes de votre établissement : vous ne pouvez pas vous y connecter avec "
    "ce compte. Si vous pensez que c'est une erreur, adressez-vous à l'établissement.",
    "Ce service n'est pas ouvert aux comptes de cet établissement : la connexion n'y est pas possible avec ce "
    "compte. En cas d'erreur, l'établissement peut aider.",
)


class SchoolNotServed(DomainError):
    """Raised with the account's role as `audience`."""

    status = 403
    code = "school_not_served"
    message = SCHOOL_NOT_SERVED


class SignInExpired(DomainError):
    status = 400
    code = "sign_in_expired"
    message = (
        "Cette demande de connexion a expiré ou a déjà servi : il faut revenir sur le site du service et s'y "
        "connecter de nouveau."
    )


@dataclass(frozen=True)
class Answer:
    """Where the browser goes next, and what happens to its `sign_in` cookie."""

    location: str
    to_client: bool = False  # the client's redirect URI (a code or an error), else one of our pages
    sign_in_ref: str | None = None  # a pending sign-in just started: the cookie to set …
    sign_in_expires: datetime | None = None  # … until then
    sign_in_done: bool = False  # the pending sign-in was answered (or is dead): its cookie goes


@dataclass(frozen=True)
class PendingSignIn:
    ref_hash: str  # SHA-256 of the cookie's reference
    protocol: str  # OIDC or CAS
    client_id: str
    client_name: str  # as the client was named when asked: "Connexion à : ENT Occitanie"
    return_to: str  # where the answer goes: the redirect URI (OIDC), the service URL (CAS)
    requested_at: datetime
    expires_at: datetime
    params: dict[str, str] = field(default_factory=dict)  # the protocol's own: state, nonce, code_challenge, scope
    login_hint: str | None = None  # pre-fills the identifier
    force_login: bool = False  # the password again, even with a live session (prompt=login)
    max_age: int | None = None  # seconds: an older proof of the password is not enough

    @property
    def return_origin(self) -> str:
        """The origin the answer is sent to: the pages that lead there must allow it as a form's destination
        (Chromium applies CSP form-action to the redirects that follow a form post)."""
        parts = urlsplit(self.return_to)
        return f"{parts.scheme}://{parts.netloc}"

    def answered_by(self, session: Session, now: datetime) -> bool:
        """Whether this session's proof of the password is recent enough for the request (prompt=login: made after
        the request; max_age: no older than that)."""
        return fresh_enough(session, now, self.max_age, self.requested_at if self.force_login else None)


def fresh_enough(session: Session, now: datetime, max_age: int | None, not_before: datetime | None) -> bool:
    """Whether the session may answer a sign-in without the password again: a single sign-on session, whose
    password was proven at or after `not_before` and at most `max_age` seconds ago."""
    if not session.single_sign_on or session.authenticated_at is None:
        return False
    if not_before is not None and session.authenticated_at < not_before:
        return False
    return max_age is None or (now - session.authenticated_at).total_seconds() <= max_age


def signs_in(account: Account | None, session: Session | None) -> bool:
    """Whether this session may stand for its account with a service: a single sign-on session of an ACTIVE account,
    made with its current credentials (a password changed or reset since ends it, as for the pages)."""
    return (
        account is not None
        and session is not None
        and session.single_sign_on
        and session.identifier == account.identifier
        and account.status is Status.ACTIVE
        and account.credential_version == session.credential_version
    )
