from datetime import UTC, datetime

import pytest

from local.durations import shift

START = datetime(2026, 11, 30, 14, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("P3M1D", datetime(2027, 3, 1, 14, 37, tzinfo=UTC)),  # 28 February + 1 day
        ("P3M", datetime(2027, 2, 28, 14, 37, tzinfo=UTC)),
        ("PT15M", datetime(2026, 11, 30, 14, 52, tzinfo=UTC)),
        ("P1Y", datetime(2027, 11, 30, 14, 37, tzinfo=UTC)),
        ("P1W", datetime(2026, 12, 7, 14, 37, tzinfo=UTC)),
        ("-P1M", datetime(2026, 10, 30, 14, 37, tzinfo=UTC)),
        ("p1dt2h", datetime(2026, 12, 1, 16, 37, tzinfo=UTC)),
    ],
)
def test_iso_durations(duration, expected):
    assert shift(START, duration) == expected


@pytest.mark.parametrize("bad", ["", "P", "PT", "3M", "trois mois", "P1.5D"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        shift(START, bad)
