"""Late Payment of Commercial Debts (Interest) Act 1998: interest and fixed compensation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.core.money import CurrencyMismatchError, Money
from minimin.invoices.late_payment import (
    days_late,
    fixed_compensation,
    late_payment_claim,
    reference_date,
    statutory_interest,
    statutory_rate,
)


def gbp(text: str) -> Money:
    return Money.of(text)


@pytest.mark.parametrize(
    ("debt", "compensation"),
    [
        ("0.01", "40"),
        ("999.99", "40"),
        ("1000", "70"),
        ("9999.99", "70"),
        ("10000", "100"),
        ("250000", "100"),
        ("0", "0"),
    ],
)
def test_fixed_compensation_bands(debt, compensation):
    assert fixed_compensation(gbp(debt)) == gbp(compensation)


def test_compensation_is_for_sterling_debts():
    with pytest.raises(CurrencyMismatchError):
        fixed_compensation(Money.of("100", "EUR"))


def test_interest_worked_example():
    # £1,000 at 4.25 % + 8 % = 12.25 % a year, 30 days late:
    # 1000 x 0.1225 / 365 x 30 = 10.0684... -> £10.07
    due = date(2025, 3, 1)
    assert statutory_rate(Decimal("4.25")) == Decimal("12.25")
    assert statutory_interest(gbp("1000"), Decimal("4.25"), due, date(2025, 3, 31)) == gbp("10.07")
    claim = late_payment_claim(gbp("1000"), Decimal("4.25"), due, date(2025, 3, 31))
    assert claim.days_late == 30
    assert claim.interest == gbp("10.07")
    assert claim.compensation == gbp("70")
    assert claim.total == gbp("80.07")
    assert claim.annual_rate == Decimal("12.25")


def test_no_interest_or_compensation_before_the_debt_is_late():
    due = date(2025, 3, 1)
    claim = late_payment_claim(gbp("5000"), Decimal("4"), due, due)
    assert claim.days_late == 0
    assert claim.interest == gbp("0")
    assert claim.compensation == gbp("0")
    assert days_late(due, date(2025, 2, 1)) == 0


def test_foreign_currency_debt_gets_interest_but_no_automatic_compensation():
    claim = late_payment_claim(
        Money.of("1000", "EUR"), Decimal("4"), date(2025, 1, 1), date(2025, 12, 31)
    )
    assert claim.interest == Money.of("119.67", "EUR")  # 1000 x 12 % x 364 / 365 = 119.671
    assert claim.compensation is None
    assert claim.total == claim.interest


def test_reference_date_is_fixed_by_the_half_year_of_the_due_date():
    assert reference_date(date(2025, 3, 15)) == date(2024, 12, 31)
    assert reference_date(date(2025, 6, 30)) == date(2024, 12, 31)
    assert reference_date(date(2025, 7, 1)) == date(2025, 6, 30)
    assert reference_date(date(2025, 12, 31)) == date(2025, 6, 30)


def test_bad_base_rates_are_refused():
    with pytest.raises(ValueError):
        statutory_rate(Decimal("-1"))
    with pytest.raises(ValueError):
        statutory_rate(Decimal("NaN"))
    with pytest.raises(ValueError):
        statutory_rate(4.0)  # type: ignore[arg-type]


@given(
    st.integers(min_value=1, max_value=10**11).map(Money.from_pence),
    st.decimals(min_value=0, max_value=15, places=2),
    st.integers(min_value=0, max_value=3650),
)
def test_interest_is_simple_and_exact(debt, base, late):
    due = date(2020, 1, 1)
    until = date.fromordinal(due.toordinal() + late)
    interest = statutory_interest(debt, base, due, until)
    exact = debt.amount * (base + 8) / 100 / 365 * late
    assert interest.is_whole_pence()
    assert abs(interest.amount - exact) <= Decimal("0.005")
    assert isinstance(interest.amount, Decimal)
