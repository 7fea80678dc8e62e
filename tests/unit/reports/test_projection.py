"""Set aside for tax from the year's trend: the profit so far scaled to a whole year, the tax on
that, and the share of it the elapsed part of the year has earned."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from minimin.core.dates import TaxYear
from minimin.reports.projection import project

YEAR = TaxYear(2025)  # 6 April 2025 to 5 April 2026: 365 days


def _flat_tax(pence: int) -> int:
    """20% above £12,570: enough to see the projection at work (the real rules are tax.py's)."""
    return max(pence - 1_257_000, 0) // 5


def test_profit_under_the_allowance_so_far_still_sets_aside_tax() -> None:
    # £8,000 profit after 73 of 365 days (a fifth of the year): £40,000 for the year.
    p = project(YEAR, date(2025, 6, 17), 800_000, _flat_tax)
    assert (p.days_elapsed, p.days_in_year) == (73, 365)
    assert p.projected_profit_pence == 4_000_000
    assert p.projected_tax_pence == (4_000_000 - 1_257_000) // 5 == 548_600
    # A fifth of the year's tax is set aside now, though the profit is under the allowance.
    assert p.set_aside_pence == 109_720
    assert p.percent_elapsed == 20


def test_year_end_is_the_tax_on_the_whole_profit_and_a_loss_sets_nothing_aside() -> None:
    whole = project(YEAR, date(2026, 4, 5), 3_000_000, _flat_tax)
    assert whole.projected_profit_pence == 3_000_000
    assert whole.set_aside_pence == _flat_tax(3_000_000)
    # After the year (a late look at it) is the year end; a loss projects to nothing.
    assert project(YEAR, date(2026, 6, 1), 3_000_000, _flat_tax) == whole
    assert project(YEAR, date(2025, 9, 1), -50_000, _flat_tax).set_aside_pence == 0


@settings(max_examples=40, deadline=None)
@given(
    profit=st.integers(min_value=0, max_value=50_000_000),
    day=st.integers(min_value=0, max_value=364),
)
def test_set_aside_never_exceeds_the_tax_on_the_projection(profit: int, day: int) -> None:
    from datetime import timedelta

    p = project(YEAR, YEAR.start + timedelta(days=day), profit, _flat_tax)
    assert 0 <= p.set_aside_pence <= p.projected_tax_pence
    assert p.projected_profit_pence >= profit
