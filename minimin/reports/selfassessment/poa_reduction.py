"""Claims to reduce payments on account (form SA303). Pure: no Flask, no database.

Each payment on account is half of the last year's bill (income tax and Class 4 less tax at
source). When the current year's bill is expected to be lower, the taxpayer can claim to
reduce both payments to half of the expected bill (never to more than they were). If the
claim turns out too low, interest runs on the difference between what was paid and what
should have been paid (half of the actual bill, at most the original payment) from each
payment's due date until it is paid, usually with the balancing payment on 31 January
(gov.uk "Reduce your payments on account"; the interest rule also in stored tax software help
for SA303 claims). Interest at HMRC's late payment rate, :mod:`.penalties`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from minimin.reports.selfassessment.penalties import late_interest


@dataclass(frozen=True)
class Reduction:
    original_each_pence: int
    reduced_each_pence: int

    @property
    def saved_now_pence(self) -> int:
        """How much less is paid on the two dates."""
        return 2 * (self.original_each_pence - self.reduced_each_pence)


@dataclass(frozen=True)
class ShortfallInterest:
    should_have_paid_each_pence: int
    shortfall_each_pence: int
    first_interest_pence: int
    second_interest_pence: int

    @property
    def interest_pence(self) -> int:
        return self.first_interest_pence + self.second_interest_pence


def reduced_payments(original_each_pence: int, expected_bill_pence: int) -> Reduction:
    """Each payment reduced to half of the expected bill (income tax and Class 4 less tax at
    source), rounded down to the penny; a claim never increases them."""
    if original_each_pence < 0:
        raise ValueError("a payment on account cannot be negative")
    half = max(expected_bill_pence, 0) // 2
    return Reduction(original_each_pence, min(original_each_pence, half))


def interest_if_too_low(
    reduction: Reduction,
    actual_bill_pence: int,
    due: tuple[date, date],
    paid_on: date,
) -> ShortfallInterest:
    """Interest on each payment's shortfall from its due date (*due*: the first and second
    payment dates) to *paid_on*, when the year's actual bill is *actual_bill_pence*."""
    should = min(reduction.original_each_pence, max(actual_bill_pence, 0) // 2)
    shortfall = max(should - reduction.reduced_each_pence, 0)
    first, second = due
    return ShortfallInterest(
        should_have_paid_each_pence=should,
        shortfall_each_pence=shortfall,
        first_interest_pence=late_interest(shortfall, first, paid_on),
        second_interest_pence=late_interest(shortfall, second, paid_on),
    )
