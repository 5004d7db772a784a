"""A school's contact: read for the pages of its students and parents, written by its administrators.

Why a cache: every signed-in page names the reader's school as the one to ask (layout.html's footer), so reading
it at each view would add a GetItem to every page of the first morning of a school year, all for a few thousand
schools' items that change a few times a year. A warm container keeps each school's copy for at most five minutes
(absent ones too: most schools may never write one), a bounded number of schools. What five minutes of staleness
costs: a changed number shows on the pages of other containers up to five minutes later; nothing trusts this copy
for a decision. A change made through this container is seen at once (`update_contact` forgets the copy).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from ent_accounts.errors import ChangedMeanwhile, InvalidRequest
from ent_accounts.observability import logger
from ent_accounts.school_contact import SchoolContact, checked_contact
from ent_accounts.store import AuditEvent, Conflict

if TYPE_CHECKING:
    from ent_accounts.services import Services
    from ent_accounts.store import Store

LIFETIME = timedelta(minutes=5)
MAX_SCHOOLS = 2_000  # a container's copies; past it, they are all dropped (an académie has a few hundred schools)

_copies: WeakKeyDictionary[Store, dict[str, tuple[datetime, SchoolContact | None]]] = WeakKeyDictionary()


class ContactChangedMeanwhile(ChangedMeanwhile):
    message = (
        "Les coordonnées de l'établissement ont été modifiées pendant que vous les modifiiez : voici les nouvelles, "
        "vérifiez-les et enregistrez de nouveau."
    )


class ContactRefused(InvalidRequest):
    message = "Les coordonnées ne sont pas enregistrées : corrigez les champs signalés."


def contact_for_pages(services: Services, uai: str | None) -> SchoolContact | None:
    """The school's contact as this container read it at most LIFETIME ago; None when the school wrote none, or
    when the table does not answer (the page then says "l'établissement" without details, rather than failing)."""
    if not uai:
        return None
    now = services.clock.now()
    copies = _copies.setdefault(services.store, {})
    copy = copies.get(uai)
    if copy is not None and copy[0] <= now < copy[0] + LIFETIME:
        return copy[1]
    try:
        contact = services.store.school_contact(uai)
    except Exception as failed:  # a footer's details never fail a page (DESIGN.md, "school contact")
        logger.warning("school contact unread", extra={"uai": uai, "error": type(failed).__name__})
        contact = copy[1] if copy is not None else None
    if len(copies) >= MAX_SCHOOLS:
        copies.clear()
    copies[uai] = (now, contact)
    return contact


def current_contact(services: Services, uai: str) -> SchoolContact:
    """The contact as stored now (strongly consistent), or an empty one at version 0 for the form."""
    return services.store.school_contact(uai, consistent=True) or SchoolContact(uai=uai, name="")


def update_contact(
    services: Services, uai: str, fields: dict[str, str], expected_version: int, by: str, request_id: str
) -> SchoolContact:
    """Save what the form says if the contact is still at the version the administrator read. ContactRefused
    (fields' messages) for a field that does not pass, ContactChangedMeanwhile when another save came first."""
    checked, errors = checked_contact(uai, fields)
    if checked is None:
        raise ContactRefused(fields=errors)
    contact = replace(checked, version=expected_version + 1, updated_at=services.clock.now(), updated_by=by)
    filled = sorted(field for field in ("name", "phone", "email", "web_page", "hours") if getattr(contact, field))
    event = AuditEvent("school_contact_updated", request_id, {"by": by, "filled": ",".join(filled)})
    try:
        services.store.put_school_contact(contact, expected_version, event)
    except Conflict:
        forget(services.store, uai)  # this container's copy is behind the save that won: read it again
        raise ContactChangedMeanwhile() from None
    forget(services.store, uai)
    return contact


def forget(store: Store, uai: str) -> None:
    _copies.get(store, {}).pop(uai, None)
