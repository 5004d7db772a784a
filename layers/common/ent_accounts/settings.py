"""Typed settings, read once from the environment that template.yaml sets.

Each setting is declared once, below: its environment variable, its default and its kind. `Telemetry` is what logs
and metrics read when they are imported; `Settings` is what the use cases read. A value that cannot be used (a word
where a number belongs, a log level Powertools does not know) stops the function at start with a message naming the
variable, instead of failing later inside a request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from typing import Any, Self


class SettingsError(RuntimeError):
    """A variable of the environment is missing or holds a value the service cannot use."""


def _text(raw: str) -> str:
    return raw.strip()


def _base_url(raw: str) -> str:
    return raw.strip().rstrip("/")


def _flag(raw: str) -> bool:
    return raw.strip().lower() == "true"


def _count(raw: str) -> int:
    """A whole number of at least 1 (every count and duration of the service: none means anything at 0)."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError("a whole number is expected") from None
    if value < 1:
        raise ValueError("at least 1 is expected")
    return value


def _names(raw: str) -> tuple[str, ...]:
    """A comma-separated list (spaces around the commas ignored, empty items dropped)."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


_KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")


def _key_arn(raw: str) -> str:
    """A KMS key's ARN (not an alias: the key id is the tokens' kid), or empty."""
    value = raw.strip()
    if value and not _KMS_KEY_ARN.fullmatch(value):
        raise ValueError("a KMS key ARN is expected (arn:aws:kms:<region>:<account>:key/<key id>)")
    return value


def _key_arns(raw: str) -> tuple[str, ...]:
    return tuple(_key_arn(name) for name in _names(raw))


def _principals(raw: str) -> tuple[str, ...]:
    from ent_accounts.principals import granted_principal

    principals = []
    for arn in _names(raw):
        principal = granted_principal(arn)
        if principal is None:
            raise ValueError(f"{arn!r} is not the ARN of an IAM role or user")
        principals.append(principal)
    return tuple(principals)


def _share(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("a number between 0 and 1 is expected") from None
    if not 0 <= value <= 1:
        raise ValueError("a number between 0 and 1 is expected")
    return value


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"one of {', '.join(LOG_LEVELS)} is expected")
    return level


def variable(name: str, default: Any = MISSING, parse: Callable[[str], Any] = _text) -> Any:
    """A setting read from the environment variable `name` (a required one has no default)."""
    return field(default=default, metadata={"variable": name, "parse": parse})


class FromEnvironment:
    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """Every setting of the class from `env` (the process's environment by default), all checked at once."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        problems: list[str] = []
        for setting in fields(cls):  # type: ignore[arg-type]
            name, parse = setting.metadata["variable"], setting.metadata["parse"]
            raw = env.get(name)
            if raw is None or (setting.default is MISSING and not raw.strip()):
                if setting.default is MISSING:
                    problems.append(f"{name} is not set")
                continue
            try:
                values[setting.name] = parse(raw)
            except ValueError as error:
                problems.append(f"{name}={raw!r}: {error}")
        if problems:
            raise SettingsError("the function cannot start: " + "; ".join(problems))
        return cls(**values)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Environment variable → setting, for checking template.yaml against the code."""
        return {setting.metadata["variable"]: setting.name for setting in fields(cls)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Telemetry(FromEnvironment):
    """What the logger and the metrics read at import (Powertools' own variables, as template.yaml sets them)."""

    service_name: str = variable("POWERTOOLS_SERVICE_NAME", "ent-accounts")
    metrics_namespace: str = variable("POWERTOOLS_METRICS_NAMESPACE", "EntAccounts")
    # A dimension of every metric, so that the dev and prod stacks of one account never mix.
    stage: str = variable("STAGE", "local")
    log_level: str = variable("POWERTOOLS_LOG_LEVEL", "INFO", _log_level)
    # Share of invocations that log at DEBUG whatever the level says (None: Powertools' default, none).
    log_sample_rate: float | None = variable("POWERTOOLS_LOGGER_SAMPLE_RATE", None, _share)


@dataclass(frozen=True)
class Settings(FromEnvironment):
    table_name: str = variable("TABLE_NAME")
    mail_sender: str = variable("MAIL_SENDER", "noreply@ent.example.fr")
    # The SES configuration set every mail goes through (empty: none, locally).
    mail_configuration_set: str = variable("MAIL_CONFIGURATION_SET", "")
    # Empty means: derive the base URL of links from the request (API Gateway URL or the local server).
    public_base_url: str = variable("PUBLIC_BASE_URL", "", _base_url)
    # The API's own URL, for links built outside a request (the sweep's reminders).
    api_url: str = variable("API_URL", "", _base_url)
    # Served by the local server or `sam local` (both set AWS_SAM_LOCAL=true): links derived from the request use
    # http there; everywhere else https.
    local_server: bool = variable("AWS_SAM_LOCAL", False, _flag)
    validation_months: int = variable("VALIDATION_MONTHS", 3, _count)
    provisional_password_months: int = variable("PROVISIONAL_PASSWORD_MONTHS", 3, _count)  # as on the letters
    challenge_minutes: int = variable("CHALLENGE_MINUTES", 15, _count)
    session_idle_minutes: int = variable("SESSION_IDLE_MINUTES", 30, _count)  # NIST SP 800-63B AAL2: 30 min idle …
    session_hours: int = variable("SESSION_HOURS", 12, _count)  # … and 12 hours in all
    reset_link_minutes: int = variable("RESET_LINK_MINUTES", 60, _count)
    email_change_link_hours: int = variable("EMAIL_CHANGE_LINK_HOURS", 72, _count)
    # Each identifier has two hourly allowances of this many mails: its owner's (resend, address change) and the
    # anonymous one (forgotten password), so nobody can spend the owner's by asking for reset links.
    mails_per_hour: int = variable("MAILS_PER_HOUR", 5, _count)
    # Forgotten-password mails one address may receive per day, whichever accounts (siblings, a parent) they are for.
    reset_mails_per_address_per_day: int = variable("RESET_MAILS_PER_ADDRESS_PER_DAY", 10, _count)
    # The SQS queue of mails sent off the request path (the forgotten-password mail); empty where nothing queues.
    mail_queue_url: str = variable("MAIL_QUEUE_URL", "")
    # Pending accounts are spread over this many keys of the expiry index, so that a September rush of
    # first connections never writes to a single hot partition; the sweep queries each shard.
    expiry_shards: int = variable("EXPIRY_SHARDS", 8, _count)
    # A school's accounts and links are spread over this many keys of the school index (`<uai>#<n>`), so that an
    # import writes no index key past DynamoDB's 1,000 writes/s per partition; a school's list queries each.
    # Raising it is safe (the list queries every key below it); lowering it needs the backfill (docs/DESIGN.md).
    school_shards: int = variable("SCHOOL_SHARDS", 8, _count)
    audit_retention_days: int = variable("AUDIT_RETENTION_DAYS", 365, _count)
    # Named by the legal notice, personal data and accessibility pages (template parameters, required in prod).
    publisher_name: str = variable("PUBLISHER_NAME", "")
    publisher_contact: str = variable("PUBLISHER_CONTACT", "")
    log_retention_days: int = variable("LOG_RETENTION_DAYS", 180, _count)
    # --- OpenID Connect provider (docs/DESIGN.md, "Single sign-on") ---
    # The KMS key (ARN) that signs ID tokens, and the other keys the JWKS publishes: the next one before it signs,
    # the previous one until its tokens have expired (README, "Signing keys and their rotation"). Empty: no OIDC here.
    oidc_signing_key: str = variable("OIDC_SIGNING_KEY", "", _key_arn)
    oidc_published_keys: tuple[str, ...] = variable("OIDC_PUBLISHED_KEYS", (), _key_arns)
    oidc_code_seconds: int = variable("OIDC_CODE_SECONDS", 60, _count)  # RFC 9700: short-lived, single use
    oidc_id_token_minutes: int = variable("OIDC_ID_TOKEN_MINUTES", 5, _count)
    oidc_access_token_minutes: int = variable("OIDC_ACCESS_TOKEN_MINUTES", 5, _count)
    # How long a sign-in asked for by a service waits while the person goes through the pages (login, first
    # connection): the request is kept server-side under an opaque reference.
    sign_in_request_minutes: int = variable("SIGN_IN_REQUEST_MINUTES", 30, _count)
    # --- CAS server (cas/) ---
    # How long a service ticket may wait for its validation: the service validates it at once, in the request the
    # browser brings it (CAS 3.0 §3.1.1 recommends at most five minutes).
    cas_ticket_seconds: int = variable("CAS_TICKET_SECONDS", 10, _count)
    # --- The outbox (flows/outbox.py) ---
    # The KMS HMAC key (ARN) deriving the link codes of outbox mails from their ids; empty: a key made by this process
    # (a test or a local run in one process; two processes would not agree on the codes).
    mail_link_key: str = variable("MAIL_LINK_KEY", "", _key_arn)
    # Where the sender puts a mail that could not leave after its attempts (the failed-events queue, alarmed).
    failed_events_queue_url: str = variable("FAILED_EVENTS_QUEUE_URL", "")
    # The SQS queue of single-logout notifications (back-channel logout tokens); empty where nothing queues.
    logout_queue_url: str = variable("LOGOUT_QUEUE_URL", "")
    # --- school staff (staff/, flows/staff.py) ---
    # The KMS key (ARN, symmetric) that encrypts the staff members' TOTP secrets; empty: no staff sign-in here.
    staff_secrets_key: str = variable("STAFF_SECRETS_KEY", "", _key_arn)
    # Staff sessions are shorter than students' (30 min idle, 12 h): a staff session reaches the accounts of a whole
    # school (hundreds of children's names, birth dates, classes and the power to reset their passwords), and
    # secretaries work on shared office computers left open between two visitors. 15 minutes idle, 8 hours (a
    # working day) in all, then the password and a code again.
    staff_session_idle_minutes: int = variable("STAFF_SESSION_IDLE_MINUTES", 15, _count)
    staff_session_hours: int = variable("STAFF_SESSION_HOURS", 8, _count)
    staff_invitation_hours: int = variable("STAFF_INVITATION_HOURS", 72, _count)
    # --- IAM callers of /api/admin/ (principals.py) ---
    # IAM roles or users (ARNs, comma-separated) that hold every school whatever the table says, and so may manage
    # the grants of the others: ops' bootstrap (template parameter AdminPrincipals). Kept as grants' keys.
    admin_principals: tuple[str, ...] = variable("ADMIN_PRINCIPALS", (), _principals)


@lru_cache(maxsize=1)
def current_settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def current_telemetry() -> Telemetry:
    return Telemetry.from_env()
