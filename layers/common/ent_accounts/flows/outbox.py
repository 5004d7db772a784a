"""The outbox's sender: a mail written by a committed transaction (its outbox item, handed over by the table's
stream) is rendered, sent through SES and marked sent, at most once however often the stream hands it over.

SES refusing to send now (throttling, the daily quota, an outage) never reaches the student: their request answered
when its transaction committed. The mail stays pending and `NotYetSent` asks the stream to hand it over again after
a pause paced to the account's sending rate; after MAX_ATTEMPTS it is marked failed (the pending page tells the
student, who can ask for it again), and put in the failed-events queue, whose alarm rings.
"""

from __future__ import annotations

from datetime import datetime

from ent_accounts.deliverability import BOUNCE
from ent_accounts.errors import AddressUndeliverable, MailUnavailable
from ent_accounts.flows.mail_events import mark_undeliverable
from ent_accounts.links import Links
from ent_accounts.mail import Mail, compose, validation_mail
from ent_accounts.outbox import (
    EMAIL_CHANGE,
    EMAIL_CHANGE_NOTICE,
    MAX_ATTEMPTS,
    PASSWORD_RESET,
    VALIDATION,
    OutboxMail,
    OutboxState,
)
from ent_accounts.services import Services

MAX_PAUSE_SECONDS = 5.0  # the longest wait before a batch is handed over again (the function's timeout is 10 s)


class NotYetSent(Exception):
    """The mail did not leave this time: the stream must hand it over again after `pause` seconds."""

    def __init__(self, outbox_id: str, pause: float) -> None:
        super().__init__(f"outbox mail {outbox_id} not sent yet")
        self.outbox_id = outbox_id
        self.pause = pause


def deliver_outbox_mail(services: Services, outbox_id: str) -> str:
    """Send one outbox mail; the outcome ("sent", or why nothing was sent), or NotYetSent."""
    store = services.store
    mail = store.claim_outbox_mail(outbox_id)
    if mail is None:
        current = store.get_outbox_mail(outbox_id)
        if current is None or current.state in (OutboxState.SENT, OutboxState.FAILED):
            return "already_done"  # the stream handed it over twice, or TTL removed it long after
        raise NotYetSent(outbox_id, pause=1.0)  # another sender holds it: after its lease, it is ours
    try:
        services.mailer.send(render(services, mail))
    except AddressUndeliverable:
        # SES cannot send to this address at all: marked on the account as a bounce would be, so that the student is
        # asked for another address (the pages, and a resend to it refused) instead of waiting for this mail.
        store.finish_outbox_mail(outbox_id, OutboxState.FAILED, "undeliverable")
        mark_undeliverable(services, mail.identifier, mail.to, BOUNCE, mail.request_id)
        return "undeliverable"
    except MailUnavailable:
        if mail.attempts >= MAX_ATTEMPTS:
            store.finish_outbox_mail(outbox_id, OutboxState.FAILED, "unavailable")
            services.failed_events.send({"kind": "outbox_mail_failed", "outbox_id": outbox_id, "mail": mail.kind})
            return "failed"
        store.finish_outbox_mail(outbox_id, OutboxState.PENDING, "unavailable")
        raise NotYetSent(outbox_id, retry_pause(services, mail.attempts)) from None
    except Exception:
        # Anything else (KMS not answering for the link's code, a bug): given back, and the stream tries again; past
        # the mapping's retries its record goes to the failed-events queue.
        store.finish_outbox_mail(outbox_id, OutboxState.PENDING, "sender_error")
        raise
    store.finish_outbox_mail(outbox_id, OutboxState.SENT)
    return "sent"


def retry_pause(services: Services, attempts: int) -> float:
    """Doubling from one sending slot (1 / MaxSendRate seconds, at least a tenth of a second), at most
    MAX_PAUSE_SECONDS: a throttled burst is sent again at about the rate SES allows."""
    slot = max(0.1, 1.0 / services.mailer.max_send_rate())
    return min(MAX_PAUSE_SECONDS, slot * 2 ** (attempts - 1))


def render(services: Services, mail: OutboxMail) -> Mail:
    first_name = mail.fields.get("first_name") or None
    audience = mail.fields.get("audience") or None  # the account's role: "tu" to a student, "vous" to a parent
    if mail.kind == VALIDATION:
        link = Links(mail.base_url).email_validation(services.link_key.code(mail.outbox_id))
        deadline = datetime.fromisoformat(mail.fields["deadline"])
        return validation_mail(mail.to, link, deadline, mail.identifier, first_name, audience)
    if mail.kind == PASSWORD_RESET:
        link = Links(mail.base_url).password_reset(services.link_key.code(mail.outbox_id))
        expires_at = datetime.fromisoformat(mail.fields["expires_at"])
        first_name = mail.fields.get("first_name") or None
        return compose(
            "password_reset",
            mail.to,
            identifier=mail.identifier,
            first_name=first_name,
            audience=audience,
            link=link,
            expires_at=expires_at,
        )
    if mail.kind == EMAIL_CHANGE:
        link = Links(mail.base_url).email_validation(services.link_key.code(mail.outbox_id))
        context = {
            "first_name": first_name,
            "audience": audience,
            "link": link,
            "expires_at": datetime.fromisoformat(mail.fields["expires_at"]),
        }
        return compose("email_change", mail.to, identifier=mail.identifier, **context)
    if mail.kind == EMAIL_CHANGE_NOTICE:
        return compose(
            "email_change_notice", mail.to, identifier=mail.identifier, first_name=first_name, audience=audience
        )
    raise ValueError(f"unknown kind of outbox mail: {mail.kind!r}")


def validation_mail_state(services: Services, validation_mail_id: str | None) -> str | None:
    """What the pending page says of the latest validation mail: "retrying" (SES refused it so far, it will be sent
    again by itself), "failed" (it could not leave: ask for it again), or None (sent, or on its way)."""
    if not validation_mail_id:
        return None
    mail = services.store.get_outbox_mail(validation_mail_id)
    if mail is None or mail.state is OutboxState.SENT:
        return None
    if mail.state is OutboxState.FAILED:
        return "failed"
    return "retrying" if mail.last_error else None
