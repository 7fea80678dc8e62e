"""How far back a recurring expense may start: the earliest tax year whose Self Assessment
return can still be amended (12 months after its 31 January filing deadline)."""

from __future__ import annotations

from datetime import date

import pytest

from minimin.expenses.services import earliest_recurring_start


@pytest.mark.parametrize(
    ("today", "earliest"),
    [
        # 2024/25 was due 31 Jan 2026 and can be amended until 31 Jan 2027.
        (date(2026, 12, 7), date(2024, 4, 6)),
        (date(2027, 1, 31), date(2024, 4, 6)),
        # From 1 Feb 2027 it cannot: 2025/26 (due 31 Jan 2027) is the earliest still open.
        (date(2027, 2, 1), date(2025, 4, 6)),
        (date(2027, 4, 5), date(2025, 4, 6)),
        # A new tax year leaves it: 2025/26 can be amended until 31 Jan 2028.
        (date(2027, 4, 6), date(2025, 4, 6)),
        (date(2028, 1, 31), date(2025, 4, 6)),
        (date(2028, 2, 1), date(2026, 4, 6)),
    ],
)
def test_the_earliest_start_is_the_earliest_tax_year_still_amendable(
    today: date, earliest: date
) -> None:
    assert earliest_recurring_start(today) == earliest
