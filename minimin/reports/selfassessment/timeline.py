"""What the Self Assessment page shows beside the estimate's payment timeline, from the
estimate alone (no further input): the cost of paying each payment late, the interest risk of
reducing payments on account to nil, and the Class 4 annual maximum when a salary is entered.
Pure: no Flask, no database."""

from __future__ import annotations

from dataclasses import dataclass

from minimin.reports.selfassessment.class4_maximum import (
    Class4Maximum,
    class1_main,
    class4_maximum,
)
from minimin.reports.selfassessment.compute import SelfAssessment
from minimin.reports.selfassessment.penalties import LateCost, late_costs
from minimin.reports.selfassessment.poa_reduction import (
    ShortfallInterest,
    interest_if_too_low,
    reduced_payments,
)
from minimin.reports.tax_tables import UnknownTaxYear


@dataclass(frozen=True)
class TimelineExtras:
    #: Per payment of ``result.payments`` (same order): the cost if paid N days late.
    late: tuple[tuple[LateCost, ...], ...]
    #: Interest if the payments on account were reduced to nil and next year's bill turned out
    #: the same as this year's (paid with the balancing payment).
    reduce_to_nil_interest: ShortfallInterest | None
    class4_maximum: Class4Maximum | None


def _class4_maximum(result: SelfAssessment) -> Class4Maximum | None:
    if result.class4_exempt or result.input.salary_pence <= 0:
        return None
    try:
        class1 = class1_main(result.input.tax_year, result.input.salary_pence)
    except UnknownTaxYear:
        return None
    if class1 <= 0:
        return None
    # Class 4 is charged on the profit and the year's transition profit together.
    profits = result.trading_profit_pence + result.transition_profit_pence
    return class4_maximum(result.input.tax_year, profits, class1)


def _reduce_to_nil(result: SelfAssessment) -> ShortfallInterest | None:
    if not result.payments_on_account_required:
        return None
    each = result.payment_on_account_pence
    following = result.input.tax_year.next
    return interest_if_too_low(
        reduced_payments(each, 0),
        2 * each,
        following.payments_on_account,
        following.filing_deadline,
    )


def timeline_extras(result: SelfAssessment) -> TimelineExtras:
    late = tuple(
        late_costs(p.due, p.amount_pence, payment_on_account=p.kind != "balancing")
        for p in result.payments
    )
    return TimelineExtras(late, _reduce_to_nil(result), _class4_maximum(result))
