"""Late filing and late payment penalties and interest: cases worked by hand.

Rules in minimin/reports/selfassessment/penalties.py (gov.uk "Self Assessment tax returns:
penalties": £100, £10 a day after 3 months for up to 90 days, 5% or £300 at 6 and 12 months;
5% of the unpaid tax at 30 days, 6 and 12 months). Interest: Bank Rate + 4% from 6 April 2025,
+ 2.5% before, Bank Rate from minimin/invoices/base_rates.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from minimin.reports.selfassessment.penalties import (
    interest_rate_on,
    late_costs,
    late_interest,
    penalties,
)

DEADLINE = date(2027, 1, 31)  # 2025/26 return and balancing payment


def test_one_day_late_return_is_100_pounds_even_with_no_tax():
    assert penalties(DEADLINE, 0, date(2027, 2, 1), DEADLINE).total_pence == 100_00


def test_daily_penalties_start_after_three_months():
    # 3 months after 31 January end on 30 April; filed 1 May: no day yet; 11 May: 10 days.
    assert penalties(DEADLINE, 2_000_00, date(2027, 5, 1), DEADLINE).filing_pence == 100_00
    late = penalties(DEADLINE, 2_000_00, date(2027, 5, 11), DEADLINE)
    assert late.filing_daily_pence == 100_00
    assert late.filing_pence == 200_00


def test_six_months_late_on_small_tax_is_300_pounds_plus_900_daily():
    # £2,000 due: 5% is £100, so £300. £100 + £900 (90 days) + £300 = £1,300.
    result = penalties(DEADLINE, 2_000_00, date(2027, 9, 1), DEADLINE)
    assert result.filing_daily_pence == 900_00
    assert result.filing_six_months_pence == 300_00
    assert result.filing_pence == 1_300_00


def test_twelve_months_late_on_larger_tax_is_5_percent_twice():
    # £10,000 due: 5% is £500 at 6 months and again at 12 (31 January 2028 passed).
    result = penalties(DEADLINE, 10_000_00, date(2028, 2, 1), DEADLINE)
    assert result.filing_six_months_pence == result.filing_twelve_months_pence == 500_00
    assert result.filing_pence == 100_00 + 900_00 + 500_00 + 500_00


def test_paid_30_days_late_is_interest_only():
    # Bank Rate 3.75% (from 18 December 2025) + 4% = 7.75%: 10,000 x 7.75% x 30/365 = 63.698.
    result = penalties(date(2026, 1, 31), 10_000_00, None, date(2026, 3, 2))
    assert result.payment_pence == 0
    assert result.interest_pence == 63_69


def test_paid_31_days_late_adds_the_first_5_percent():
    # 10,000 x 7.75% x 31/365 = 65.821; penalty 5% of £10,000.
    result = penalties(date(2026, 1, 31), 10_000_00, None, date(2026, 3, 3))
    assert result.payment_30_days_pence == 500_00
    assert result.interest_pence == 65_82
    assert result.total_pence == 565_82


def test_interest_follows_bank_rate_and_the_april_2025_margin():
    # Due 31 January 2025, paid 31 May 2025 (120 days): 5 days at 7.25% (4.75 + 2.5),
    # 59 at 7.00% (4.50 + 2.5), 32 at 8.50% (4.50 + 4 from 6 April), 24 at 8.25% (4.25 + 4
    # from 8 May). Sum of rates 919.25; 10,000 x 919.25 / 100 / 365 = 251.849.
    result = penalties(date(2025, 1, 31), 10_000_00, None, date(2025, 5, 31))
    assert result.interest_pence == 251_84
    assert result.payment_30_days_pence == 500_00
    assert result.payment_six_months_pence == 0


def test_a_year_late_payment_takes_all_three_penalties():
    # 366 days at 7.75%: 10,000 x 7.75% x 366/365 = 777.123.
    result = penalties(date(2026, 1, 31), 10_000_00, None, date(2027, 2, 1))
    assert result.payment_pence == 1_500_00
    assert result.interest_pence == 777_12


def test_payment_on_account_carries_interest_but_no_penalty():
    # £5,000 due 31 July 2026 paid 90 days late: 5,000 x 7.75% x 90/365 = 95.547.
    result = penalties(
        date(2026, 7, 31), 5_000_00, date(2028, 1, 1), date(2026, 10, 29), payment_on_account=True
    )
    assert result.payment_pence == result.filing_pence == 0
    assert result.interest_pence == 95_54


def test_interest_rate_before_and_after_6_april_2025():
    assert interest_rate_on(date(2025, 4, 5)) == Decimal("7.00")
    assert interest_rate_on(date(2025, 4, 6)) == Decimal("8.50")


def test_nothing_owed_or_paid_on_time_costs_nothing():
    assert late_interest(10_000_00, DEADLINE, DEADLINE) == 0
    assert late_interest(0, DEADLINE, date(2028, 1, 1)) == 0
    assert late_costs(DEADLINE, 0, payment_on_account=False) == ()


def test_timeline_costs_show_the_cliff_after_30_days():
    costs = late_costs(date(2026, 1, 31), 10_000_00, payment_on_account=False)
    assert [c.days_late for c in costs] == [30, 31, 185, 366]
    assert costs[0].penalties.total_pence == 63_69
    assert costs[1].penalties.total_pence == 565_82
    assert costs[3].penalties.payment_pence == 1_500_00
