"""A session as the service keeps it (the token itself lives only in the browser's cookie or the portal).

Opening and checking sessions is flows/sessions.py, ending them sso/logout.py (single logout); the cookie is
web/session.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, order=True)  # ordered (client_id, service, ticket): a session reads its logins back sorted
class CasLogin:
    """A CAS service signed in through a session: told by a single logout request when the session ends."""

    client_id: str
    service: str  # the exact service URL its ticket was validated for: where the logout request is posted
    ticket: str  # the ticket, spent by its validation: the logout request's SessionIndex, by which CAS clients
    # (mod_auth_cas, phpCAS) find their own session. Worthless to anyone else: a ticket is used once.


MAX_CAS_LOGINS = 100  # a school day's worth, and a bounded item: past it, a validation is not recorded (logged)


@dataclass(frozen=True)
class Session:
    identifier: str
    credential_version: int
    expires_at: datetime  # the sooner of the idle and the absolute limits
    absolute_expires_at: datetime
    refreshed_at: datetime
    # "full" for an active account; "pending" lets a browser that just proved the password of a pending account
    # re-send its validation mail or correct the address, and nothing else.
    scope: str = "full"
    # Single sign-on (docs/DESIGN.md, "Single sign-on"). `sid`: the session's public name, random, given to the
    # services signed in through it (ID tokens, logout tokens); never the token nor its hash. `authenticated_at`:
    # when the password was last proven (OIDC's auth_time). `clients`: the services that received tokens through
    # this session (OIDC), told when it ends; `cas_logins`, the same for CAS. A session stored before these existed
    # has none: it is no SSO session.
    sid: str = ""
    authenticated_at: datetime | None = None
    clients: frozenset[str] = field(default_factory=frozenset)
    cas_logins: tuple[CasLogin, ...] = ()  # the CAS services signed in through it (their validated tickets)

    @property
    def single_sign_on(self) -> bool:
        """Whether this session may sign its account in to services without asking the password again."""
        return self.scope == "full" and bool(self.sid) and self.authenticated_at is not None
