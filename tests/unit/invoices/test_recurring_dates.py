"""The next run of a recurring invoice schedule (pure date arithmetic)."""

from datetime import date

import pytest

from minimin.invoices.recurring import next_run


@pytest.mark.parametrize(
    ("after", "months", "day", "expected"),
    [
        (date(2025, 1, 31), 1, 31, date(2025, 2, 28)),
        (date(2025, 2, 28), 1, 31, date(2025, 3, 31)),
        (date(2024, 1, 31), 1, 31, date(2024, 2, 29)),  # leap year
        (date(2025, 11, 30), 3, 30, date(2026, 2, 28)),
        (date(2026, 2, 28), 3, 30, date(2026, 5, 30)),
        (date(2025, 12, 15), 1, 15, date(2026, 1, 15)),
        (date(2025, 2, 28), 1, None, date(2025, 3, 28)),  # no day kept: the old behaviour
    ],
)
def test_next_run_keeps_the_schedules_day(after, months, day, expected):
    assert next_run(after, months, day) == expected
