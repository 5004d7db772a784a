"""First connection: personal password, birth date, and optionally a personal e-mail to validate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from ent_accounts import metrics
from ent_accounts.accounts import Account, Status, validation_deadline
from ent_accounts.codes import Code, Purpose, hash_token, looks_like_token
from ent_accounts.deliverability import refuse_if_known_undeliverable
from ent_accounts.errors import AlreadyCompleted, DomainError, InvalidChallenge, InvalidRequest, ServiceBusy
from ent_accounts.flows.credentials import check_password
from ent_accounts.flows.validation_mail import new_validation_code, send_validation_mail
from ent_accounts.passwords import hash_password, policy_error, provisional_matches
from ent_accounts.services import Services
from ent_accounts.store import Conflict

BIRTH_DATE_MISMATCH = "La date de naissance ne correspond pas à celle connue de ton établissement."


@dataclass(frozen=True)
class FirstConnectionResult:
    status: Status
    validation_deadline: datetime | None
    account: Account


def challenge_and_account(services: Services, challenge_token: str) -> tuple[Code, Account]:
    """The challenge (unexpired) and its account, whatever the account's state; or InvalidChallenge."""
    store = services.store
    challenge = store.get_code(hash_token(challenge_token)) if looks_like_token(challenge_token) else None
    if challenge is None or challenge.purpose is not Purpose.CHALLENGE:
        raise InvalidChallenge()
    account = store.get_account(challenge.identifier)
    if account is None:
        raise InvalidChallenge()
    return challenge, account


def challenged_account(services: Services, challenge_token: str) -> tuple[Code, Account]:
    """The challenge and the account still waiting for its first connection, or InvalidChallenge/AlreadyCompleted."""
    challenge, account = challenge_and_account(services, challenge_token)
    if account.status is not Status.PROVISIONED:
        raise AlreadyCompleted()
    _check_still_valid(challenge, account)
    return challenge, account


def _check_still_valid(challenge: Code, account: Account) -> None:
    if challenge.used or challenge.credential_version != account.credential_version:
        raise InvalidChallenge()  # used, or the school reset the password since


def complete_first_connection(
    services: Services,
    challenge_token: str,
    new_password: str,
    birth_date: date,
    email: str | None,
    base_url: str,
    request_id: str,
) -> FirstConnectionResult:
    store = services.store
    challenge, account = challenge_and_account(services, challenge_token)
    if account.status is not Status.PROVISIONED:
        return same_submission_again(services, account.identifier, new_password, email, request_id)
    _check_still_valid(challenge, account)

    fields = {}
    if account.provisional_password_hash and provisional_matches(account.provisional_password_hash, new_password):
        fields["new_password"] = "Choisis un mot de passe différent de ton mot de passe provisoire."  # noqa: S105
    elif reason := policy_error(new_password, account.identifier, context=(account.first_name, account.last_name)):
        fields["new_password"] = reason
    if account.birth_date and account.birth_date != birth_date:
        fields["birth_date"] = BIRTH_DATE_MISMATCH
    if fields:
        raise InvalidRequest("Certains champs sont à corriger.", fields=fields)
    refuse_if_known_undeliverable(account, email, "email")

    now = services.clock.now()
    account.password_hash = hash_password(new_password)
    account.provisional_password_hash = None
    account.provisional_expires_at = None
    account.birth_date = birth_date
    tx = store.transaction().use_code(challenge.code_hash)
    code = None  # the validation link's code, when there is an address

    if email:
        account.status = Status.PENDING_VALIDATION
        account.email, account.email_verified = email, False
        account.forget_stale_undeliverable()
        account.validation_deadline = validation_deadline(now, services.settings.validation_months)
        token, code = new_validation_code(account, email)
        account.validation_code_hashes = {code.code_hash}
        tx.put_code(code)
        # Mail first, then commit: if SES refuses, nothing is stored and the same challenge can try again
        # (with another address when SES refused this one).
        send_validation_mail(services, account, token, base_url)
    else:
        account.status = Status.ACTIVE

    tx.save_account(account).audit(account.identifier, "first_connection", request_id, status=account.status.value)
    try:
        tx.commit(retries=2)  # cancelled only by a write in flight (e.g. a failed login counted): sent again
    except Conflict as conflict:
        if "ConditionalCheckFailed" not in conflict.reasons:
            raise ServiceBusy() from None  # nothing was written: the same form can be sent again
        current = store.get_account(account.identifier)
        if current is None or current.status is Status.PROVISIONED:
            raise InvalidChallenge() from None  # the school reset the password meanwhile: log in again
        # Most often a double click: the other submission of this form won, and this one's mail is already sent.
        return same_submission_again(services, account.identifier, new_password, email, request_id, code)
    metrics.count(metrics.FIRST_CONNECTIONS)
    return FirstConnectionResult(account.status, account.validation_deadline, account)


def same_submission_again(
    services: Services,
    identifier: str,
    new_password: str,
    email: str | None,
    request_id: str,
    mailed_code: Code | None = None,
) -> FirstConnectionResult:
    """A first connection submitted again once done (a double click, a browser retry): the same password and address
    get the same answer as the first submission, not an error. The password is checked as a login checks it (lock-out,
    failures counted), so this is no way to guess it. When this submission's mail already went out, its link is made
    to work as well. Anything else is AlreadyCompleted, as before."""
    try:
        account = check_password(services, identifier, new_password, request_id)
    except DomainError:
        raise AlreadyCompleted() from None
    if account.email != email or account.status is Status.PROVISIONED:
        raise AlreadyCompleted()
    if mailed_code is not None and account.status is Status.PENDING_VALIDATION:
        account.validation_code_hashes.add(mailed_code.code_hash)
        code = replace(mailed_code, expires_at=account.validation_deadline)  # the account's deadline, to the second
        try:
            services.store.transaction().put_code(code).save_account(account).commit()
        except Conflict:
            raise AlreadyCompleted() from None
    return FirstConnectionResult(account.status, account.validation_deadline, account)
