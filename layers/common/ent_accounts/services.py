"""What a use case needs from the outside world (settings, clock, store, mailer, mail and logout queues, token
signer), built once
per container.

`Services.from_settings` is the one place that wires them: the handlers (services()), the local server, the
benchmarks and the tests all build theirs with it, giving only what differs (their clients, clock or queue).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ent_accounts.clock import Clock
from ent_accounts.local_aws_guard import refuse_real_aws_under_sam_local
from ent_accounts.mail import Mailer
from ent_accounts.mail_queue import FailedEvents, MailQueue
from ent_accounts.oidc.signing import TokenSigner
from ent_accounts.outbox import MailLinkKey
from ent_accounts.settings import Settings, current_settings
from ent_accounts.sso.logout_notifications import LogoutQueue
from ent_accounts.staff.secrets import StaffSecrets
from ent_accounts.store import Store


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: Store
    mailer: Mailer
    mail_queue: MailQueue  # mail sent off the request path (the local server gives its in-memory queue)
    signer: TokenSigner  # ID and logout tokens, signed by the KMS key of OIDC_SIGNING_KEY
    logout_queue: LogoutQueue  # the clients to tell that a session ended (single logout), off the request path
    link_key: MailLinkKey  # the link codes of outbox mails (outbox.py), from the KMS key of MAIL_LINK_KEY
    failed_events: FailedEvents  # where the outbox's sender puts a mail that could not leave
    staff_secrets: StaffSecrets  # the staff members' TOTP secrets, sealed by the KMS key of STAFF_SECRETS_KEY

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        *,
        dynamodb: Any = None,
        ses: Any = None,
        sqs: Any = None,
        mail_queue: Any = None,
        kms: Any = None,
        logout_queue: Any = None,
    ) -> Services:
        """Every setting passed the same way wherever the services are built; a client left out is made by boto3
        on first use (the functions' own clients, with the service's retry and timeout settings)."""
        clock = clock or Clock()
        store = Store(
            settings.table_name,
            clock,
            client=dynamodb,
            expiry_shards=settings.expiry_shards,
            school_shards=settings.school_shards,
            audit_retention_days=settings.audit_retention_days,
        )
        mailer = Mailer(settings.mail_sender, client=ses, configuration_set=settings.mail_configuration_set)
        if mail_queue is None:
            mail_queue = MailQueue(settings.mail_queue_url, client=sqs)
        if logout_queue is None:
            logout_queue = LogoutQueue(settings.logout_queue_url, client=sqs)
        signer = TokenSigner(settings.oidc_signing_key, settings.oidc_published_keys, client=kms)
        link_key = MailLinkKey(settings.mail_link_key, client=kms)
        failed_events = FailedEvents(settings.failed_events_queue_url, client=sqs)
        staff_secrets = StaffSecrets(settings.staff_secrets_key, client=kms)
        return cls(
            link_key=link_key,
            failed_events=failed_events,
            settings=settings,
            clock=clock,
            store=store,
            mailer=mailer,
            mail_queue=mail_queue,
            logout_queue=logout_queue,
            signer=signer,
            staff_secrets=staff_secrets,
        )


_current: Services | None = None


def services() -> Services:
    global _current
    if _current is None:
        _current = Services.from_settings(current_settings())
    return _current


def use(replacement: Services | None) -> None:
    """Replace the services of this process (None: rebuild from the environment on next use)."""
    global _current
    _current = replacement


# Read when a handler is imported, i.e. when the function starts: a missing or unusable variable stops the start
# with a message naming it, instead of failing a request later; and a sam local container without its local
# endpoints stops before any client exists.
refuse_real_aws_under_sam_local(os.environ)
current_settings()
