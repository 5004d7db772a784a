"""Login with the identifier and a password (the provisional one, or the personal one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ent_accounts import metrics
from ent_accounts.accounts import Account, Status
from ent_accounts.clock import iso
from ent_accounts.codes import Code, Purpose, hash_token, new_token
from ent_accounts.deliverability import PENDING_MESSAGE, undeliverable_view
from ent_accounts.errors import AccountPendingValidation
from ent_accounts.flows.credentials import check_password
from ent_accounts.flows.sessions import open_session
from ent_accounts.services import Services
from ent_accounts.sessions import Session


@dataclass(frozen=True)
class LoginResult:
    status: str  # "authenticated" or "first_connection_required"
    token: str  # session token, or the challenge that allows the first connection
    expires_at: datetime
    session: Session | None = None  # the session opened (none while the first connection is required)
    account: Account | None = None  # the account signed in (its role: the register its pages speak in)


def login(
    services: Services,
    identifier: str,
    password: str,
    request_id: str,
    *,
    pending_session: bool = False,
    replacing: str | None = None,
) -> LoginResult:
    """`pending_session`: a pending account gets a session limited to its validation mail (the pages use it)
    instead of the API's 403. `replacing`: the session this browser already has (see `open_session`)."""
    # A personal password proven right forgets the failures in the same request as the new session.
    account = check_password(services, identifier, password, request_id, accept_provisional=True, forget_failures=False)
    now = services.clock.now()

    if account.status is Status.PROVISIONED:
        challenge = new_token()
        expires_at = now + timedelta(minutes=services.settings.challenge_minutes)
        # Bound to the current credentials: a school reset meanwhile makes this challenge useless.
        code = Code(
            hash_token(challenge),
            Purpose.CHALLENGE,
            account.identifier,
            expires_at,
            credential_version=account.credential_version,
        )
        services.store.put_code(code)
        return LoginResult("first_connection_required", challenge, expires_at, account=account)

    if account.status is Status.PENDING_VALIDATION:
        deadline = iso(account.validation_deadline)
        if not pending_session:
            services.store.clear_login_failures(account.identifier)  # the password was right: a successful login
            # The API tells the student when the validation mail could not be delivered, so they correct it.
            if undeliverable := undeliverable_view(account):
                message = PENDING_MESSAGE.format(address=undeliverable["address"])
                raise AccountPendingValidation(
                    message, audience=account.role, validation_deadline=deadline, email_undeliverable=undeliverable
                )
            raise AccountPendingValidation(audience=account.role, validation_deadline=deadline)
        token, session = open_session(services, account, scope="pending", forget_failures=True)
        return LoginResult("pending_validation", token, session.expires_at, session)

    token, session = open_session(
        services, account, event=("login_succeeded", request_id), forget_failures=True, replacing=replacing
    )
    metrics.count(metrics.LOGINS)
    return LoginResult("authenticated", token, session.expires_at, session)
