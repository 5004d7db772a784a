"""The mail queue's consumer: each queued message's `kind` names the use case that decides and sends its mail."""

from __future__ import annotations

from typing import Any

from ent_accounts.flows.forgotten_identifier import send_identifier_reminder
from ent_accounts.flows.password_reset import send_password_reset
from ent_accounts.links import Links
from ent_accounts.mail_queue import IDENTIFIER_REMINDER, PASSWORD_RESET
from ent_accounts.services import Services


def deliver_queued_mail(services: Services, message: dict[str, Any]) -> str:
    """Do what a queued message asks; its outcome ("sent", or why nothing was sent). A message this code cannot read
    raises ValueError: it stays in the queue, then lands in the dead-letter queue where someone looks at it."""
    kind = message.get("kind")
    if kind == PASSWORD_RESET:
        identifier, base_url, request_id = (_text(message, name) for name in ("identifier", "base_url", "request_id"))
        # The links point where the request that queued the mail came from.
        return send_password_reset(services, identifier, Links(base_url), request_id)
    if kind == IDENTIFIER_REMINDER:
        address, base_url, request_id = (_text(message, name) for name in ("email", "base_url", "request_id"))
        return send_identifier_reminder(services, address, Links(base_url), request_id)
    raise ValueError(f"unknown kind of queued mail: {kind!r}")


def _text(message: dict[str, Any], name: str) -> str:
    value = message.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"queued mail without its {name}")
    return value
