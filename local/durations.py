"""ISO 8601 durations for the development clock (P3M1D, PT15M, -P1D)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ent_accounts.accounts import add_months

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def shift(moment: datetime, duration: str) -> datetime:
    """`moment` moved by an ISO 8601 duration; months are calendar months (clamped to the month's end)."""
    found = _DURATION.match(duration.strip().upper())
    if not found or duration.strip().upper() in ("P", "PT", "-P"):
        raise ValueError(f"not an ISO 8601 duration: {duration!r}")
    parts = {name: int(value) for name, value in found.groupdict().items() if value and name != "sign"}
    sign = -1 if found.group("sign") else 1
    months = parts.get("years", 0) * 12 + parts.get("months", 0)
    moved = add_months(moment, sign * months)
    return moved + sign * timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )
