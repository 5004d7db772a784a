"""What a use case needs from the outside world (settings, clock, store, mailer, mail queue), built once per
container.

Handlers call services(); tests and the local server replace parts with use(...).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ent_accounts.clock import Clock
from ent_accounts.local_aws_guard import refuse_real_aws_under_sam_local
from ent_accounts.mail import Mailer
from ent_accounts.mail_queue import MailQueue
from ent_accounts.settings import Settings, current_settings
from ent_accounts.store import Store


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: Store
    mailer: Mailer
    # Mail sent off the request path; built from the settings unless given (the local server and tests give theirs).
    mail_queue: MailQueue | None = None

    def __post_init__(self) -> None:
        if self.mail_queue is None:
            self.mail_queue = MailQueue(self.settings.mail_queue_url)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Services:
        clock = clock or Clock()
        store = Store(
            settings.table_name,
            clock,
            expiry_shards=settings.expiry_shards,
            audit_retention_days=settings.audit_retention_days,
        )
        mailer = Mailer(settings.mail_sender, configuration_set=settings.mail_configuration_set)
        return cls(settings=settings, clock=clock, store=store, mailer=mailer)


_current: Services | None = None


def services() -> Services:
    global _current
    if _current is None:
        refuse_real_aws_under_sam_local(os.environ)
        _current = Services.from_settings(current_settings())
    return _current


def use(replacement: Services | None) -> None:
    """Replace the services of this process (None: rebuild from the environment on next use)."""
    global _current
    _current = replacement
