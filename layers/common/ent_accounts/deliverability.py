"""Addresses that do not receive our mail: when to stop writing to them, and what the account's holder is told
(French: "tu" to a student, "vous" to a parent, wording.py)."""

from __future__ import annotations

from typing import Any

from ent_accounts.accounts import Account
from ent_accounts.errors import AddressUndeliverable
from ent_accounts.wording import Say

BOUNCE = "bounce"
COMPLAINT = "complaint"

_BOUNCED = "Les mails envoyés à {address} ne sont pas arrivés : l'adresse est peut-être mal écrite ou n'existe plus."
_COMPLAINED = "Un mail envoyé à {address} a été signalé comme indésirable : nous n'écrivons plus à cette adresse."
REASONS = {
    BOUNCE: Say(
        f"{_BOUNCED} Indique une autre adresse mail.",
        f"{_BOUNCED} Indiquez une autre adresse mail.",
        f"{_BOUNCED} Une autre adresse mail est nécessaire.",
    ),
    COMPLAINT: Say(
        f"{_COMPLAINED} Indique une autre adresse mail.",
        f"{_COMPLAINED} Indiquez une autre adresse mail.",
        f"{_COMPLAINED} Une autre adresse mail est nécessaire.",
    ),
}
PENDING_MESSAGE = Say(
    "Ton compte est en attente de validation, mais le mail de validation n'a pas pu être remis à {address}. "
    "Corrige ton adresse mail pour recevoir un nouveau lien.",
    "Votre compte est en attente de validation, mais le mail de validation n'a pas pu être remis à {address}. "
    "Corrigez votre adresse mail pour recevoir un nouveau lien.",
    "Compte en attente de validation : le mail de validation n'a pas pu être remis à {address}. Une adresse "
    "corrigée recevra un nouveau lien.",
)
KNOWN_UNDELIVERABLE = Say(
    "Les mails envoyés à cette adresse ne sont pas arrivés : indique une autre adresse mail.",
    "Les mails envoyés à cette adresse ne sont pas arrivés : indiquez une autre adresse mail.",
    "Les mails envoyés à cette adresse ne sont pas arrivés : une autre adresse mail est nécessaire.",
)


def undeliverable_view(account: Account) -> dict[str, Any] | None:
    """What GET /api/account and the pending login answer show about an address that does not receive mail (its
    message said to the account's holder)."""
    address, reason = account.undeliverable_email, account.undeliverable_reason
    current = account.is_undeliverable(account.email) or account.is_undeliverable(account.pending_email)
    if not address or not current or reason not in REASONS:
        return None
    return {"address": address, "reason": reason, "message": REASONS[reason].format(address=address).to(account.role)}


def refuse_if_known_undeliverable(account: Account, address: str | None, field: str) -> None:
    """Sending again to an address that bounced only hurts the sender's reputation: ask for another one."""
    if account.is_undeliverable(address):
        raise AddressUndeliverable(field, KNOWN_UNDELIVERABLE, account.role)


def can_receive(account: Account, address: str | None) -> bool:
    return bool(address) and not account.is_undeliverable(address)
