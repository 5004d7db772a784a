"""The outbox's sender: a mail written by a committed transaction (its outbox item, handed over by the table's
stream) is rendered, sent through SES and marked sent, at most once however often the stream hands it over.

SES refusing to send now (throttling, the daily quota, an outage) never reaches the student: their request answered
when its transaction committed. The mail stays pending and `NotYetSent` asks the stream to hand it over again after
a pause paced to the account's sending rate; the sender failing otherwise (KMS not answering for the link's code, a
bug) gives it back too. Either way, after MAX_ATTEMPTS it is marked failed (the pending page tells the student, who
can ask for it again), and put in the failed-events queue, whose alarm rings.

A mail the stream no longer hands over (its retries ran out while a dead sender's lease held it, or it never came) is
found by the outbox sweep (`sweep_outbox`, every 5 minutes) and delivered the same way: the claim is conditional, so
the sweep and the stream racing send it at most once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from ent_accounts.deliverability import BOUNCE
from ent_accounts.errors import AddressUndeliverable, MailUnavailable
from ent_accounts.flows.mail_events import mark_undeliverable
from ent_accounts.links import Links
from ent_accounts.mail import Mail, compose, validation_mail
from ent_accounts.observability import logger
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
            return _failed(services, mail, "unavailable")
        store.finish_outbox_mail(outbox_id, OutboxState.PENDING, "unavailable")
        raise NotYetSent(outbox_id, retry_pause(services, mail.attempts)) from None
    except Exception:
        # Anything else (KMS not answering for the link's code, a bug): given back, and the stream (or the sweep)
        # tries again; the claim counted the attempt, and the last one marks it failed as an SES refusal does.
        if mail.attempts >= MAX_ATTEMPTS:
            logger.exception("outbox mail not sent", extra={"attempts": mail.attempts})
            return _failed(services, mail, "sender_error")
        store.finish_outbox_mail(outbox_id, OutboxState.PENDING, "sender_error")
        raise
    store.finish_outbox_mail(outbox_id, OutboxState.SENT)
    return "sent"


def _failed(services: Services, mail: OutboxMail, error: str) -> str:
    """The mail's last attempt did not send it: failed (the pending page says so), and the failed-events queue told."""
    services.store.finish_outbox_mail(mail.outbox_id, OutboxState.FAILED, error)
    message = {"kind": "outbox_mail_failed", "outbox_id": mail.outbox_id, "mail": mail.kind, "error": error}
    services.failed_events.send(message)
    return "failed"


@dataclass
class OutboxSweepSummary:
    due_found: int = 0  # unsent mails whose sweep time had come (a few may have been sent a moment before)
    sent: int = 0
    already_done: int = 0  # sent or failed meanwhile (by the stream, or another run)
    failed: int = 0  # their last attempt: failed, the failed-events queue told
    undeliverable: int = 0
    not_yet_sent: int = 0  # SES refused, or a live sender holds it: the next run looks again
    errors: int = 0  # the sender failed (given back, counted toward MAX_ATTEMPTS)
    left: int = 0  # not tried: the run's time was up (the next run finds them)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sweep_outbox(services: Services, out_of_time: Callable[[], bool] = lambda: False) -> OutboxSweepSummary:
    """Deliver the mails stranded in the outbox: pending SWEEP_AFTER_SECONDS after their creation or their latest
    attempt, or claimed by a sender that died (its lease ran out). Read from the sparse index's outbox keys (no
    Scan); each goes through `deliver_outbox_mail`, whose conditional claim keeps a mail the stream hands over at the
    same moment from leaving twice. No pause here (NotYetSent): the next run comes in 5 minutes. `out_of_time`: the
    run stops before the function's timeout, leaving the rest to the next run."""
    summary = OutboxSweepSummary()
    for outbox_id in services.store.due_outbox_ids(services.clock.now()):
        summary.due_found += 1
        if out_of_time():
            summary.left += 1
            continue
        logger.set_correlation_id(outbox_id)
        try:
            outcome = deliver_outbox_mail(services, outbox_id)
        except NotYetSent:
            summary.not_yet_sent += 1
            continue
        except Exception:
            logger.exception("outbox mail not sent by the sweep")
            summary.errors += 1
            continue
        finally:
            logger.set_correlation_id(None)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


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
