"""Addresses that do not receive our mail: when to stop writing to them, and what the student is told (French)."""

from __future__ import annotations

from typing import Any

from ent_accounts.accounts import Account
from ent_accounts.errors import AddressUndeliverable

BOUNCE = "bounce"
COMPLAINT = "complaint"

REASONS = {
    BOUNCE: (
        "Les mails envoyés à {address} ne sont pas arrivés : l'adresse est peut-être mal écrite ou n'existe plus. "
        "Indique une autre adresse mail."
    ),
    COMPLAINT: (
        "Un mail envoyé à {address} a été signalé comme indésirable : nous n'écrivons plus à cette adresse. "
        "Indique une autre adresse mail."
    ),
}
PENDING_MESSAGE = (
    "Ton compte est en attente de validation, mais le mail de validation n'a pas pu être remis à {address}. "
    "Corrige ton adresse mail pour recevoir un nouveau lien."
)
KNOWN_UNDELIVERABLE = "Les mails envoyés à cette adresse ne sont pas arrivés : indique une autre adresse mail."


def undeliverable_view(account: Account) -> dict[str, Any] | None:
    """What GET /api/account and the pending login answer show about an address that does not receive mail."""
    address, reason = account.undeliverable_email, account.undeliverable_reason
    current = account.is_undeliverable(account.email) or account.is_undeliverable(account.pending_email)
    if not address or not current or reason not in REASONS:
        return None
    return {"address": address, "reason": reason, "message": REASONS[reason].format(address=address)}


def refuse_if_known_undeliverable(account: Account, address: str | None, field: str) -> None:
    """Sending again to an address that bounced only hurts the sender's reputation: ask for another one."""
    if account.is_undeliverable(address):
        raise AddressUndeliverable(field, KNOWN_UNDELIVERABLE)


def can_receive(account: Account, address: str | None) -> bool:
    return bool(address) and not account.is_undeliverable(address)
