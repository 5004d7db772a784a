"""The logout queue's consumer: each notice's kind names who tells the client that the session ended (an OpenID
Connect back-channel logout token now; CAS single logout joins in issue 16 with its own deliverer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ent_accounts import metrics
from ent_accounts.services import Services
from ent_accounts.sso.backchannel_logout import DELIVERED, deliver_backchannel
from ent_accounts.sso.logout_notifications import OIDC_BACKCHANNEL, LogoutNotice

# Kind → how a notice of that kind is delivered: DELIVERED, or why nothing was sent; raises when the client did not
# take it (the queue hands it over again).
DELIVERERS: dict[str, Callable[[Services, LogoutNotice], str]] = {OIDC_BACKCHANNEL: deliver_backchannel}


def deliver(services: Services, notice: LogoutNotice) -> str:
    """Tell the notice's client; the outcome and the client, for the log. Counts what was delivered and every attempt
    that failed (then raises, so that the notice is tried again)."""
    try:
        outcome = DELIVERERS[notice.kind](services, notice)
    except Exception:
        metrics.count(metrics.LOGOUT_NOTICES_FAILED)
        raise
    if outcome == DELIVERED:
        metrics.count(metrics.LOGOUT_NOTICES_DELIVERED)
    return f"{outcome} ({notice.client_id})"


def deliver_queued_notice(services: Services, message: dict[str, Any]) -> str:
    """What a queued message asks; a message this code cannot read raises ValueError (kept, then dead-lettered)."""
    return deliver(services, LogoutNotice.from_message(message))
