"""VAT: treatments, the rate table, per-line half-up rounding, sterling totals, Flat Rate Scheme."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.core.money import CurrencyMismatchError, Money
from minimin.invoices.vat import (
    InvoiceLine,
    VATTreatment,
    effective_flat_rate,
    flat_rate_vat_due,
    invoice_totals,
    is_limited_cost_trader,
    line_totals,
    rate_for,
    rates_on,
    simplified_invoice_allowed,
    split_gross,
    standard_rate,
    to_gbp,
    vat_on,
)

DAY = date(2025, 6, 1)


def gbp(text: str) -> Money:
    return Money.of(text)


def line(price: str, qty: str = "1", treatment=VATTreatment.STANDARD, cur: str = "GBP"):
    return InvoiceLine("Work", Decimal(qty), Money.of(price, cur), treatment)


@pytest.mark.parametrize(
    ("treatment", "rate", "charges"),
    [
        (VATTreatment.STANDARD, Decimal(20), True),
        (VATTreatment.REDUCED, Decimal(5), True),
        (VATTreatment.ZERO, Decimal(0), False),
        (VATTreatment.EXEMPT, Decimal(0), False),
        (VATTreatment.OUTSIDE_SCOPE, Decimal(0), False),
        (VATTreatment.REVERSE_CHARGE, Decimal(0), False),
    ],
)
def test_rates_by_treatment(treatment, rate, charges):
    assert rate_for(treatment, DAY) == rate
    assert rate_for(treatment.value, DAY) == rate
    assert treatment.charges_vat is charges


def test_taxable_supplies_for_the_threshold():
    assert VATTreatment.ZERO.is_taxable_supply
    assert not VATTreatment.EXEMPT.is_taxable_supply
    assert not VATTreatment.OUTSIDE_SCOPE.is_taxable_supply


def test_rate_table_is_versioned_by_date():
    assert rates_on(date(2024, 3, 31)).registration_threshold == gbp("85000")
    assert rates_on(date(2024, 4, 1)).registration_threshold == gbp("90000")
    assert rates_on(date(2024, 4, 1)).deregistration_threshold == gbp("88000")
    assert standard_rate(date(2026, 1, 1)) == Decimal(20)
    with pytest.raises(ValueError):
        rates_on(date(2010, 1, 1))
    with pytest.raises(ValueError):
        rate_for("luxury", DAY)


def test_line_net_and_vat_are_rounded_half_up_per_line():
    totals = line_totals(line("33.33", "3"), DAY)
    assert totals.net == gbp("99.99")
    assert totals.vat == gbp("20.00")  # 19.998
    assert totals.gross == gbp("119.99")
    totals = line_totals(line("0.125", "1"), DAY)  # sub-penny unit price
    assert totals.net == gbp("0.13")
    totals = line_totals(line("10.00", "1.5", VATTreatment.REDUCED), DAY)
    assert (totals.net, totals.vat) == (gbp("15.00"), gbp("0.75"))


def test_invoice_vat_is_the_sum_of_the_rounded_lines():
    # total-based rounding would give 0.01; the documented per-line rule gives 0.02
    totals = invoice_totals([line("0.03"), line("0.03")], DAY)
    assert totals.vat == gbp("0.02")
    assert totals.net == gbp("0.06")
    assert totals.gross == gbp("0.08")


def test_invoice_with_mixed_treatments_has_a_vat_analysis():
    totals = invoice_totals(
        [
            line("1000"),
            line("100", treatment=VATTreatment.REDUCED),
            line("50", treatment=VATTreatment.ZERO),
            line("20", treatment=VATTreatment.EXEMPT),
            line("500", "2"),
        ],
        DAY,
    )
    assert totals.net == gbp("2170")
    assert totals.vat == gbp("405")
    assert totals.gross == gbp("2575")
    bands = {(b.treatment, b.rate): (b.net, b.vat) for b in totals.bands}
    assert bands[(VATTreatment.STANDARD, Decimal(20))] == (gbp("2000"), gbp("400"))
    assert bands[(VATTreatment.REDUCED, Decimal(5))] == (gbp("100"), gbp("5"))
    assert bands[(VATTreatment.ZERO, Decimal(0))] == (gbp("50"), gbp("0"))
    assert totals.vat_gbp == totals.vat
    assert not totals.has_reverse_charge


def test_reverse_charge_invoice_charges_no_vat_and_says_so():
    totals = invoice_totals([line("800", treatment=VATTreatment.REVERSE_CHARGE)], DAY)
    assert totals.vat == gbp("0")
    assert totals.has_reverse_charge


def test_foreign_currency_invoice_states_vat_in_sterling():
    totals = invoice_totals(
        [line("1000", cur="EUR")], DAY, currency="EUR", units_per_gbp=Decimal("1.17")
    )
    assert totals.vat == Money.of("200", "EUR")
    assert totals.net_gbp == gbp("854.70")  # 854.7008...
    assert totals.vat_gbp == gbp("170.94")  # 170.9401...
    assert totals.units_per_gbp == Decimal("1.17")
    with pytest.raises(ValueError):
        invoice_totals([line("1", cur="EUR")], DAY, currency="EUR")
    with pytest.raises(CurrencyMismatchError):
        invoice_totals([line("1", cur="EUR")], DAY)
    with pytest.raises(ValueError):
        to_gbp(Money.of("1", "EUR"), Decimal(0))
    with pytest.raises(TypeError):
        to_gbp(Money.of("1", "EUR"), 1.17)  # type: ignore[arg-type]


def test_to_gbp_rounds_half_up():
    assert to_gbp(Money.of("0.05", "EUR"), Decimal("2")) == gbp("0.03")  # 0.025
    assert to_gbp(gbp("12.34"), Decimal("5")) == gbp("12.34")


def test_simplified_invoice_limit():
    assert simplified_invoice_allowed(gbp("250"), DAY)
    assert not simplified_invoice_allowed(gbp("250.01"), DAY)
    with pytest.raises(CurrencyMismatchError):
        simplified_invoice_allowed(Money.of("10", "EUR"), DAY)


def test_split_gross():
    assert split_gross(gbp("120"), Decimal(20)) == (gbp("100"), gbp("20"))
    assert split_gross(gbp("10"), Decimal(20)) == (gbp("8.33"), gbp("1.67"))
    assert split_gross(gbp("21"), Decimal(5)) == (gbp("20"), gbp("1"))


@pytest.mark.parametrize(
    ("sector", "lct", "first", "rate", "due"),
    [
        ("14.5", False, False, "14.5", "1450.00"),
        ("14.5", False, True, "13.5", "1350.00"),
        ("14.5", True, False, "16.5", "1650.00"),
        ("14.5", True, True, "15.5", "1550.00"),
        ("0.5", False, True, "0", "0.00"),
    ],
)
def test_flat_rate_scheme(sector, lct, first, rate, due):
    kwargs = {"limited_cost_trader": lct, "first_year": first}
    assert effective_flat_rate(Decimal(sector), DAY, **kwargs) == Decimal(rate)
    assert flat_rate_vat_due(gbp("10000"), Decimal(sector), DAY, **kwargs) == gbp(due)


def test_flat_rate_rounds_half_up_and_refuses_bad_rates():
    assert flat_rate_vat_due(gbp("1234.56"), Decimal("12"), DAY) == gbp("148.15")  # 148.1472
    with pytest.raises(ValueError):
        effective_flat_rate(Decimal("101"), DAY)
    with pytest.raises(ValueError):
        effective_flat_rate(12.0, DAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("goods", "turnover", "months", "expected"),
    [
        ("150", "10000", 3, True),  # under 2 % (200)
        ("300", "10000", 3, False),  # over 2 % and over £250 a quarter
        ("240", "5000", 3, True),  # over 2 % (100) but under £250 a quarter
        ("250", "5000", 3, False),  # exactly £250 is not "under"
        ("999", "100000", 12, True),
        ("1500", "100000", 12, True),  # under 2 % (2,000)
        ("2500", "100000", 12, False),
    ],
)
def test_limited_cost_trader(goods, turnover, months, expected):
    assert is_limited_cost_trader(gbp(goods), gbp(turnover), period_months=months) is expected


def test_limited_cost_trader_period_is_checked():
    with pytest.raises(ValueError):
        is_limited_cost_trader(gbp("1"), gbp("1"), period_months=0)


amounts = st.integers(min_value=0, max_value=10**10).map(Money.from_pence)
treatments = st.sampled_from(list(VATTreatment))
quantities = st.decimals(min_value=0, max_value=1000, places=2)


@given(st.lists(st.tuples(amounts, quantities, treatments), max_size=10))
def test_invoice_totals_are_sums_of_rounded_lines(items):
    lines = [InvoiceLine("x", q, price, t) for price, q, t in items]
    totals = invoice_totals(lines, DAY)
    assert totals.net == sum((t.net for t in totals.lines), Money.zero())
    assert totals.vat == sum((t.vat for t in totals.lines), Money.zero())
    assert totals.gross == totals.net + totals.vat
    assert sum((b.vat for b in totals.bands), Money.zero()) == totals.vat
    for item in totals.lines:
        assert item.net.is_whole_pence() and item.vat.is_whole_pence()
        assert item.vat == vat_on(item.net, item.rate)
        assert not item.vat.is_negative()


@given(amounts, st.sampled_from([Decimal(20), Decimal(5), Decimal(0)]))
def test_split_gross_is_exact(gross, rate):
    net, vat = split_gross(gross, rate)
    assert net + vat == gross
    assert net.is_whole_pence() and vat.is_whole_pence()
