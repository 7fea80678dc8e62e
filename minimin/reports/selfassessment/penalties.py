"""What a late Self Assessment return or payment costs: penalties and late payment interest.
Pure: no Flask, no database.

Late filing (gov.uk "Self Assessment tax returns: penalties", checked against stored copies):

* one day late: £100;
* more than 3 months late: £10 a day, for at most 90 days (£900);
* more than 6 months late: 5% of the tax due or £300, whichever is higher;
* more than 12 months late: another 5% of the tax due or £300, whichever is higher (the
  higher penalties for deliberately withheld information are not estimated).

Late payment of the balancing payment (the same page): 5% of the tax unpaid at 30 days, at 6
months and at 12 months. Payments on account carry interest but no late payment penalty.
The statute counts these points from a "penalty date" a day or two later than the plain
reading above; the estimate uses the plain reading (a penalty starts the day *after* 30 days,
6 months or 12 months have passed), and assumes nothing is paid before *paid_on*.

Late payment interest: simple interest for each day after the due date up to and including
the day of payment, at Bank Rate plus 4% from 6 April 2025 (plus 2.5% before), Bank Rate from
:mod:`minimin.invoices.base_rates`. Verified against stored news pages quoting HMRC (the
margin and its date). HMRC moves its rate a few weeks after each Bank Rate change (8 May 2025
cut, HMRC rate from 28 May 2025); the estimate follows Bank Rate on the day, so it can differ by
a few pence around a change. Interest on the penalties themselves is not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from minimin.core.dates import add_months
from minimin.invoices.base_rates import bank_rate_on

INITIAL_FILING_PENALTY_PENCE = 100_00
DAILY_PENALTY_PENCE = 10_00
DAILY_PENALTY_MAX_DAYS = 90
MINIMUM_TAX_GEARED_PENCE = 300_00
PENALTY_PERCENT = Decimal(5)
#: (from, percentage points over Bank Rate) for late payment interest, newest first.
INTEREST_MARGINS = ((date(2025, 4, 6), Decimal(4)), (date(1900, 1, 1), Decimal("2.5")))
#: How many days late the timeline shows: the day before and after the 30-day penalty, about
#: 6 months and a year.
DAYS_LATE_SHOWN = (30, 31, 185, 366)


@dataclass(frozen=True)
class Penalties:
    filing_initial_pence: int = 0
    filing_daily_pence: int = 0
    filing_six_months_pence: int = 0
    filing_twelve_months_pence: int = 0
    payment_30_days_pence: int = 0
    payment_six_months_pence: int = 0
    payment_twelve_months_pence: int = 0
    interest_pence: int = 0

    @property
    def filing_pence(self) -> int:
        return (
            self.filing_initial_pence
            + self.filing_daily_pence
            + self.filing_six_months_pence
            + self.filing_twelve_months_pence
        )

    @property
    def payment_pence(self) -> int:
        return (
            self.payment_30_days_pence
            + self.payment_six_months_pence
            + self.payment_twelve_months_pence
        )

    @property
    def total_pence(self) -> int:
        return self.filing_pence + self.payment_pence + self.interest_pence


def _percent(amount_pence: int, percent: Decimal) -> int:
    return int((Decimal(amount_pence) * percent / 100).quantize(Decimal(1), ROUND_DOWN))


def interest_rate_on(day: date) -> Decimal:
    """HMRC's late payment interest rate (per cent a year) for *day*: Bank Rate + margin."""
    margin = next(m for since, m in INTEREST_MARGINS if day >= since)
    return bank_rate_on(day) + margin


def late_interest(amount_pence: int, due: date, paid_on: date) -> int:
    """Simple interest on *amount_pence* for each day after *due* up to *paid_on*, at the
    rate of each day, over a 365-day year; rounded down to the penny."""
    if amount_pence <= 0 or paid_on <= due:
        return 0
    total = Decimal(0)
    day = due + timedelta(days=1)
    while day <= paid_on:
        total += interest_rate_on(day)
        day += timedelta(days=1)
    exact = Decimal(amount_pence) * total / 100 / 365
    return int(exact.quantize(Decimal(1), ROUND_DOWN))


def filing_penalties(deadline: date, tax_due_pence: int, filed_on: date) -> Penalties:
    """Late filing penalties for a return due on *deadline* and filed on *filed_on*."""
    if filed_on <= deadline:
        return Penalties()
    geared = max(_percent(max(tax_due_pence, 0), PENALTY_PERCENT), MINIMUM_TAX_GEARED_PENCE)
    daily_from = add_months(deadline, 3) + timedelta(days=1)
    daily_days = min(max((filed_on - daily_from).days, 0), DAILY_PENALTY_MAX_DAYS)
    return Penalties(
        filing_initial_pence=INITIAL_FILING_PENALTY_PENCE,
        filing_daily_pence=daily_days * DAILY_PENALTY_PENCE,
        filing_six_months_pence=geared if filed_on > add_months(deadline, 6) else 0,
        filing_twelve_months_pence=geared if filed_on > add_months(deadline, 12) else 0,
    )


def payment_penalties(due: date, unpaid_pence: int, paid_on: date) -> Penalties:
    """Late payment penalties on a balancing payment of *unpaid_pence* paid on *paid_on*."""
    five = _percent(max(unpaid_pence, 0), PENALTY_PERCENT)
    return Penalties(
        payment_30_days_pence=five if paid_on > due + timedelta(days=30) else 0,
        payment_six_months_pence=five if paid_on > add_months(due, 6) else 0,
        payment_twelve_months_pence=five if paid_on > add_months(due, 12) else 0,
    )


def penalties(
    due: date,
    tax_due_pence: int,
    filed_on: date | None,
    paid_on: date,
    *,
    filing_deadline: date | None = None,
    payment_on_account: bool = False,
) -> Penalties:
    """What filing on *filed_on* (``None``: on time) and paying *tax_due_pence* due on *due* on
    *paid_on* would cost. The return's deadline is *due* unless *filing_deadline* is given; a
    payment on account carries interest only (no filing or late payment penalty)."""
    interest = late_interest(tax_due_pence, due, paid_on)
    if payment_on_account:
        return Penalties(interest_pence=interest)
    deadline = filing_deadline or due
    filing = filing_penalties(deadline, tax_due_pence, filed_on or deadline)
    payment = payment_penalties(due, tax_due_pence, paid_on)
    return Penalties(
        filing_initial_pence=filing.filing_initial_pence,
        filing_daily_pence=filing.filing_daily_pence,
        filing_six_months_pence=filing.filing_six_months_pence,
        filing_twelve_months_pence=filing.filing_twelve_months_pence,
        payment_30_days_pence=payment.payment_30_days_pence,
        payment_six_months_pence=payment.payment_six_months_pence,
        payment_twelve_months_pence=payment.payment_twelve_months_pence,
        interest_pence=interest,
    )


@dataclass(frozen=True)
class LateCost:
    days_late: int
    penalties: Penalties


def late_costs(
    due: date,
    amount_pence: int,
    *,
    payment_on_account: bool,
    days: tuple[int, ...] = DAYS_LATE_SHOWN,
) -> tuple[LateCost, ...]:
    """What a payment on the timeline would cost if paid each of *days* late (the return
    filed on time)."""
    if amount_pence <= 0:
        return ()
    return tuple(
        LateCost(
            n,
            penalties(
                due,
                amount_pence,
                None,
                due + timedelta(days=n),
                payment_on_account=payment_on_account,
            ),
        )
        for n in days
    )
