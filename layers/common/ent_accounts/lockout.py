"""Lock-out after failed password attempts, and the hourly limit on mails: the numbers and their arithmetic.

The password policy (8 characters, 3 kinds) is CNIL deliberation 2022-100's "case 2", which requires such a
restriction of access. Numbers (README, "Lifetimes and limits"):
- the first 4 failures cost nothing; the 5th and each later failure lock the identifier for 1, 2, 4, … minutes,
  doubling up to 1 hour: an attacker gets about 30 guesses a day, far from the 2^50 of a policy password, and within
  NIST SP 800-63B's ceiling of 100 consecutive failures;
- failures are forgotten 24 hours after the last one, and at the first successful login;
- unknown identifiers are counted the same way, so a lock never tells whether an account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES = 4
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)
FAILURE_MEMORY = timedelta(hours=24)


@dataclass(frozen=True)
class Throttle:
    """An identifier's failed-login counter: consecutive failures not yet forgotten, and the lock they set."""

    failures: int = 0
    locked_until: datetime | None = None


def lock_after(failures: int) -> timedelta:
    """How long the identifier is locked after its `failures`-th consecutive failure."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_LOCK * 2 ** (failures - FREE_FAILURES - 1), LONGEST_LOCK)


def retry_after_seconds(locked_until: datetime, now: datetime) -> int:
    return max(1, int((locked_until - now).total_seconds() + 0.999))
