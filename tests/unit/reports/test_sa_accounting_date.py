"""An accounting date other than 31 March / 5 April: the two accounting periods a tax year
overlaps and their profits shared by days (FA 2022 Sch. 1, ITTOIA 2005 s.7A as amended; the
"tax year basis" of gov.uk "Basis period reform", read with HMRC's worked examples: a profit
is apportioned by the days of the period falling in the tax year). Cases worked by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.basis_period import (
    Period,
    accounting_periods,
    apportioned,
    is_tax_year_end,
)

Y = TaxYear(2025)  # 6 April 2025 to 5 April 2026
K = 1_000_00


def test_31_december_periods_and_days():
    # Periods 1 Jan - 31 Dec 2025 and 1 Jan - 31 Dec 2026. In 2025/26: 6 Apr - 31 Dec 2025 =
    # 25 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 = 270 days; 1 Jan - 5 Apr 2026 = 31 + 28 +
    # 31 + 5 = 95 days.
    first, later = accounting_periods(Y, 12, 31)
    assert first == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert later == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert (first.days_in(Y), later.days_in(Y)) == (270, 95)
    assert first.days == later.days == 365


def test_31_december_profits_shared_by_days():
    # £36,500 x 270/365 = £27,000; £73,000 x 95/365 = £19,000: £46,000 for 2025/26.
    first, later = accounting_periods(Y, 12, 31)
    shares = apportioned(Y, [(first, 36_500_00), (later, 73_000_00)])
    assert [s.share_pence for s in shares] == [27 * K, 19 * K]
    assert sum(s.share_pence for s in shares) == 46 * K


def test_30_june_profits_shared_by_days():
    # Periods 1 Jul 2024 - 30 Jun 2025 (86 days in 2025/26: 25 + 31 + 30) and 1 Jul 2025 -
    # 30 Jun 2026 (279 days: 365 - 86). £36,500 each: £8,600 + £27,900 = £36,500.
    first, later = accounting_periods(Y, 6, 30)
    assert first == Period(date(2024, 7, 1), date(2025, 6, 30))
    assert (first.days_in(Y), later.days_in(Y)) == (86, 279)
    shares = apportioned(Y, [(first, 36_500_00), (later, 36_500_00)])
    assert [s.share_pence for s in shares] == [8_600_00, 27_900_00]


def test_a_loss_in_the_later_period_is_shared_too():
    # £36,500 profit to 30 June 2025 (£8,600), a £7,300 loss to 30 June 2026:
    # -7,300 x 279/365 = -£5,580. Together £3,020.
    first, later = accounting_periods(Y, 6, 30)
    shares = apportioned(Y, [(first, 36_500_00), (later, -7_300_00)])
    assert shares[1].share_pence == -5_580_00
    assert sum(s.share_pence for s in shares) == 3_020_00


def test_30_april_takes_25_days_of_the_first_period():
    # 1 May 2024 - 30 Apr 2025: 6 - 30 April 2025 is 25 days; the next period 340 days.
    first, later = accounting_periods(Y, 4, 30)
    assert first == Period(date(2024, 5, 1), date(2025, 4, 30))
    assert (first.days_in(Y), later.days_in(Y)) == (25, 340)


def test_29_february_falls_back_to_the_28th_in_other_years():
    first, later = accounting_periods(Y, 2, 29)
    assert first == Period(date(2025, 3, 1), date(2026, 2, 28))
    assert later == Period(date(2026, 3, 1), date(2027, 2, 28))


@pytest.mark.parametrize(
    ("month", "day", "expected"),
    [(3, 31, True), (4, 1, True), (4, 5, True), (4, 6, False), (3, 30, False), (12, 31, False)],
)
def test_31_march_to_5_april_is_the_tax_years_own_end(month, day, expected):
    assert is_tax_year_end(month, day) is expected
