"""A birth date as schools write it: JJ/MM/AAAA (also with - or .), AAAA-MM-JJ, a time after it (what some
exports add: "14/05/2011 00:00"), or a workbook's date cell. Two-digit years are refused: 11 is 1911 or 2011."""

from __future__ import annotations

import re
from datetime import date

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
EARLIEST = date(1900, 1, 1)  # as the service checks it (web/schemas.py)


def parse_date(raw: str) -> date | None:
    """The date written, or None when it is not a real date in a format a school uses."""
    raw = raw.strip()
    try:
        if match := _DAY_FIRST.match(raw):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _ISO.match(raw):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def plausible(day: date) -> bool:
    return EARLIEST <= day <= date.today()
