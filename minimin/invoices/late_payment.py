"""Late Payment of Commercial Debts (Interest) Act 1998: statutory interest and compensation.

Business-to-business debts only (the caller decides whether the Act applies). Pure functions.

* Interest: simple interest at 8 % above the Bank of England base rate ("reference rate"),
  charged for each day after the due date: ``debt x (base + 8) % / 365`` a day, rounded
  half-up to the penny on the total (not per day). The reference rate is the base rate in force
  on 31 December (for debts falling due 1 January - 30 June) or 30 June (for debts falling due
  1 July - 31 December); it is fixed for the life of the debt. :func:`reference_date` gives the
  date whose base rate the caller must pass.
* Fixed compensation per debt: £40 under £1,000; £70 from £1,000 to £9,999.99; £100 from
  £10,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from minimin.core.money import MONEY_CONTEXT, CurrencyMismatchError, Money

#: Percentage points above the reference rate.
STATUTORY_MARGIN = Decimal(8)
DAYS_IN_YEAR = 365
#: (debt from, compensation) in pounds, highest first.
COMPENSATION_BANDS = (
    (Decimal(10000), Decimal(100)),
    (Decimal(1000), Decimal(70)),
    (Decimal(0), Decimal(40)),
)


@dataclass(frozen=True)
class LatePaymentClaim:
    """What may be claimed on an overdue debt at a given date."""

    debt: Money
    annual_rate: Decimal  # per cent: base rate + 8
    days_late: int
    daily_interest: Money  # unrounded: shown for transparency
    interest: Money  # rounded half-up to the penny
    compensation: Money | None  # None when the debt is not in sterling
    #: The Bank Rate the claim is built on and the day it was in force (every claim shows
    #: both, so the customer can check them).
    reference_rate: Decimal = Decimal(0)
    reference_date: date | None = None

    @property
    def total(self) -> Money:
        """Interest plus compensation (compensation only for a sterling debt)."""
        return self.interest + self.compensation if self.compensation else self.interest


def reference_date(due: date) -> date:
    """The date whose Bank of England base rate applies to a debt falling due on *due*."""
    if due.month <= 6:
        return date(due.year - 1, 12, 31)
    return date(due.year, 6, 30)


def statutory_rate(base_rate: Decimal) -> Decimal:
    """The annual statutory interest rate (per cent): base rate + 8."""
    if not isinstance(base_rate, Decimal) or not base_rate.is_finite() or base_rate < 0:
        raise ValueError("base_rate must be a non-negative Decimal percentage")
    return base_rate + STATUTORY_MARGIN


def days_late(due: date, until: date) -> int:
    """Days after *due* up to and including *until* (0 if not yet late)."""
    return max(0, (until - due).days)


def daily_interest(debt: Money, base_rate: Decimal) -> Money:
    """Unrounded interest for one day on *debt*."""
    with localcontext(MONEY_CONTEXT):
        return Money(debt.amount * statutory_rate(base_rate) / 100 / DAYS_IN_YEAR, debt.currency)


def statutory_interest(debt: Money, base_rate: Decimal, due: date, until: date) -> Money:
    """Simple statutory interest on *debt* from the day after *due* to *until*, half-up."""
    return (daily_interest(debt, base_rate) * days_late(due, until)).round_half_up()


def fixed_compensation(debt: Money) -> Money:
    """£40, £70 or £100 by the size of a sterling *debt*."""
    if debt.currency != "GBP":
        raise CurrencyMismatchError("GBP", debt.currency)
    if debt.amount <= 0:
        return Money.zero("GBP")  # nothing owed, nothing to compensate
    for floor, amount in COMPENSATION_BANDS:
        if debt.amount >= floor:
            return Money(amount, "GBP")
    raise AssertionError("bands cover every positive debt")  # pragma: no cover


def late_payment_claim(debt: Money, base_rate: Decimal, due: date, until: date) -> LatePaymentClaim:
    """Interest and compensation claimable on *debt* at *until*. Compensation applies once
    the debt is late and only to sterling debts (for another currency, convert and call
    :func:`fixed_compensation` with the sterling value)."""
    late = days_late(due, until)
    compensation: Money | None = None
    if debt.currency == "GBP":
        compensation = fixed_compensation(debt) if late > 0 else Money.zero("GBP")
    return LatePaymentClaim(
        debt=debt,
        annual_rate=statutory_rate(base_rate),
        days_late=late,
        daily_interest=daily_interest(debt, base_rate),
        interest=statutory_interest(debt, base_rate, due, until),
        compensation=compensation,
        reference_rate=base_rate,
        reference_date=reference_date(due),
    )


def claim_on(debt: Money, due: date, until: date) -> LatePaymentClaim:
    """:func:`late_payment_claim` at the Bank Rate in force on the debt's reference date
    (from :mod:`minimin.invoices.base_rates`)."""
    from minimin.invoices.base_rates import bank_rate_on

    return late_payment_claim(debt, bank_rate_on(reference_date(due)), due, until)
