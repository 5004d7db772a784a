"""The 3-month deadline: calendar months from the first mail, clamped to the month's end."""

from datetime import UTC, datetime

import pytest

from ent_accounts.accounts import add_months, validation_deadline


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        ("2026-11-30T14:37:00", "2027-02-28T14:37:00"),  # 30 November → end of February
        ("2027-11-30T08:00:00", "2028-02-29T08:00:00"),  # … of a leap year
        ("2027-11-29T08:00:00", "2028-02-29T08:00:00"),
        ("2026-11-28T08:00:00", "2027-02-28T08:00:00"),
        ("2026-09-01T00:00:00", "2026-12-01T00:00:00"),
        ("2026-10-15T23:59:59", "2027-01-15T23:59:59"),  # across the year
        ("2026-05-31T10:00:00", "2026-08-31T10:00:00"),
        ("2026-03-31T10:00:00", "2026-06-30T10:00:00"),  # 31 March → 30 June
        ("2099-11-30T10:00:00", "2100-02-28T10:00:00"),  # 2100 is not a leap year
        ("2099-12-31T10:00:00", "2100-03-31T10:00:00"),
    ],
)
def test_three_calendar_months_clamped(start, deadline):
    begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert validation_deadline(begin) == datetime.fromisoformat(deadline).replace(tzinfo=UTC)


def test_other_month_counts():
    start = datetime(2026, 1, 31, tzinfo=UTC)
    assert add_months(start, 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(start, 12) == datetime(2027, 1, 31, tzinfo=UTC)
    assert add_months(start, 0) == start
