"""What to set aside for tax so far, from the year's trend rather than the profit to date.

Income tax is charged on the whole year's profit, so the tax on the profit to date alone says
£0 for months while that profit is under the personal allowance, and then jumps. Instead:

1. the profit so far is scaled up to a full tax year by the share of the year elapsed
   (``projected = profit so far × days in the year ÷ days elapsed``);
2. tax and Class 4 NI are estimated on that projected profit (the tax calculation's own rules,
   passed in as *tax_on*);
3. the share of that tax the elapsed part of the year has earned is set aside
   (``set aside = tax on the projection × days elapsed ÷ days in the year``).

Pure arithmetic: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from minimin.core.dates import TaxYear


@dataclass(frozen=True)
class Projection:
    profit_so_far_pence: int
    days_elapsed: int
    days_in_year: int
    projected_profit_pence: int
    projected_tax_pence: int
    set_aside_pence: int

    @property
    def percent_elapsed(self) -> int:
        return int(Decimal(100 * self.days_elapsed) / Decimal(self.days_in_year))


def _scaled(pence: int, numerator: int, denominator: int) -> int:
    value = Decimal(pence) * Decimal(numerator) / Decimal(denominator)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def project(
    tax_year: TaxYear,
    today: dt.date,
    profit_so_far_pence: int,
    tax_on: Callable[[int], int],
) -> Projection:
    """The projection for *today* (clamped into *tax_year*) of *profit_so_far_pence*."""
    days_in_year = (tax_year.end - tax_year.start).days + 1
    day = min(max(today, tax_year.start), tax_year.end)
    days_elapsed = (day - tax_year.start).days + 1
    profit = max(profit_so_far_pence, 0)
    projected = _scaled(profit, days_in_year, days_elapsed)
    tax = max(tax_on(projected), 0) if projected else 0
    return Projection(
        profit_so_far_pence=profit_so_far_pence,
        days_elapsed=days_elapsed,
        days_in_year=days_in_year,
        projected_profit_pence=projected,
        projected_tax_pence=tax,
        set_aside_pence=_scaled(tax, days_elapsed, days_in_year),
    )
