"""A session as the service keeps it (the token itself lives only in the browser's cookie or the portal).

Opening, checking and closing sessions is flows/sessions.py; the cookie is web/session.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
