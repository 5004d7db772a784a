"""The one source of "now", injectable so that tests and the local server move time instead of waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Real UTC time, plus an offset that only the local development server ever sets."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0) + self.offset

    def sleep(self, seconds: float) -> None:
        """Wait (the outbox's sender, pacing its retries to SES's sending rate)."""
        import time

        time.sleep(seconds)


class FrozenClock(Clock):
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def sleep(self, seconds: float) -> None:
        """Tests never wait: the time moves instead."""
        self._now += timedelta(seconds=seconds)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def iso(moment: datetime) -> str:
    """UTC instant as API.md writes it: 2027-02-28T14:37:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
