"""Agency commission: the DOMAIN.md worked example and invariants for every booking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.core.money import CurrencyMismatchError, Money
from minimin.jobs.commission import (
    CommissionLine,
    CommissionTerms,
    LineKind,
    Quoting,
    calculate,
)

TAX_POINT = date(2025, 6, 1)


def gbp(text: str) -> Money:
    return Money.of(text)


def fee(text: str) -> CommissionLine:
    return CommissionLine.fee(gbp(text))


def test_worked_example_freelancer_not_vat_registered():
    result = calculate(
        [fee("1000")],
        CommissionTerms(Decimal(15), agency_vat_registered=True),
        tax_point=TAX_POINT,
    )
    assert result.gross == gbp("1000")
    assert result.commission == gbp("150")
    assert result.vat_on_commission == gbp("30")
    assert result.deductions == gbp("180")
    assert result.output_vat == gbp("0")
    assert result.collected == gbp("1000")
    assert result.net_paid == gbp("820")
    assert result.input_vat == gbp("0")
    # not reclaimable: commission and its VAT are both an allowable expense
    assert result.allowable_expense == gbp("180")


def test_worked_example_freelancer_vat_registered():
    result = calculate(
        [fee("1000")],
        CommissionTerms(Decimal(15), agency_vat_registered=True, freelancer_vat_registered=True),
        tax_point=TAX_POINT,
    )
    assert result.output_vat == gbp("200")
    assert result.collected == gbp("1200")
    assert result.deductions == gbp("180")
    assert result.net_paid == gbp("1020")
    assert result.input_vat == gbp("30")
    assert result.allowable_expense == gbp("150")
    assert result.gross == gbp("1000")  # turnover excludes VAT


def test_agency_not_vat_registered_charges_no_vat_on_commission():
    result = calculate([fee("1000")], CommissionTerms(Decimal(20)), tax_point=TAX_POINT)
    assert result.commission == gbp("200")
    assert result.vat_on_commission == gbp("0")
    assert result.net_paid == gbp("800")


def test_expenses_and_per_diems_carry_no_commission_and_no_vat():
    lines = [
        fee("1000"),
        CommissionLine.expense(gbp("45.60"), "Train"),
        CommissionLine.expense(gbp("30"), "Per diem"),
    ]
    result = calculate(
        lines,
        CommissionTerms(Decimal(15), agency_vat_registered=True, freelancer_vat_registered=True),
        tax_point=TAX_POINT,
    )
    assert result.commission_base == gbp("1000")
    assert result.commission == gbp("150")
    assert result.output_vat == gbp("200")
    assert result.expenses == gbp("75.60")
    assert result.fees == gbp("1000")
    assert result.gross == gbp("1075.60")
    assert result.collected == gbp("1275.60")
    assert result.net_paid == gbp("1095.60")


def test_fee_plus_agency_fee_adds_a_commissionable_line_on_top():
    result = calculate(
        [fee("1000"), CommissionLine.expense(gbp("50"))],
        CommissionTerms(
            Decimal(15),
            agency_vat_registered=True,
            quoting=Quoting.FEE_PLUS_AGENCY_FEE,
            agency_fee_percent=Decimal(20),
        ),
        tax_point=TAX_POINT,
    )
    assert result.agency_fee == gbp("200")
    assert result.lines[-1].kind is LineKind.AGENCY_FEE
    assert result.commission_base == gbp("1200")
    assert result.commission == gbp("180")
    assert result.vat_on_commission == gbp("36")
    assert result.gross == gbp("1250")
    assert result.net_paid == gbp("1034")


def test_fee_plus_agency_fee_defaults_to_the_commission_rate():
    result = calculate(
        [fee("1000")],
        CommissionTerms(Decimal(15), quoting="fee_plus_agency_fee"),
        tax_point=TAX_POINT,
    )
    assert result.agency_fee == gbp("150")
    assert result.commission == gbp("172.50")
    assert result.net_paid == gbp("977.50")


def test_fee_inclusive_adds_nothing():
    result = calculate([fee("1000")], CommissionTerms(Decimal(15)), tax_point=TAX_POINT)
    assert result.agency_fee == gbp("0")
    assert len(result.lines) == 1


def test_mother_agency_share_splits_the_commission_not_the_net():
    terms = CommissionTerms(
        Decimal(20), agency_vat_registered=True, mother_agency_share_percent=Decimal("33.333")
    )
    result = calculate([fee("1000")], terms, tax_point=TAX_POINT)
    assert result.commission == gbp("200")
    assert result.mother_agency_commission == gbp("66.67")
    assert result.booking_agency_commission == gbp("133.33")
    assert result.net_paid == gbp("760")  # 1000 - 200 - 40


def test_commission_rounds_half_up_once_on_the_total():
    result = calculate(
        [fee("33.33"), fee("33.33")], CommissionTerms(Decimal("12.5")), tax_point=TAX_POINT
    )
    # 12.5 % of 66.66 = 8.3325 -> 8.33
    assert result.commission == gbp("8.33")
    result = calculate([fee("0.10")], CommissionTerms(Decimal(15)), tax_point=TAX_POINT)
    assert result.commission == gbp("0.02")  # 0.015 -> 0.02


def test_vat_rate_comes_from_the_table_or_the_terms():
    result = calculate(
        [fee("100")], CommissionTerms(Decimal(10), agency_vat_registered=True), tax_point=TAX_POINT
    )
    assert result.vat_percent == Decimal(20)
    result = calculate(
        [fee("100")],
        CommissionTerms(Decimal(10), agency_vat_registered=True, vat_percent=Decimal("17.5")),
        tax_point=TAX_POINT,
    )
    assert result.vat_on_commission == gbp("1.75")


def test_non_commissionable_vatable_line():
    line = CommissionLine(gbp("100"), commissionable=False, vatable=True)
    result = calculate(
        [fee("100"), line],
        CommissionTerms(Decimal(10), freelancer_vat_registered=True),
        tax_point=TAX_POINT,
    )
    assert result.commission == gbp("10")
    assert result.output_vat == gbp("40")


def test_bad_terms_and_lines_are_refused():
    with pytest.raises(ValueError):
        CommissionTerms(Decimal(101))
    with pytest.raises(ValueError):
        CommissionTerms(Decimal(-1))
    with pytest.raises(TypeError):
        CommissionTerms(15.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        CommissionTerms(Decimal(10), quoting="something")
    with pytest.raises(CurrencyMismatchError):
        calculate([CommissionLine.fee(Money.of("1", "EUR"))], CommissionTerms(Decimal(10)))
    with pytest.raises(ValueError):
        calculate([CommissionLine.fee(Money.of("1.005"))], CommissionTerms(Decimal(10)))


def test_other_currency():
    result = calculate(
        [CommissionLine.fee(Money.of("500", "EUR"))],
        CommissionTerms(Decimal(20), agency_vat_registered=True),
        currency="EUR",
        tax_point=TAX_POINT,
    )
    assert result.net_paid == Money.of("380", "EUR")


def test_no_lines_is_all_zero():
    result = calculate(
        [], CommissionTerms(Decimal(20), agency_vat_registered=True), tax_point=TAX_POINT
    )
    assert result.net_paid == gbp("0")
    assert result.collected == gbp("0")


line_strategy = st.builds(
    CommissionLine,
    amount=st.integers(min_value=0, max_value=10**9).map(Money.from_pence),
    commissionable=st.booleans(),
    vatable=st.booleans(),
)
terms_strategy = st.builds(
    CommissionTerms,
    commission_percent=st.decimals(min_value=0, max_value=100, places=3),
    agency_vat_registered=st.booleans(),
    freelancer_vat_registered=st.booleans(),
    quoting=st.sampled_from(list(Quoting)),
    agency_fee_percent=st.none() | st.decimals(min_value=0, max_value=100, places=2),
    mother_agency_share_percent=st.none() | st.decimals(min_value=0, max_value=100, places=2),
)


@given(st.lists(line_strategy, max_size=8), terms_strategy)
def test_commission_vat_and_net_always_add_up_to_what_was_collected(lines, terms):
    r = calculate(lines, terms, tax_point=TAX_POINT)
    assert r.commission + r.vat_on_commission + r.net_paid == r.collected
    assert r.collected == r.gross + r.output_vat
    assert r.fees + r.expenses == r.gross
    assert r.booking_agency_commission + r.mother_agency_commission == r.commission
    assert Money.zero() <= r.commission <= r.commission_base
    for figure in (
        r.gross,
        r.commission,
        r.vat_on_commission,
        r.output_vat,
        r.net_paid,
        r.collected,
        r.mother_agency_commission,
    ):
        assert isinstance(figure.amount, Decimal)
        assert figure.is_whole_pence()
    if not terms.agency_vat_registered:
        assert r.vat_on_commission.is_zero()
    if not terms.freelancer_vat_registered:
        assert r.output_vat.is_zero()
        assert r.input_vat.is_zero()
