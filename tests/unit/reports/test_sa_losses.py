"""Loss relief against other income: cases worked by hand.

Rules in minimin/reports/selfassessment/losses.py: sideways relief (ITA 2007 s.64) capped at
the greater of £50,000 and 25% of adjusted total income (s.24A; HS204), not on the part set
against the same trade's profit; early years relief (s.72) for a loss of the first four tax
years, carried back three years, earliest first.
"""

from __future__ import annotations

import pytest

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.losses import (
    early_years_relief,
    relief_cap,
    sideways_relief,
)

K = 1_000_00  # £1,000


def test_cap_is_50000_or_a_quarter_of_adjusted_total_income():
    assert relief_cap(80 * K) == 50 * K
    assert relief_cap(200 * K) == 50 * K
    assert relief_cap(300 * K) == 75 * K


def test_loss_within_the_cap_is_all_used():
    relief = sideways_relief(30 * K, 80 * K, 80 * K)
    assert (relief.used_pence, relief.left_pence) == (30 * K, 0)


def test_cap_at_50000():
    # £90,000 loss against £100,000 of income: capped at £50,000, £40,000 left to carry.
    relief = sideways_relief(90 * K, 100 * K, 100 * K)
    assert (relief.used_pence, relief.left_pence) == (50 * K, 40 * K)


def test_cap_at_a_quarter_of_a_large_income():
    # Adjusted total income £300,000: cap £75,000; a £90,000 loss leaves £15,000.
    relief = sideways_relief(90 * K, 300 * K, 300 * K)
    assert (relief.used_pence, relief.left_pence) == (75 * K, 15 * K)


def test_all_income_is_used_even_the_personal_allowance():
    # £20,000 loss, £12,000 income: all £12,000 relieved (the allowance is wasted), £8,000 left.
    relief = sideways_relief(20 * K, 12 * K, 12 * K)
    assert (relief.used_pence, relief.left_pence) == (12 * K, 8 * K)


def test_same_trade_profit_is_not_capped():
    # Previous year: £40,000 profit of the same trade and £100,000 other income, adjusted
    # total income £140,000 (cap £50,000). Loss £120,000: 40,000 + 50,000 used, 30,000 left.
    relief = sideways_relief(120 * K, 140 * K, 140 * K, same_trade_profit_pence=40 * K)
    assert (relief.used_pence, relief.left_pence) == (90 * K, 30 * K)


def test_pension_contributions_lower_adjusted_total_income_not_the_cap_floor():
    # Total income £240,000, £40,000 gross pension: adjusted £200,000, 25% = £50,000.
    relief = sideways_relief(80 * K, 240 * K, 200 * K)
    assert relief.used_pence == 50 * K


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        sideways_relief(-1, 0, 0)
    with pytest.raises(ValueError):
        sideways_relief(1, 10, 10, same_trade_profit_pence=11)


def test_early_years_loss_goes_back_earliest_first():
    # Trade started 2024/25, loss of £30,000 in 2025/26. Income 2022/23 £20,000, 2023/24
    # £25,000, 2024/25 £5,000: 2022/23 takes 20,000, 2023/24 the other 10,000.
    relief = early_years_relief(
        30 * K,
        TaxYear(2025),
        TaxYear(2024),
        {TaxYear(2022): 20 * K, TaxYear(2023): 25 * K, TaxYear(2024): 5 * K},
    )
    assert relief.used == ((TaxYear(2022), 20 * K), (TaxYear(2023), 10 * K))
    assert relief.left_pence == 0


def test_early_years_relief_is_capped_each_year():
    # £80,000 loss in 2024/25 (trade started 2024/25). 2021/22 £120,000 (cap £50,000),
    # 2022/23 £40,000: 50,000 then 30,000.
    relief = early_years_relief(
        80 * K,
        TaxYear(2024),
        TaxYear(2024),
        {TaxYear(2021): 120 * K, TaxYear(2022): 40 * K},
    )
    assert relief.used == ((TaxYear(2021), 50 * K), (TaxYear(2022), 30 * K))
    assert relief.used_pence == 80 * K


def test_loss_after_the_first_four_years_is_not_carried_back():
    # Started 2020/21: 2024/25 is the fifth tax year.
    relief = early_years_relief(10 * K, TaxYear(2024), TaxYear(2020), {TaxYear(2021): 50 * K})
    assert relief.used == ()
    assert relief.left_pence == 10 * K


def test_loss_larger_than_three_years_income_leaves_the_rest():
    relief = early_years_relief(
        60 * K, TaxYear(2023), TaxYear(2023), {TaxYear(2020): 10 * K, TaxYear(2022): 15 * K}
    )
    assert relief.used_pence == 25 * K
    assert relief.left_pence == 35 * K
