"""Typed settings, read once from the environment that template.yaml sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    table_name: str
    mail_sender: str
    mail_configuration_set: str = ""  # the SES configuration set every mail goes through (empty: none, locally)
    # Empty means: derive the base URL of links from the request (API Gateway URL or the local server).
    public_base_url: str = ""
    api_url: str = ""  # the API's own URL, for links built outside a request (the sweep's reminders)
    # Served by the local server or `sam local` (both set AWS_SAM_LOCAL=true): links derived from the request use
    # http there; everywhere else https.
    local_server: bool = False
    validation_months: int = 3
    provisional_password_months: int = 3  # as on the national system's letters
    challenge_minutes: int = 15
    session_idle_minutes: int = 30  # NIST SP 800-63B AAL2: 30 minutes idle …
    session_hours: int = 12  # … and 12 hours in all
    reset_link_minutes: int = 60
    email_change_link_hours: int = 72
    # Each identifier has two hourly allowances of this many mails: its owner's (resend, address change) and the
    # anonymous one (forgotten password), so nobody can spend the owner's by asking for reset links.
    mails_per_hour: int = 5
    # Forgotten-password mails one address may receive per day, whichever accounts (siblings, a parent) they are for.
    reset_mails_per_address_per_day: int = 10
    # The SQS queue of mails sent off the request path (the forgotten-password mail); empty where nothing queues.
    mail_queue_url: str = ""
    # Pending accounts are spread over this many keys of the expiry index, so that a September rush of
    # first connections never writes to a single hot partition; the sweep queries each shard.
    expiry_shards: int = 8
    audit_retention_days: int = 365

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        table_name = env.get("TABLE_NAME", "").strip()
        if not table_name:
            raise RuntimeError("TABLE_NAME is not set: the function cannot reach its table")
        return cls(
            table_name=table_name,
            mail_sender=env.get("MAIL_SENDER", "noreply@ent.example.fr"),
            mail_configuration_set=env.get("MAIL_CONFIGURATION_SET", "").strip(),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            api_url=env.get("API_URL", "").rstrip("/"),
            local_server=env.get("AWS_SAM_LOCAL", "").strip().lower() == "true",
            validation_months=int(env.get("VALIDATION_MONTHS", "3")),
            provisional_password_months=int(env.get("PROVISIONAL_PASSWORD_MONTHS", "3")),
            challenge_minutes=int(env.get("CHALLENGE_MINUTES", "15")),
            session_idle_minutes=int(env.get("SESSION_IDLE_MINUTES", "30")),
            session_hours=int(env.get("SESSION_HOURS", "12")),
            reset_link_minutes=int(env.get("RESET_LINK_MINUTES", "60")),
            email_change_link_hours=int(env.get("EMAIL_CHANGE_LINK_HOURS", "72")),
            mails_per_hour=int(env.get("MAILS_PER_HOUR", "5")),
            reset_mails_per_address_per_day=int(env.get("RESET_MAILS_PER_ADDRESS_PER_DAY", "10")),
            mail_queue_url=env.get("MAIL_QUEUE_URL", "").strip(),
            expiry_shards=int(env.get("EXPIRY_SHARDS", "8")),
            audit_retention_days=int(env.get("AUDIT_RETENTION_DAYS", "365")),
        )


@lru_cache(maxsize=1)
def current_settings() -> Settings:
    return Settings.from_env()
