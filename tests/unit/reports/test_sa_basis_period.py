"""Basis period reform: transition profit spreading and apportionment, cases worked by hand.

Rules in minimin/reports/selfassessment/basis_period.py (Finance Act 2022 Schedule 1: 20% a
year from 2023/24 to 2027/28 or what is left, acceleration by election, all of it on
cessation; profits of other accounting dates shared by days, 31 March to 4 April as 5 April).
"""

from __future__ import annotations

from datetime import date

import pytest

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.basis_period import (
    apportion,
    tax_year_profit,
    transition_spread,
)


def taxed(spread) -> dict[int, int]:
    return {s.tax_year.start_year: s.taxed_pence for s in spread}


def test_spread_evenly_over_five_years():
    assert taxed(transition_spread(50_000_00)) == dict.fromkeys(range(2023, 2028), 10_000_00)


def test_acceleration_brings_the_end_forward():
    # £50,000; £20,000 more elected in 2024/25: 10,000, 30,000, 10,000 and nothing left.
    spread = transition_spread(50_000_00, {2024: 20_000_00})
    assert taxed(spread) == {2023: 10_000_00, 2024: 30_000_00, 2025: 10_000_00, 2026: 0, 2027: 0}
    assert spread[1].accelerated_pence == 20_000_00


def test_acceleration_leaving_less_than_20_percent():
    # £50,000; £25,000 more in 2023/24: 35,000, 10,000, then only 5,000 left for 2025/26.
    assert taxed(transition_spread(50_000_00, {2023: 25_000_00})) == {
        2023: 35_000_00,
        2024: 10_000_00,
        2025: 5_000_00,
        2026: 0,
        2027: 0,
    }


def test_cessation_takes_everything_left():
    # Ceasing in 2025/26: 10,000, 10,000, then the 30,000 left; no later years.
    assert taxed(transition_spread(50_000_00, ceased_in=2025)) == {
        2023: 10_000_00,
        2024: 10_000_00,
        2025: 30_000_00,
    }


def test_pennies_left_over_go_to_the_last_year():
    # 20% of £10,000.03 is £2,000.006, so £2,000.00 a year and £2,000.03 in 2027/28.
    spread = taxed(transition_spread(10_000_03))
    assert spread[2023] == 2_000_00
    assert spread[2027] == 2_000_03
    assert sum(spread.values()) == 10_000_03


def test_negative_transition_profit_is_refused():
    with pytest.raises(ValueError):
        transition_spread(-1)


def test_30_june_year_ends_are_shared_by_days():
    # Year to 30 June 2025 (365 days), £36,500: 6 April to 30 June 2025 is 25 + 31 + 30 = 86
    # days of 2025/26: £8,600. Year to 30 June 2026, £73,000: 1 July 2025 to 5 April 2026 is
    # 279 days: £55,800. 2025/26: £64,400.
    y = TaxYear(2025)
    assert apportion(date(2024, 7, 1), date(2025, 6, 30), 36_500_00, y) == 8_600_00
    assert apportion(date(2025, 7, 1), date(2026, 6, 30), 73_000_00, y) == 55_800_00
    periods = [
        (date(2024, 7, 1), date(2025, 6, 30), 36_500_00),
        (date(2025, 7, 1), date(2026, 6, 30), 73_000_00),
    ]
    assert tax_year_profit(periods, y) == 64_400_00


def test_leap_year_calendar_year_accounts():
    # 1 January to 31 December 2024 (366 days), £36,600: 96 days (31 + 29 + 31 + 5) in
    # 2023/24 = £9,600 and 270 days in 2024/25 = £27,000.
    args = (date(2024, 1, 1), date(2024, 12, 31), 36_600_00)
    assert apportion(*args, TaxYear(2023)) == 9_600_00
    assert apportion(*args, TaxYear(2024)) == 27_000_00


def test_31_march_year_end_counts_as_the_tax_year():
    # Year to 31 March 2026: all of it is 2025/26, none of it 2026/27; the next period from
    # 1 April 2026 is 2026/27 only.
    assert apportion(date(2025, 4, 1), date(2026, 3, 31), 40_000_00, TaxYear(2025)) == 40_000_00
    assert apportion(date(2025, 4, 1), date(2026, 3, 31), 40_000_00, TaxYear(2026)) == 0
    assert apportion(date(2026, 4, 1), date(2027, 3, 31), 40_000_00, TaxYear(2025)) == 0


def test_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        apportion(date(2025, 7, 1), date(2025, 6, 30), 1, TaxYear(2025))
