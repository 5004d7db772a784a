"""A staff member's session, apart from students' sessions: its own item prefix (STAFFSESSION#), its own cookie
(web/routes/school_console.py, Path /etablissement), its own limits (settings: 15 minutes idle, 8 hours in all).

`stage` says how far the sign-in went: `second_factor` (the password was right, a code is awaited), `enrolment`
(an invitation was accepted and the password chosen, the TOTP application is being set up), `full` (signed in:
password and code). Only a `full` session opens the school pages; the two others open one page each, for a few
minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Stage(StrEnum):
    SECOND_FACTOR = "second_factor"
    ENROLMENT = "enrolment"
    FULL = "full"


# How long a half-done sign-in waits: the code is on the phone in the person's hand.
STAGE_MINUTES = {Stage.SECOND_FACTOR: 5, Stage.ENROLMENT: 20}


@dataclass(frozen=True)
class StaffSession:
    member_id: str
    credential_version: int
    stage: Stage
    expires_at: datetime  # the sooner of the idle and the absolute limits
    absolute_expires_at: datetime
    refreshed_at: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.absolute_expires_at - now).total_seconds()))


def limits(stage: Stage, now: datetime, idle_minutes: int, hours: int) -> tuple[datetime, datetime]:
    """(the idle limit, the absolute limit) of a session of `stage` opened at `now`."""
    if stage is Stage.FULL:
        absolute = now + timedelta(hours=hours)
        return min(now + timedelta(minutes=idle_minutes), absolute), absolute
    absolute = now + timedelta(minutes=STAGE_MINUTES[stage])
    return absolute, absolute
