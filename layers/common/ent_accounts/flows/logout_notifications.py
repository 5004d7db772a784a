"""The logout queue's consumer: each notice's kind names who tells the client that the session ended: an OpenID
Connect back-channel logout token (sso/backchannel_logout.py), a CAS single logout request (sso/cas_logout.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ent_accounts import metrics
from ent_accounts.services import Services
from ent_accounts.sso.backchannel_logout import deliver_backchannel
from ent_accounts.sso.cas_logout import deliver_cas_logout
from ent_accounts.sso.form_post import DELIVERED
from ent_accounts.sso.logout_notifications import CAS_SLO, OIDC_BACKCHANNEL, LogoutNotice

# Kind → how a notice of that kind is delivered: DELIVERED, or why nothing was sent; raises when the client did not
# take it (the queue hands it over again).
DELIVERERS: dict[str, Callable[[Services, LogoutNotice], str]] = {
    OIDC_BACKCHANNEL: deliver_backchannel,
    CAS_SLO: deliver_cas_logout,
}
# Kind → its own (delivered, failed) counts, besides the totals of every kind.
KIND_METRICS = {CAS_SLO: (metrics.CAS_LOGOUT_REQUESTS_DELIVERED, metrics.CAS_LOGOUT_REQUESTS_FAILED)}


def deliver(services: Services, notice: LogoutNotice) -> str:
    """Tell the notice's client; the outcome and the client, for the log. Counts what was delivered and every attempt
    that failed (then raises, so that the notice is tried again)."""
    delivered, failed = KIND_METRICS.get(notice.kind, (None, None))
    try:
        outcome = DELIVERERS[notice.kind](services, notice)
    except Exception:
        metrics.count(metrics.LOGOUT_NOTICES_FAILED)
        if failed:
            metrics.count(failed)
        raise
    if outcome == DELIVERED:
        metrics.count(metrics.LOGOUT_NOTICES_DELIVERED)
        if delivered:
            metrics.count(delivered)
    return f"{outcome} ({notice.client_id})"


def deliver_queued_notice(services: Services, message: dict[str, Any]) -> str:
    """What a queued message asks; a message this code cannot read raises ValueError (kept, then dead-lettered)."""
    return deliver(services, LogoutNotice.from_message(message))
