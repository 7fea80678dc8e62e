"""Self Assessment rules beyond trading income: cases worked by hand (2025/26 unless said).

Rules as in minimin/reports/selfassessment/compute.py; rates in selfassessment/rates.py with
their sources (dividend rates 10.75% / 35.75% from 6 April 2026: gov.uk policy paper of 27
November 2025; student loan thresholds from published summaries, Plan 4 2026/27 unverified).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.compute import (
    OtherIncome,
    SAInput,
    grossed_up,
    hicbc,
    self_assessment,
    wfh_flat_rate,
)
from minimin.reports.selfassessment.rates import other_rates_for
from minimin.reports.tax import EstimateInput, estimate

Y2526 = TaxYear(2025)
Y2627 = TaxYear(2026)


def pounds(value: str) -> int:
    return int(Decimal(value) * 100)


def sa(profit: str, year: TaxYear = Y2526, salary: str = "0", **other: object):
    return self_assessment(
        SAInput(year, pounds(profit), salary_pence=pounds(salary), other=OtherIncome(**other))
    )


# ------------------------------------------------------------------- pensions and Gift Aid


def test_pension_relief_at_source_extends_the_basic_band():
    # £8,000 paid is £10,000 gross: basic band to £47,700. Taxable 47,430 all at 20%.
    result = sa("60000", pension_paid_pence=pounds("8000"))
    assert result.pension_gross_pence == pounds("10000")
    assert result.adjusted_net_income_pence == pounds("50000")
    assert result.income_tax_pence == pounds("9486")
    assert result.class4_pence == pounds("2456.60")  # NI is not relieved


def test_gift_aid_extends_the_basic_band():
    # £800 given is £1,000 gross: 38,700 x 20% + 8,730 x 40% = 7,740 + 3,492.
    result = sa("60000", gift_aid_paid_pence=pounds("800"))
    assert result.gift_aid_gross_pence == pounds("1000")
    assert result.income_tax_pence == pounds("11232")


def test_pension_brings_back_the_tapered_allowance():
    # £110,000 less £10,000 gross: adjusted net income £100,000, full £12,570 allowance.
    # Taxable 97,430: 47,700 x 20% = 9,540 + 49,730 x 40% = 19,892.
    result = sa("110000", pension_paid_pence=pounds("8000"))
    assert result.personal_allowance_pence == pounds("12570")
    assert result.income_tax_pence == pounds("29432")
    assert sa("110000").income_tax_pence == pounds("33432")


@pytest.mark.parametrize(
    ("net", "gross"), [("80", "100"), ("1", "1"), ("99.99", "124"), ("0", "0")]
)
def test_grossing_up_at_20_percent_in_whole_pounds(net, gross):
    assert grossed_up(pounds(net)) == pounds(gross)


# ------------------------------------------------------------------------------- losses


def test_a_loss_shows_and_is_carried_forward():
    # Loss £5,000: no trading profit; PAYE pay £20,000 taxed as usual: 7,430 x 20%.
    result = sa("-5000", salary="20000")
    assert result.loss_this_year_pence == pounds("5000")
    assert result.trading_profit_pence == 0
    assert result.loss_carried_forward_pence == pounds("5000")
    assert result.income_tax_pence == pounds("1486")
    assert result.class4_pence == 0


def test_a_loss_brought_forward_reduces_this_years_profit():
    # £30,000 less £8,000: profit £22,000; tax 9,430 x 20%; Class 4 9,430 x 6%.
    result = sa("30000", loss_brought_forward_pence=pounds("8000"))
    assert result.loss_used_pence == pounds("8000")
    assert result.trading_profit_pence == pounds("22000")
    assert result.income_tax_pence == pounds("1886")
    assert result.class4_pence == pounds("565.80")
    assert result.loss_carried_forward_pence == 0


@pytest.mark.parametrize(
    ("profit", "brought", "used", "carried"),
    [("5000", "8000", "5000", "3000"), ("-2000", "3000", "0", "5000"), ("0", "0", "0", "0")],
)
def test_loss_carry_forward_arithmetic(profit, brought, used, carried):
    result = sa(profit, loss_brought_forward_pence=pounds(brought))
    assert result.loss_used_pence == pounds(used)
    assert result.loss_carried_forward_pence == pounds(carried)


# ------------------------------------------------------------------------ student loans


@pytest.mark.parametrize(
    ("year", "plans", "amount"),
    [
        # 2025/26 on £40,000: Plan 2 (40,000 - 28,470) x 9% = 1,037.70 -> £1,037.
        (Y2526, ("plan2",), "1037"),
        # Plan 1: 13,935 x 9% = 1,254.15 -> £1,254.
        (Y2526, ("plan1",), "1254"),
        # Plan 4: 7,255 x 9% = 652.95 -> £652.
        (Y2526, ("plan4",), "652"),
        # Postgraduate: 19,000 x 6% = £1,140; with Plan 2: £2,177.
        (Y2526, ("pgl",), "1140"),
        (Y2526, ("plan2", "pgl"), "2177"),
        # Plan 5 repayments start in 2026/27: nothing in 2025/26, then 15,000 x 9%.
        (Y2526, ("plan5",), "0"),
        (Y2627, ("plan5",), "1350"),
        # Plan 2 in 2026/27: 10,615 x 9% = 955.35 -> £955.
        (Y2627, ("plan2",), "955"),
    ],
)
def test_student_loan_repayments(year, plans, amount):
    result = sa("40000", year, student_loan_plans=plans)
    assert result.student_loan_pence == pounds(amount)


def test_unearned_income_counts_for_student_loans_only_over_2000():
    # Savings and dividends of £1,900: left out. £2,100 of interest: counted, income £42,100:
    # 13,630 x 9% = 1,226.70 -> £1,226.
    small = sa(
        "40000",
        student_loan_plans=("plan2",),
        savings_interest_pence=pounds("1500"),
        dividends_pence=pounds("400"),
    )
    assert small.student_loan_pence == pounds("1037")
    big = sa("40000", student_loan_plans=("plan2",), savings_interest_pence=pounds("2100"))
    assert big.student_loan_pence == pounds("1226")


def test_student_loans_are_not_in_payments_on_account_and_paye_deductions_are_credited():
    # Tax 27,430 x 20% = 5,486; Class 4 27,430 x 6% = 1,645.80; Plan 2 £1,037.
    # Payments on account on £7,131.80 only: £3,565.90 each; balancing £8,168.80.
    result = sa("40000", student_loan_plans=("plan2",))
    assert result.payment_on_account_pence == pounds("3565.90")
    assert result.payments[0].amount_pence == pounds("8168.80")
    paid = sa("40000", student_loan_plans=("plan2",), student_loan_deducted_pence=pounds("300"))
    assert paid.self_assessment_pence == pounds("7868.80")


# ------------------------------------------------------------------ savings and dividends


def test_starting_rate_for_savings():
    # Non-savings taxable £1,430: £3,570 of the £5,000 starting band left, so £3,000 of
    # interest is at 0%. Tax: 1,430 x 20% = £286.
    result = sa("14000", savings_interest_pence=pounds("3000"))
    assert result.income_tax_pence == pounds("286")


@pytest.mark.parametrize(
    ("profit", "interest", "tax"),
    [
        # Basic rate: £1,000 allowance, £1,000 x 20% = 200 on top of 3,486.
        ("30000", "2000", "3686"),
        # Higher rate: £500 allowance, £1,500 x 40% = 600 on top of 11,432.
        ("60000", "2000", "12032"),
        # Additional rate: no allowance, no personal allowance: 7,540 + 34,976 + 11,187 + 450.
        ("150000", "1000", "54153"),
    ],
)
def test_personal_savings_allowance_by_band(profit, interest, tax):
    assert sa(profit, savings_interest_pence=pounds(interest)).income_tax_pence == pounds(tax)


@pytest.mark.parametrize(
    ("year", "profit", "dividends", "tax"),
    [
        # £500 at 0%, £4,500 x 8.75% = 393.75 on top of 3,486.
        (Y2526, "30000", "5000", "3879.75"),
        # 2026/27: £4,500 x 10.75% = 483.75.
        (Y2627, "30000", "5000", "3969.75"),
        # Dividends from taxable £37,430: the allowance fills to 37,930, £2,500 x 33.75%.
        (Y2526, "50000", "3000", "8329.75"),
        # 2026/27 upper rate 35.75%: £2,500 x 35.75% = 893.75.
        (Y2627, "50000", "3000", "8379.75"),
        # Unused personal allowance (£7,570) covers dividends first: 12,430 taxable,
        # £500 at 0%, 11,930 x 8.75% = 1,043.875 -> £1,043.87.
        (Y2526, "5000", "20000", "1043.87"),
    ],
)
def test_dividends(year, profit, dividends, tax):
    result = sa(profit, year, dividends_pence=pounds(dividends))
    assert result.income_tax_pence == pounds(tax)


def test_dividend_rates_by_year():
    assert other_rates_for(Y2526).dividend_rates == (
        Decimal("8.75"),
        Decimal("33.75"),
        Decimal("39.35"),
    )
    assert other_rates_for(Y2627).dividend_rates == (
        Decimal("10.75"),
        Decimal("35.75"),
        Decimal("39.35"),
    )


# ------------------------------------------------------------ High Income Child Benefit


@pytest.mark.parametrize(
    ("ani", "benefit", "charge"),
    [
        ("70000", "2000", "1000"),  # £10,000 over: 50%
        ("60100", "2000", "0"),  # under a full £200
        ("60200", "2000", "20"),  # 1%
        ("80000", "2000", "2000"),  # all of it
        ("85000", "2000", "2000"),  # capped
        ("65000", "1331.20", "332"),  # 25% = 332.80, rounded down to the pound
        ("90000", "0", "0"),  # no benefit, no charge
    ],
)
def test_hicbc(ani, benefit, charge):
    assert hicbc(other_rates_for(Y2526), pounds(ani), pounds(benefit)) == pounds(charge)


def test_pension_contributions_reduce_the_child_benefit_charge():
    # £70,000 profit less £10,000 gross contributions: adjusted net income £60,000, no charge.
    assert sa("70000", child_benefit_pence=pounds("2000")).hicbc_pence == pounds("1000")
    relieved = sa("70000", child_benefit_pence=pounds("2000"), pension_paid_pence=pounds("8000"))
    assert relieved.hicbc_pence == 0


# --------------------------------------------------------------------- marriage allowance


def test_marriage_allowance_received_reduces_tax_by_252():
    assert sa("30000", marriage_allowance="receive").income_tax_pence == pounds("3234")


def test_marriage_allowance_not_for_a_higher_rate_recipient():
    result = sa("60000", marriage_allowance="receive")
    assert result.marriage_reducer_pence == 0
    assert result.income_tax_pence == pounds("11432")


def test_marriage_allowance_transferred_lowers_the_personal_allowance():
    # Allowance £11,310: on £20,000, 8,690 x 20% = 1,738 (it costs £252 above the allowance).
    result = sa("20000", marriage_allowance="transfer")
    assert result.personal_allowance_pence == pounds("11310")
    assert result.income_tax_pence == pounds("1738")
    assert sa("10000", marriage_allowance="transfer").income_tax_pence == 0


# -------------------------------------------------------------- Class 4 and home working


def test_no_class4_over_state_pension_age():
    result = sa("60000", over_state_pension_age=True)
    assert result.class4_pence == 0 and result.class4_exempt
    assert result.income_tax_pence == pounds("11432")


@pytest.mark.parametrize(
    ("hours", "months", "amount"),
    [
        (24, 12, "0"),
        (25, 12, "120"),
        (50, 1, "10"),
        (51, 12, "216"),
        (100, 6, "108"),
        (101, 12, "312"),
    ],
)
def test_working_from_home_flat_rate(hours, months, amount):
    assert wfh_flat_rate(hours, months) == pounds(amount)


def test_working_from_home_reduces_the_profit():
    # £216 off £60,000: taxable 47,214: 7,540 + 9,514 x 40% = 3,805.60;
    # Class 4 2,262 + 9,514 x 2% = 190.28.
    result = sa("60000", wfh_hours_per_month=60, wfh_months=12)
    assert result.trading_profit_pence == pounds("59784")
    assert result.income_tax_pence == pounds("11345.60")
    assert result.class4_pence == pounds("2452.28")


# ----------------------------------------------------------------- refusals and agreement


@pytest.mark.parametrize(
    "other",
    [
        {"pension_paid_pence": -1},
        {"student_loan_plans": ("plan1", "plan2")},
        {"student_loan_plans": ("plan9",)},
        {"marriage_allowance": "both"},
    ],
)
def test_bad_input_is_refused(other):
    with pytest.raises(ValueError):
        sa("1000", **other)
    with pytest.raises(ValueError):
        wfh_flat_rate(30, 13)


@settings(max_examples=30, deadline=None)
@given(
    profit=st.integers(min_value=-1_000_000, max_value=30_000_000),
    salary=st.integers(min_value=0, max_value=15_000_000),
    year=st.sampled_from([2024, 2025, 2026]),
)
def test_without_other_income_it_agrees_with_the_trading_estimate(profit, salary, year):
    data = EstimateInput(TaxYear(year), profit, salary_pence=salary)
    old = estimate(data)
    new = self_assessment(SAInput(TaxYear(year), profit, salary_pence=salary))
    assert new.income_tax_pence == old.income_tax_pence
    assert new.class4_pence == old.class4_pence
    assert [(p.due, p.kind, p.amount_pence) for p in new.payments] == [
        (p.due, p.kind, p.amount_pence) for p in old.payments
    ]


@settings(max_examples=30, deadline=None)
@given(
    profit=st.integers(min_value=0, max_value=20_000_000),
    more=st.integers(min_value=0, max_value=5_000_000),
    pension=st.integers(min_value=0, max_value=2_000_000),
    dividends=st.integers(min_value=0, max_value=3_000_000),
    year=st.sampled_from([2024, 2025, 2026]),
)
def test_more_profit_never_lowers_tax_and_pensions_never_raise_it(
    profit, more, pension, dividends, year
):
    def tax(p: int, paid: int) -> int:
        result = self_assessment(
            SAInput(
                TaxYear(year),
                p,
                other=OtherIncome(dividends_pence=dividends, pension_paid_pence=paid),
            )
        )
        return result.income_tax_pence + result.class4_pence

    assert tax(profit + more, pension) >= tax(profit, pension)
    assert tax(profit, pension) <= tax(profit, 0)
