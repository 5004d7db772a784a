"""Request and response bodies of the JSON API (they also make the OpenAPI document)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from ent_accounts.accounts import IDENTIFIER_MAX


def parse_birth_date(value: str) -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_format", "La date doit être au format AAAA-MM-JJ.") from None
    if not date(1900, 1, 1) <= parsed <= date.today():
        raise PydanticCustomError("date_range", "Cette date de naissance n'est pas plausible.")
    return parsed


def normalize_email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise PydanticCustomError("email_format", "Cette adresse mail n'est pas valide.") from None


def blank_is_none(value):
    return None if isinstance(value, str) and not value.strip() else value


IsoDate = Annotated[
    str,
    Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2011-05-14"], json_schema_extra={"format": "date"}),
    AfterValidator(parse_birth_date),
]
Email = Annotated[str, Field(max_length=254, examples=["prenom.nom@laposte.net"]), AfterValidator(normalize_email)]
OptionalEmail = Annotated[Email | None, BeforeValidator(blank_is_none)]
Identifier = Annotated[str, Field(min_length=1, max_length=IDENTIFIER_MAX, examples=["jdupont12"])]
# Bounded so that nobody makes the service hash megabytes; the policy is checked separately.
Password = Annotated[str, Field(min_length=1, max_length=256)]
Token = Annotated[str, Field(min_length=1, max_length=128)]
Instant = Annotated[str, Field(examples=["2027-02-28T14:37:00Z"])]


class LoginRequest(BaseModel):
    identifier: Identifier
    password: Password


class LoginResponse(BaseModel):
    status: Literal["authenticated", "first_connection_required"]
    session_token: str | None = None
    challenge_token: str | None = None
    expires_at: Instant


class FirstConnectionRequest(BaseModel):
    challenge_token: Token
    new_password: Password
    birth_date: IsoDate
    email: OptionalEmail = None


class FirstConnectionResponse(BaseModel):
    status: Literal["pending_validation", "active"]
    validation_deadline: Instant | None = None
    recovery_email: bool


class ResendValidationMailRequest(BaseModel):
    identifier: Identifier
    password: Password
    email: OptionalEmail = None


class SentResponse(BaseModel):
    status: Literal["sent"]


class ValidateEmailRequest(BaseModel):
    code: Token


class ValidateEmailResponse(BaseModel):
    status: Literal["validated", "already_validated"]
    purpose: Literal["account_activation", "email_change"]


class UndeliverableEmail(BaseModel):
    """SES reported that mail to this address of the account does not arrive: ask the student for another one."""

    address: str
    reason: Literal["bounce", "complaint"]
    message: str


class AccountResponse(BaseModel):
    identifier: str
    role: Literal["eleve", "parent"]
    first_name: str
    last_name: str
    status: Literal["PROVISIONED", "PENDING_VALIDATION", "ACTIVE"]
    email: str | None
    email_verified: bool
    pending_email: str | None
    validation_deadline: Instant | None
    email_undeliverable: UndeliverableEmail | None = None


class EmailChangeRequest(BaseModel):
    current_password: Password
    new_email: Email
    new_email_confirmation: Email  # normalised alike, then compared as addresses (flows.account_settings)


class ConfirmationSentResponse(BaseModel):
    status: Literal["confirmation_sent"]


class PasswordChangeRequest(BaseModel):
    current_password: Password
    new_password: Password


class PasswordChangedResponse(BaseModel):
    status: Literal["password_changed"]
    session_token: str | None = None
    expires_at: Instant | None = None


class ForgotPasswordRequest(BaseModel):
    identifier: Identifier


def stripped(value):
    return value.strip() if isinstance(value, str) else value


class ForgotIdentifierRequest(BaseModel):
    email: Annotated[Email, BeforeValidator(stripped)]  # as typed, spaces around it forgiven


class AcceptedResponse(BaseModel):
    status: Literal["accepted"]
    message: str


class ResetPasswordRequest(BaseModel):
    code: Token
    new_password: Password


class ErrorResponse(BaseModel):
    error: str
    message: str
    fields: dict[str, str] | None = None
    validation_deadline: Instant | None = None
    email_undeliverable: UndeliverableEmail | None = None  # with 403 account_pending_validation


def documented(status: int, description: str, model: type[BaseModel], *errors: int) -> dict[int, dict]:
    """OpenAPI `responses` of a route: its success answer and the error statuses it can give."""
    success = {"description": description, "content": {"application/json": {"model": model}}}
    return {status: success, **error_responses(*errors)}


def error_responses(*statuses: int) -> dict[int, dict]:
    """OpenAPI entries for the error statuses a route can answer."""
    content = {"application/json": {"model": ErrorResponse}}
    return {status: {"description": "Erreur", "content": content} for status in statuses}
