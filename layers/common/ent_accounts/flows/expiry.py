"""The scheduled sweep: reminders a month and a week before the deadline, then deletion of pending accounts whose
3 months have passed (DynamoDB's TTL is only a backstop)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ent_accounts import metrics
from ent_accounts.accounts import REMINDER_STAGES, DueAccount, due_reminder
from ent_accounts.deliverability import can_receive
from ent_accounts.flows.school import remove_with_family
from ent_accounts.flows.validation_mail import new_validation_code
from ent_accounts.links import Links
from ent_accounts.mail import compose
from ent_accounts.observability import logger
from ent_accounts.services import Services
from ent_accounts.store import Conflict


@dataclass
class SweepSummary:
    due_found: int = 0
    deleted: int = 0
    reminders_sent: int = 0
    reminders_failed: int = 0  # SES refused: the reminder is released, the next run tries again
    reminders_undeliverable: int = 0  # not mailed: SES reported that the address bounces (the student is told)
    skipped: int = 0  # validated or handled by a concurrent run between the index read and the write

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sweep_expired_accounts(services: Services, request_id: str, links: Links) -> SweepSummary:
    """Safe to run twice or concurrently: every write is conditional on the account still being as read."""
    store, now = services.store, services.clock.now()
    summary = SweepSummary()
    expired: list[DueAccount] = []  # deleted together, as many as one transaction holds

    def delete_expired() -> None:
        deleted = {due.identifier for due in store.delete_expired_accounts(expired, now, request_id)}
        # Left out: changed meanwhile (validated, deleted by another run), or linked (deleted with its links).
        deleted |= {
            due.identifier
            for due in expired
            if due.identifier not in deleted and _delete_linked(services, due, request_id)
        }
        summary.deleted += len(deleted)
        summary.skipped += len(expired) - len(deleted)
        expired.clear()

    for due in store.due_pending_accounts(now):
        summary.due_found += 1
        if due.expires_at > now:
            _remind(services, due, links, request_id, summary)
            continue
        if expired and not store.can_delete_together([*expired, due]):
            delete_expired()
        expired.append(due)
    if expired:
        delete_expired()
    # Emitted at every run, zeros included: the alarm on unusual deletions and the dashboard read them.
    metrics.count(metrics.ACCOUNTS_EXPIRED, summary.deleted)
    metrics.count(metrics.REMINDERS_SENT, summary.reminders_sent)
    return summary


def _delete_linked(services: Services, due: DueAccount, request_id: str) -> bool:
    """A linked account's conditional delete (as `delete_expired_accounts`), its links, and each parent it leaves
    with no child, in one transaction; False when the account has no links or changed meanwhile (validated, deleted
    by another run): one more read for an account the sweep could not delete with the others."""
    store, now = services.store, services.clock.now()
    for _ in range(3):
        account = store.expired_account(due.identifier)  # reads treat it as gone: it is past its deadline
        if account is None or not account.linked:
            return False
        tx = store.transaction()
        remove_with_family(services, tx, account, request_id)
        store.queue_expired_deletion(tx, due, now, request_id)
        try:
            tx.commit()
            return True
        except Conflict as conflict:
            if due.identifier in conflict.changed:
                return False
    return False


def _remind(services: Services, due: DueAccount, links: Links, request_id: str, summary: SweepSummary) -> None:
    """Claim the reminder (conditional write) before mailing it, so it is sent at most once."""
    store, now = services.store, services.clock.now()
    account = store.get_account(due.identifier)
    stage = due_reminder(account, now) if account else None
    if stage is None:
        summary.skipped += 1
        return
    if not can_receive(account, account.email):
        # Another mail to an address that bounced would only hurt the sender's reputation. The stage is claimed all
        # the same, so the account is not read again before its next reminder or its deletion.
        account.reminder_stage = stage
        tx = store.transaction().save_account(account)
        try:
            tx.audit(account.identifier, "reminder_not_sent", request_id, before=REMINDER_STAGES[stage]).commit()
        except Conflict:
            summary.skipped += 1
            return
        summary.reminders_undeliverable += 1
        return
    token, code = new_validation_code(account, account.email)
    account.validation_code_hashes.add(code.code_hash)
    previous_stage, account.reminder_stage = account.reminder_stage, stage
    tx = store.transaction().put_code(code).save_account(account)
    try:
        tx.audit(account.identifier, "reminder_sent", request_id, before=REMINDER_STAGES[stage]).commit()
    except Conflict:
        summary.skipped += 1
        return
    link = links.email_validation(token)
    mail = compose(
        "reminder",
        account.email,
        identifier=account.identifier,
        first_name=account.first_name,
        audience=account.role,
        link=link,
        deadline=account.validation_deadline,
    )
    if services.mailer.send_notice(mail):
        summary.reminders_sent += 1
        return
    summary.reminders_failed += 1
    account.reminder_stage = previous_stage
    try:
        store.transaction().save_account(account).commit()
    except Conflict:
        logger.warning("reminder released too late", extra={"stage": stage})
