"""SES bounce and complaint events: mark the address as undeliverable on the account the mail was about.

SES publishes them (configuration set → SNS → the mail_events function) with the mail's tags, which name the
account (see mail.py). The address is compared with the account's current addresses, so a late event about an
address the student has since corrected changes nothing. Events come at least once: marking twice is harmless.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ent_accounts import metrics
from ent_accounts.accounts import same_address
from ent_accounts.deliverability import BOUNCE, COMPLAINT
from ent_accounts.mail import identifier_from_tags
from ent_accounts.observability import logger
from ent_accounts.services import Services
from ent_accounts.store import Conflict

ATTEMPTS = 3  # optimistic-lock retries when the account changes between the read and the write


def record_mail_event(services: Services, event: dict[str, Any], request_id: str) -> Counter[str]:
    """Handle one SES event record (the JSON an SNS message carries); returns what happened to each recipient."""
    kind = event.get("eventType") or event.get("notificationType")  # the latter without event publishing
    outcomes: Counter[str] = Counter()
    if kind == "Bounce":
        bounce = event.get("bounce", {})
        if bounce.get("bounceType") != "Permanent":
            # Transient (mailbox full, out of office) or undetermined: SES retried already; the address may work.
            outcomes["transient_bounce"] += 1
            return outcomes
        reason, recipients = BOUNCE, [r.get("emailAddress", "") for r in bounce.get("bouncedRecipients", [])]
        metrics.count(metrics.BOUNCES, len(recipients))
    elif kind == "Complaint":
        complaint = event.get("complaint", {})
        reason, recipients = COMPLAINT, [r.get("emailAddress", "") for r in complaint.get("complainedRecipients", [])]
        metrics.count(metrics.COMPLAINTS, len(recipients))
    else:
        outcomes["ignored"] += 1
        return outcomes

    identifier = identifier_from_tags(event.get("mail", {}).get("tags", {}))
    if identifier is None:
        logger.warning("mail event without an account tag", extra={"event_type": kind})
        outcomes["untagged"] += len(recipients)
        return outcomes
    for address in recipients:
        outcomes[mark_undeliverable(services, identifier, address, reason, request_id)] += 1
    return outcomes


def mark_undeliverable(services: Services, identifier: str, address: str, reason: str, request_id: str) -> str:
    """Mark `address` undeliverable on the account if it is still one of its addresses (a conditional write)."""
    store = services.store
    for _ in range(ATTEMPTS):
        account = store.get_account(identifier)
        if account is None:
            return "unknown_account"  # deleted or expired meanwhile
        current = [kept for kept in (account.email, account.pending_email) if kept and same_address(kept, address)]
        if not current:
            return "stale"  # the student already gave another address
        if account.is_undeliverable(address) and account.undeliverable_reason == reason:
            return "already_marked"
        account.undeliverable_email, account.undeliverable_reason = current[0], reason
        which = "email" if current[0] == account.email else "pending_email"
        tx = store.transaction().save_account(account)
        try:
            tx.audit(identifier, "email_undeliverable", request_id, reason=reason, address=which).commit()
        except Conflict:
            continue
        logger.info("address marked undeliverable", extra={"reason": reason, "address": which})
        return "marked"
    raise Conflict(f"account kept changing while marking an undeliverable address ({ATTEMPTS} attempts)")
