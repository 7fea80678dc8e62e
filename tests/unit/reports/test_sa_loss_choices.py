"""This year's trading loss set against other income, and the transition profit, in the whole
Self Assessment estimate: cases worked by hand (2025/26, England, Wales or NI bands).

Rules: minimin/reports/selfassessment/compute.py and losses.py. Sideways relief (ITA 2007
s.64) against this year's other income and/or last year's total income, in the order chosen,
capped at the greater of £50,000 and 25% of adjusted total income (s.24A; gov.uk helpsheet
HS204 "Limit on Income Tax reliefs"), not on the part set against the same trade's profit;
early years relief (s.72) for a loss of the trade's first four tax years, carried back three
years, earliest first. The relief comes off pay and other income first, then savings, then
dividends. The transition profit taxed in the year (FA 2022 Sch. 1) is taxed like profit
(income tax bands and Class 4) but is not in adjusted net income.

2025/26: personal allowance £12,570 (tapered above £100,000), basic rate 20% on the first
£37,700 of taxable income, higher 40% to £125,140, additional 45%; Class 4 6% from £12,570
to £50,270 and 2% above.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.compute import OtherIncome, SAInput, self_assessment

Y = TaxYear(2025)
K = 1_000_00  # £1,000 in pence


def sa(profit: int, salary: int = 0, **other: object):
    return self_assessment(SAInput(Y, profit, salary_pence=salary, other=OtherIncome(**other)))


# --------------------------------------------------------------------------- this year


def test_loss_set_against_this_years_pay():
    # Loss £10,000, pay £30,000: all relieved (cap £50,000). Income £20,000:
    # (20,000 - 12,570) x 20% = £1,486 (it would be £3,486 without the claim).
    r = sa(-10 * K, 30 * K, loss_relief="current")
    assert r.loss_against_income_pence == 10 * K
    assert r.total_income_pence == 20 * K
    assert r.income_tax_pence == 1_486_00
    assert r.loss_carried_forward_pence == 0
    assert sa(-10 * K, 30 * K).income_tax_pence == 3_486_00


def test_loss_larger_than_income_uses_all_of_it_and_carries_the_rest():
    # Loss £40,000, pay £25,000: £25,000 relieved (the personal allowance is wasted),
    # £15,000 carried forward; no tax, never a negative figure.
    r = sa(-40 * K, 25 * K, loss_relief="current")
    assert r.loss_against_income_pence == 25 * K
    assert r.loss_carried_forward_pence == 15 * K
    assert r.income_tax_pence == 0
    assert r.self_assessment_pence == 0


def test_cap_of_50000_against_this_years_income():
    # Loss £120,000, pay £150,000: cap max(50,000, 37,500) = £50,000. Income £100,000 keeps
    # the full allowance: 37,700 x 20% = 7,540 + 49,730 x 40% = 19,892: £27,432.
    # £70,000 carried forward.
    r = sa(-120 * K, 150 * K, loss_relief="current")
    assert r.loss_against_income_pence == 50 * K
    assert r.personal_allowance_pence == 12_570_00
    assert r.income_tax_pence == 27_432_00
    assert r.loss_carried_forward_pence == 70 * K


def test_cap_of_a_quarter_of_a_large_income():
    # Loss £120,000, pay £300,000: cap 25% = £75,000; income £225,000, no allowance:
    # 7,540 + 87,440 x 40% = 34,976 + 99,860 x 45% = 44,937: £87,453. £45,000 carried.
    r = sa(-120 * K, 300 * K, loss_relief="current")
    assert r.loss_against_income_pence == 75 * K
    assert r.income_tax_pence == 87_453_00
    assert r.loss_carried_forward_pence == 45 * K


def test_cap_uses_income_less_gross_pension_contributions():
    # Pay £230,000, £16,000 paid to a pension (£20,000 gross): adjusted total income
    # £210,000, cap 25% = £52,500 (not £57,500). Loss £60,000: £52,500 relieved, £7,500
    # carried. Income £177,500; ANI £157,500: no allowance. Bands extended by £20,000:
    # 57,700 x 20% = 11,540; 87,440 x 40% = 34,976; 32,360 x 45% = 14,562: £61,078.
    r = sa(-60 * K, 230 * K, loss_relief="current", pension_paid_pence=16 * K)
    assert r.loss_against_income_pence == 52_500_00
    assert r.loss_carried_forward_pence == 7_500_00
    assert r.income_tax_pence == 61_078_00


def test_relief_comes_off_pay_before_savings():
    # Loss £15,000, pay £10,000, interest £8,000: pay to nil, then £5,000 of the interest;
    # £3,000 of income is under the allowance: no tax.
    r = sa(-15 * K, 10 * K, loss_relief="current", savings_interest_pence=8 * K)
    assert r.loss_against_income_pence == 15 * K
    assert r.total_income_pence == 3 * K
    assert r.income_tax_pence == 0


def test_nothing_to_set_it_against_carries_it_all_forward():
    r = sa(-50 * K, 0, loss_relief="current")
    assert r.loss_against_income_pence == 0
    assert r.loss_carried_forward_pence == 50 * K
    assert r.self_assessment_pence == 0


def test_carry_forward_is_the_default():
    r = sa(-10 * K, 30 * K)
    assert r.loss_against_income_pence == 0
    assert r.loss_carried_back == ()
    assert r.loss_carried_forward_pence == 10 * K


# --------------------------------------------------------------------------- last year


def test_loss_carried_back_against_last_years_income():
    # Loss £20,000, last year's income £45,000: all of it set against 2024/25.
    r = sa(-20 * K, 0, loss_relief="previous", prior_years_income=(45 * K, 0, 0))
    assert r.loss_carried_back == ((TaxYear(2024), 20 * K),)
    assert r.loss_carried_forward_pence == 0


def test_cap_does_not_apply_to_last_years_profit_of_the_same_trade():
    # Loss £100,000; last year's income £100,000 of which £40,000 was this trade's profit:
    # £40,000 uncapped, then min(60,000 other income, £50,000 cap) = £50,000: £90,000
    # relieved, £10,000 carried. Without the trade's profit only £50,000 would go back.
    r = sa(
        -100 * K,
        0,
        loss_relief="previous",
        prior_years_income=(100 * K, 0, 0),
        prior_trade_profit_pence=40 * K,
    )
    assert r.loss_carried_back == ((TaxYear(2024), 90 * K),)
    assert r.loss_carried_forward_pence == 10 * K
    plain = sa(-100 * K, 0, loss_relief="previous", prior_years_income=(100 * K, 0, 0))
    assert plain.loss_carried_back == ((TaxYear(2024), 50 * K),)


def test_this_year_first_then_last_year():
    # Loss £30,000, pay £20,000 this year, £50,000 income last year: £20,000 now (no tax
    # left), £10,000 back.
    r = sa(-30 * K, 20 * K, loss_relief="current_previous", prior_years_income=(50 * K, 0, 0))
    assert r.loss_against_income_pence == 20 * K
    assert r.loss_carried_back == ((TaxYear(2024), 10 * K),)
    assert r.income_tax_pence == 0


def test_last_year_first_then_this_year():
    # The same the other way: all £30,000 goes back, this year's pay is taxed:
    # (20,000 - 12,570) x 20% = £1,486.
    r = sa(-30 * K, 20 * K, loss_relief="previous_current", prior_years_income=(50 * K, 0, 0))
    assert r.loss_against_income_pence == 0
    assert r.loss_carried_back == ((TaxYear(2024), 30 * K),)
    assert r.income_tax_pence == 1_486_00


# --------------------------------------------------------------------------- early years


def test_early_years_relief_earliest_year_first():
    # Trade started 2024/25; loss of 2025/26 £30,000; income 2022/23 £10,000, 2023/24
    # £15,000, 2024/25 £20,000: £10,000, £15,000, then £5,000 of 2024/25.
    r = sa(
        -30 * K,
        0,
        loss_relief="early",
        trade_start_year=2024,
        prior_years_income=(20 * K, 15 * K, 10 * K),
    )
    assert r.loss_carried_back == (
        (TaxYear(2022), 10 * K),
        (TaxYear(2023), 15 * K),
        (TaxYear(2024), 5 * K),
    )
    assert r.loss_carried_forward_pence == 0
    assert not r.early_years_refused


@pytest.mark.parametrize(("started", "allowed"), [(2025, True), (2022, True), (2021, False)])
def test_early_years_relief_only_in_the_first_four_tax_years(started, allowed):
    # 2025/26 is the 4th tax year of a trade started in 2022/23, the 5th of one of 2021/22.
    r = sa(
        -10 * K,
        0,
        loss_relief="early",
        trade_start_year=started,
        prior_years_income=(0, 0, 30 * K),
    )
    assert r.early_years_refused is not allowed
    assert r.loss_carried_forward_pence == (0 if allowed else 10 * K)


def test_early_years_relief_with_a_large_income_is_capped_each_year():
    # Income £300,000 three years back: cap 25% = £75,000; loss £100,000: £75,000 there,
    # then £25,000 two years back (income £40,000).
    r = sa(
        -100 * K,
        0,
        loss_relief="early",
        trade_start_year=2025,
        prior_years_income=(0, 40 * K, 300 * K),
    )
    assert r.loss_carried_back == ((TaxYear(2022), 75 * K), (TaxYear(2023), 25 * K))


def test_unknown_choice_is_refused():
    with pytest.raises(ValueError, match="loss relief"):
        sa(-10 * K, 0, loss_relief="sideways")


# --------------------------------------------------------------------------- transition profit


def test_transition_profit_is_taxed_with_the_profit_and_class4():
    # Profit £30,000 + transition £10,000: (40,000 - 12,570) x 20% = £5,486; Class 4
    # 27,430 x 6% = £1,645.80. Adjusted net income stays £30,000.
    r = sa(30 * K, transition_profit_pence=10 * K)
    assert r.transition_profit_pence == 10 * K
    assert r.income_tax_pence == 5_486_00
    assert r.class4_pence == 1_645_80
    assert r.adjusted_net_income_pence == 30 * K


def test_transition_profit_does_not_taper_the_personal_allowance():
    # Profit £95,000 + transition £20,000: ANI £95,000, full allowance. Taxable 102,430:
    # 7,540 + 64,730 x 40% = 25,892: £33,432 (with the taper it would lose £7,500 of
    # allowance). Class 4: 2,262 + 64,730 x 2% = 1,294.60: £3,556.60.
    r = sa(95 * K, transition_profit_pence=20 * K)
    assert r.personal_allowance_pence == 12_570_00
    assert r.income_tax_pence == 33_432_00
    assert r.class4_pence == 3_556_60


def test_transition_profit_does_not_bring_in_the_child_benefit_charge():
    # Profit £58,000 + transition £10,000, Child Benefit £2,000: ANI £58,000 is under
    # £60,000: no charge (with the transition profit in ANI it would be 40% = £800).
    r = sa(58 * K, transition_profit_pence=10 * K, child_benefit_pence=2 * K)
    assert r.hicbc_pence == 0


def test_losses_brought_forward_go_against_profit_then_the_transition_profit():
    # Profit £5,000, losses brought forward £8,000, transition £10,000: £5,000 against the
    # profit (box 74), £3,000 against the transition profit (box 73.4): £7,000 taxed, under
    # the allowance; nothing carried.
    r = sa(5 * K, loss_brought_forward_pence=8 * K, transition_profit_pence=10 * K)
    assert r.loss_used_pence == 5 * K
    assert r.transition_loss_used_pence == 3 * K
    assert r.transition_profit_pence == 7 * K
    assert r.loss_carried_forward_pence == 0
    assert r.income_tax_pence == 0 and r.class4_pence == 0


def test_a_loss_year_still_taxes_the_transition_profit():
    # Loss £4,000 carried forward; transition £20,000: (20,000 - 12,570) x 20% = £1,486.
    r = sa(-4 * K, transition_profit_pence=20 * K)
    assert r.loss_carried_forward_pence == 4 * K
    assert r.income_tax_pence == 1_486_00
    assert r.class4_pence == int(Decimal("7430") * 6)  # 7,430 x 6% = £445.80
