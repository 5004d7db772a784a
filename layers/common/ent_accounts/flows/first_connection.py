"""First connection: personal password, birth date, and optionally a personal e-mail to validate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ent_accounts import metrics
from ent_accounts.accounts import Account, Status, same_address, validation_deadline
from ent_accounts.codes import Code, Purpose, hash_token, looks_like_token
from ent_accounts.deliverability import refuse_if_known_undeliverable
from ent_accounts.errors import (
    AlreadyCompleted,
    DomainError,
    InvalidChallenge,
    InvalidRequest,
    ServiceBusy,
    TooManyRequests,
)
from ent_accounts.flows.account_settings import queue_email_change
from ent_accounts.flows.credentials import check_password, claim_check, record_failure, refuse
from ent_accounts.flows.validation_mail import queue_validation_mail
from ent_accounts.links import Links
from ent_accounts.lockout import Throttle
from ent_accounts.passwords import hash_password, policy_error, provisional_matches
from ent_accounts.services import Services
from ent_accounts.store import Conflict
from ent_accounts.wording import Message, Say

# Said to the account's holder, known from the challenge (wording.py: the web layer words them for the role).
BIRTH_DATE_MISMATCH = Say(
    "La date de naissance ne correspond pas à celle connue de ton établissement.",
    "La date de naissance ne correspond pas à celle connue de l'établissement.",
    "La date de naissance ne correspond pas à celle connue de l'établissement.",
)
MAX_BIRTH_DATE_TRIES = 3  # a challenge dies after this many wrong birth dates: log in again
TOO_MANY_BIRTH_DATES = Say(
    "Trop d'essais de date de naissance : reconnecte-toi avec ton mot de passe provisoire. "
    "Si la date connue de ton établissement est fausse, demande-lui de la corriger.",
    "Trop d'essais de date de naissance : reconnectez-vous avec votre mot de passe provisoire. "
    "Si la date connue de l'établissement est fausse, demandez-lui de la corriger.",
    "Trop d'essais de date de naissance : il faut se connecter de nouveau avec le mot de passe provisoire. "
    "Si la date connue de l'établissement est fausse, l'établissement peut la corriger.",
)
SAME_AS_PROVISIONAL = Say(
    "Choisis un mot de passe différent de ton mot de passe provisoire.",
    "Choisissez un mot de passe différent de votre mot de passe provisoire.",
    "Le nouveau mot de passe doit être différent du mot de passe provisoire.",
)


@dataclass(frozen=True)
class FirstConnectionResult:
    status: Status
    validation_deadline: datetime | None
    account: Account


def challenge_and_account(services: Services, challenge_token: str) -> tuple[Code, Account]:
    """The challenge (unexpired) and its account, whatever the account's state; or InvalidChallenge."""
    challenge = _challenge(services, challenge_token)
    account = services.store.get_account(challenge.identifier)
    if account is None:
        raise InvalidChallenge()
    return challenge, account


def _challenge(services: Services, challenge_token: str) -> Code:
    store = services.store
    challenge = store.get_code(hash_token(challenge_token)) if looks_like_token(challenge_token) else None
    if challenge is None or challenge.purpose is not Purpose.CHALLENGE:
        raise InvalidChallenge()
    return challenge


def challenged_account(services: Services, challenge_token: str) -> tuple[Code, Account]:
    """The challenge and the account still waiting for its first connection, or InvalidChallenge/AlreadyCompleted."""
    challenge, account = challenge_and_account(services, challenge_token)
    if account.status is not Status.PROVISIONED:
        raise AlreadyCompleted()
    _check_still_valid(challenge, account)
    return challenge, account


def cancel_first_connection(services: Services, challenge_token: str) -> None:
    """The person leaves the form: the challenge is deleted (nothing else changes), so the browser, maybe a shared
    one, cannot go on without the provisional password. A first connection completing at that instant loses its
    conditional use of the challenge and is refused as expired; an unknown token deletes nothing."""
    if looks_like_token(challenge_token):
        services.store.transaction().delete_code(hash_token(challenge_token)).commit(retries=2)


def _check_still_valid(challenge: Code, account: Account) -> None:
    if challenge.used or challenge.credential_version != account.credential_version:
        raise InvalidChallenge()  # used, or the school reset the password since


def complete_first_connection(
    services: Services,
    challenge_token: str,
    new_password: str,
    birth_date: date,
    email: str | None,
    links: Links,
    request_id: str,
) -> FirstConnectionResult:
    store = services.store
    challenge = _challenge(services, challenge_token)
    account, throttle = store.account_and_throttle(challenge.identifier)
    if account is None:
        raise InvalidChallenge()
    if account.status is not Status.PROVISIONED:
        return same_submission_again(services, account.identifier, new_password, email, request_id)
    _check_still_valid(challenge, account)

    fields = {}
    if account.provisional_password_hash and provisional_matches(account.provisional_password_hash, new_password):
        fields["new_password"] = SAME_AS_PROVISIONAL
    elif reason := policy_error(new_password, account.identifier, context=(account.first_name, account.last_name)):
        fields["new_password"] = reason
    claim = _check_birth_date(services, challenge, account, throttle, birth_date, request_id, fields)
    try:
        if fields:
            raise InvalidRequest("Certains champs sont à corriger.", fields=fields, audience=account.role)
        result = _complete(services, challenge, account, new_password, birth_date, email, links, request_id)
    except BaseException:
        if claim is not None and "birth_date" not in fields:
            store.release_password_check(account.identifier, claim)  # the birth date was right: no failure
        raise
    metrics.count(metrics.FIRST_CONNECTIONS)
    return result


def _check_birth_date(
    services: Services,
    challenge: Code,
    account: Account,
    throttle: Throttle,
    birth_date: date,
    request_id: str,
    fields: dict[str, Message],
) -> Throttle | None:
    """Compare the birth date, which the school knows and a found letter does not tell: a wrong one counts as a
    failed login of the identifier (lock-out) and as one of the challenge's MAX_BIRTH_DATE_TRIES. The lock-out
    counter is claimed before the comparison (`claim_check`), so requests at once get no more dates compared than the
    lock-out allows; the claim is returned for the caller to take back or forget once the date proved right (None:
    nothing to compare)."""
    if not account.birth_date:
        return None
    if challenge.wrong_attempts >= MAX_BIRTH_DATE_TRIES:
        raise InvalidChallenge(TOO_MANY_BIRTH_DATES, audience=account.role)
    claim = claim_check(services, account.identifier, throttle)
    if account.birth_date == birth_date:
        return claim
    services.store.count_wrong_attempt(challenge.code_hash)
    record_failure(services, account.identifier, account, claim, request_id, event="first_connection_wrong_birth_date")
    if claim.locked_until:
        refuse(services, claim)
    fields["birth_date"] = BIRTH_DATE_MISMATCH
    return claim


def _complete(
    services: Services,
    challenge: Code,
    account: Account,
    new_password: str,
    birth_date: date,
    email: str | None,
    links: Links,
    request_id: str,
) -> FirstConnectionResult:
    store = services.store
    refuse_if_known_undeliverable(account, email, "email")
    now = services.clock.now()
    account.password_hash = hash_password(new_password)
    account.provisional_password_hash = None
    account.provisional_expires_at = None
    account.birth_date = birth_date
    # The first connection signs in: the failures of this identifier are forgotten with it.
    tx = store.transaction().use_code(challenge.code_hash).clear_login_failures(account.identifier)
    kept = account.email_verified and account.email and (not email or same_address(email, account.email))

    if email and not kept:
        if not store.take_mail_allowance(account.identifier, services.settings.mails_per_hour):
            raise TooManyRequests()
        if account.email_verified:
            # A school reset kept the validated address: the new one is an address change, confirmed by its link
            # (and the validated address hears of it), and the account stays active (it never goes back to the
            # 3-month deadline). Both mails go to the outbox in this transaction.
            account.status = Status.ACTIVE
            queue_email_change(services, tx, account, email, links, request_id, "email")
        else:
            # The validation mail goes to the outbox in this transaction: it leaves once, and only if, it commits.
            account.status = Status.PENDING_VALIDATION
            account.email, account.email_verified = email, False
            account.forget_stale_undeliverable()
            account.validation_deadline = validation_deadline(now, services.settings.validation_months)
            account.validation_code_hashes = set()
            queue_validation_mail(services, tx, account, links, request_id)
    else:
        account.status = Status.ACTIVE  # without an address, or with the validated one the school reset kept

    tx.save_account(account).audit(account.identifier, "first_connection", request_id, status=account.status.value)
    try:
        tx.commit(retries=2)  # cancelled only by a write in flight (e.g. a failed login counted): sent again
    except Conflict as conflict:
        if not conflict.changed:
            raise ServiceBusy() from None  # nothing was written: the same form can be sent again
        current = store.get_account(account.identifier)
        if current is None or current.status is Status.PROVISIONED:
            raise InvalidChallenge() from None  # the school reset the password meanwhile: log in again
        # Most often a double click: the other submission of this form won; this one wrote nothing, so its mail
        # never existed, and the winner's is on its way. Both submissions get the pending page.
        return same_submission_again(services, account.identifier, new_password, email, request_id)
    return FirstConnectionResult(account.status, account.validation_deadline, account)


def same_submission_again(
    services: Services, identifier: str, new_password: str, email: str | None, request_id: str
) -> FirstConnectionResult:
    """A first connection submitted again once done (a double click, a browser retry): the same password and address
    get the same answer as the first submission, not an error. The password is checked as a login checks it (lock-out,
    failures counted), so this is no way to guess it. Anything else is AlreadyCompleted, as before."""
    try:
        account = check_password(services, identifier, new_password, request_id)
    except DomainError:
        raise AlreadyCompleted() from None
    if account.email != email or account.status is Status.PROVISIONED:
        raise AlreadyCompleted()
    return FirstConnectionResult(account.status, account.validation_deadline, account)
