"""Tax estimate: cases computed by hand from the rates in DOMAIN.md, and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minimin.core.dates import TaxYear
from minimin.reports import tax_tables
from minimin.reports.tax import EstimateInput, estimate, personal_allowance, set_aside
from minimin.reports.tax_tables import SCOTLAND, UnknownTaxYear, table_for

Y2526 = TaxYear(2025)


def pounds(value: str) -> int:
    return int(Decimal(value) * 100)


def test_worked_check_60000_profit_in_2025_26():
    result = estimate(EstimateInput(Y2526, pounds("60000")))
    assert result.income_tax_pence == pounds("11432.00")
    assert result.class4_pence == pounds("2456.60")
    assert result.personal_allowance_pence == pounds("12570")
    # Bill £13,888.60: payments on account of £6,944.30 on 31 Jan 2027 and 31 Jul 2027.
    assert result.payments_on_account_required
    assert [(p.due, p.kind, p.amount_pence) for p in result.payments] == [
        (date(2027, 1, 31), "balancing", pounds("13888.60")),
        (date(2027, 1, 31), "first_poa", pounds("6944.30")),
        (date(2027, 7, 31), "second_poa", pounds("6944.30")),
    ]


def test_below_the_personal_allowance_nothing_is_due():
    result = estimate(EstimateInput(Y2526, pounds("10000")))
    assert result.income_tax_pence == 0
    assert result.class4_pence == 0
    assert not result.payments_on_account_required
    assert [p.kind for p in result.payments] == ["balancing"]


def test_taper_at_110000():
    # Allowance 12,570 - 5,000 = 7,570; taxable 102,430: 37,700 x 20% + 64,730 x 40%.
    result = estimate(EstimateInput(Y2526, pounds("110000")))
    assert result.personal_allowance_pence == pounds("7570")
    assert result.income_tax_pence == pounds("7540") + pounds("25892")
    # Class 4: 37,700 x 6% + 59,730 x 2% = 2,262 + 1,194.60
    assert result.class4_pence == pounds("3456.60")


def test_above_125140_no_allowance_and_the_additional_rate():
    result = estimate(EstimateInput(Y2526, pounds("150000")))
    assert result.personal_allowance_pence == 0
    # 37,700 x 20% + 87,440 x 40% + 24,860 x 45%
    assert result.income_tax_pence == pounds("7540") + pounds("34976") + pounds("11187")
    assert result.class4_pence == pounds("4256.60")
    assert [b.name for b in result.income_tax_bands] == ["basic", "higher", "additional"]


def test_paye_salary_uses_the_bands_first_and_tax_at_source_is_credited():
    data = EstimateInput(
        Y2526,
        profit_pence=pounds("20000"),
        salary_pence=pounds("30000"),
        tax_paid_at_source_pence=pounds("3486"),
    )
    result = estimate(data)
    # Total 50,000: taxable 37,430 x 20% = 7,486; Class 4 only on profit: 7,430 x 6%.
    assert result.income_tax_pence == pounds("7486")
    assert result.class4_pence == pounds("445.80")
    assert result.self_assessment_pence == pounds("4445.80")
    assert result.payment_on_account_pence == pounds("2222.90")


def test_salary_pushes_profit_into_the_higher_rate():
    alone = estimate(EstimateInput(Y2526, pounds("20000")))
    with_salary = estimate(EstimateInput(Y2526, pounds("20000"), salary_pence=pounds("50270")))
    # All £20,000 of profit is taxed at 40% above the salary that used up the basic band.
    extra = (
        with_salary.income_tax_pence
        - estimate(EstimateInput(Y2526, 0, salary_pence=pounds("50270"))).income_tax_pence
    )
    assert extra == pounds("8000")
    assert alone.income_tax_pence == pounds("1486")


def test_no_payments_on_account_when_80_percent_collected_at_source():
    data = EstimateInput(
        Y2526,
        profit_pence=pounds("10000"),
        salary_pence=pounds("100000"),
        tax_paid_at_source_pence=pounds("27432"),
    )
    result = estimate(data)
    # Total £110,000: tax £33,432 (tapered allowance), no Class 4; 82% was collected by PAYE.
    assert result.income_tax_pence == pounds("33432")
    assert result.self_assessment_pence == pounds("6000")
    assert not result.payments_on_account_required


def test_no_payments_on_account_for_a_bill_under_1000():
    result = estimate(EstimateInput(Y2526, pounds("16000")))
    assert result.self_assessment_pence < pounds("1000")
    assert not result.payments_on_account_required


def test_payments_on_account_already_made_reduce_the_balancing_payment():
    result = estimate(
        EstimateInput(Y2526, pounds("60000"), payments_on_account_made_pence=pounds("10000"))
    )
    assert result.payments[0].amount_pence == pounds("3888.60")


def test_scottish_bands_2025_26():
    # Taxable 47,430: 2,827 x 19% + 12,094 x 20% + 16,171 x 21% + 16,338 x 42%
    result = estimate(EstimateInput(Y2526, pounds("60000"), regime=SCOTLAND))
    expected = Decimal("537.13") + Decimal("2418.80") + Decimal("3395.91") + Decimal("6861.96")
    assert result.income_tax_pence == int(expected * 100)
    assert result.class4_pence == pounds("2456.60")  # Class 4 is UK-wide


def test_years_and_regimes_not_in_the_table():
    with pytest.raises(UnknownTaxYear):
        estimate(EstimateInput(TaxYear(2023), pounds("1000")))
    with pytest.raises(UnknownTaxYear):
        estimate(EstimateInput(TaxYear(2023), pounds("1000"), regime=SCOTLAND))
    assert [y.label for y in tax_tables.known_years()] == ["2024/25", "2025/26", "2026/27"]


def test_table_values():
    for year in (2024, 2025, 2026):
        table = table_for(TaxYear(year))
        assert table.personal_allowance_pence == pounds("12570")
        assert table.trading_allowance_pence == pounds("1000")
        assert table.class4_main_rate == 6 and table.class4_upper_rate == 2
        assert table.bands[-2].upper_pence == pounds("125140")
    assert table_for(Y2526).class2_annual_pence == pounds("182")
    assert personal_allowance(table_for(Y2526), pounds("125140")) == 0
    assert personal_allowance(table_for(Y2526), pounds("100001")) == pounds("12570")


incomes = st.integers(min_value=-pounds("50000"), max_value=pounds("2000000"))


@settings(max_examples=200, deadline=None)
@given(
    profit=incomes,
    bump=st.integers(min_value=0, max_value=pounds("50000")),
    year=st.sampled_from([2024, 2025, 2026]),
)
def test_more_profit_never_means_less_tax(profit, bump, year):
    low = estimate(EstimateInput(TaxYear(year), profit))
    high = estimate(EstimateInput(TaxYear(year), profit + bump))
    assert 0 <= low.income_tax_pence <= high.income_tax_pence
    assert 0 <= low.class4_pence <= high.class4_pence
    assert low.payment_on_account_pence >= 0
    assert set_aside(TaxYear(year), profit) >= 0
    # Never more than every pound taxed at the top rates.
    assert high.liability_pence <= max(profit + bump, 0) * 47 // 100 + 1


@settings(max_examples=100, deadline=None)
@given(profit=incomes, salary=st.integers(min_value=0, max_value=pounds("500000")))
def test_salary_never_lowers_the_bill(profit, salary):
    base = estimate(EstimateInput(Y2526, profit))
    more = estimate(EstimateInput(Y2526, profit, salary_pence=salary))
    assert more.income_tax_pence >= base.income_tax_pence
    assert more.class4_pence == base.class4_pence
