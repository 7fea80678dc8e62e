"""Basis period reform (Finance Act 2022, Schedule 1). Pure: no Flask, no database.

From 2024/25 a trade is taxed on the profits arising in the tax year. Two rules follow:

* **Transition profit spreading.** The extra profit brought into 2023/24 (the transition
  profit, after overlap relief) is taxed over five years, 2023/24 to 2027/28: each year 20%
  of it, or what is left if less. An election adds any further amount to a year
  (acceleration); later years then take 20% again until nothing is left. A trade that ceases
  takes everything left in the year it ceases. (ATT "Basis period reform FAQs" and HMRC's
  2026 note on the spreading rules, stored copies; "20% or what is left" is the reading of
  those pages, the Schedule's own wording NOT checked here.)
* **Apportionment.** The profit of an accounting period not ending on 5 April is shared
  between the tax years it overlaps by days (the Schedule also allows months or another
  reasonable measure used consistently; only days here). An accounting date of 31 March to
  4 April is treated as 5 April, so such a period is not apportioned.

Amounts are rounded down to the penny; the last share of a spread takes any remainder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from minimin.core.dates import TaxYear

FIRST_SPREAD_YEAR = 2023  # 2023/24
SPREAD_YEARS = 5
SPREAD_SHARE_PERCENT = 20
#: The most days each month has (February's 29th is an accounting date some keep).
DAYS_IN_MONTH = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}


@dataclass(frozen=True)
class SpreadYear:
    tax_year: TaxYear
    standard_pence: int
    accelerated_pence: int

    @property
    def taxed_pence(self) -> int:
        return self.standard_pence + self.accelerated_pence


def transition_spread(
    transition_profit_pence: int,
    accelerated: Mapping[int, int] | None = None,
    ceased_in: int | None = None,
) -> tuple[SpreadYear, ...]:
    """The transition profit taxed in each year 2023/24 to 2027/28 (keys and *ceased_in* are
    the years' start years). *accelerated*: the extra amount elected for a year."""
    if transition_profit_pence < 0:
        raise ValueError("a transition profit cannot be negative")
    extra = dict(accelerated or {})
    if any(v < 0 for v in extra.values()):
        raise ValueError("an accelerated amount cannot be negative")
    share = transition_profit_pence * SPREAD_SHARE_PERCENT // 100
    last = FIRST_SPREAD_YEAR + SPREAD_YEARS - 1
    left = transition_profit_pence
    out = []
    for year in range(FIRST_SPREAD_YEAR, last + 1):
        final = year in (last, ceased_in)
        standard = left if final else min(share, left)
        more = min(extra.get(year, 0), left - standard)
        left -= standard + more
        out.append(SpreadYear(TaxYear(year), standard, more))
        if final:
            break
    return tuple(out)


def _treated_end(end: date) -> date:
    """An accounting date of 31 March to 4 April counts as 5 April."""
    if (end.month, end.day) == (3, 31) or (end.month == 4 and end.day <= 4):
        return date(end.year, 4, 5)
    return end


def _treated_start(start: date) -> date:
    """The day after such a date (1 to 5 April) counts as 6 April."""
    if start.month == 4 and start.day <= 5:
        return date(start.year, 4, 6)
    return start


def apportion(start: date, end: date, profit_pence: int, tax_year: TaxYear) -> int:
    """The share of an accounting period's profit (*start* to *end*, both included) that
    falls in *tax_year*, by days."""
    if end < start:
        raise ValueError("the period ends before it starts")
    end = _treated_end(end)
    start = min(_treated_start(start), end)
    first = max(start, tax_year.start)
    last = min(end, tax_year.end)
    if last < first:
        return 0
    days = (end - start).days + 1
    overlap = (last - first).days + 1
    return profit_pence * overlap // days


def tax_year_profit(periods: list[tuple[date, date, int]], tax_year: TaxYear) -> int:
    """The tax year's trading profit from accounting periods (start, end, profit)."""
    return sum(apportion(start, end, profit, tax_year) for start, end, profit in periods)


def is_tax_year_end(month: int, day: int) -> bool:
    """An accounting date of 31 March to 5 April is the tax year's own end."""
    return (month, day) == (3, 31) or (month == 4 and day <= 5)


def _on(year: int, month: int, day: int) -> date:
    """*day* of *month* in *year*, or the month's last day (29 February in other years)."""
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def accounting_periods(tax_year: TaxYear, month: int, day: int) -> tuple[Period, Period]:
    """The two accounting periods a tax year overlaps with an accounting date of *day* /
    *month*: the one ending in the tax year and the one after it (each a year long)."""
    end = _on(tax_year.start_year, month, day)
    if end < tax_year.start:
        end = _on(tax_year.start_year + 1, month, day)
    start = _on(end.year - 1, month, day) + timedelta(days=1)
    later_end = _on(end.year + 1, month, day)
    return Period(start, end), Period(end + timedelta(days=1), later_end)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def days_in(self, tax_year: TaxYear) -> int:
        first = max(self.start, tax_year.start)
        last = min(self.end, tax_year.end)
        return max((last - first).days + 1, 0)


@dataclass(frozen=True)
class Apportioned:
    period: Period
    profit_pence: int
    days_in_year: int
    share_pence: int
    #: The period's capital allowances less balancing charges, taken off its profit before
    #: the share is worked out (negative: a net balancing charge, which adds to it).
    allowances_pence: int = 0

    @property
    def adjusted_pence(self) -> int:
        """The period's profit after capital allowances: what is shared by days."""
        return self.profit_pence - self.allowances_pence


def apportioned(
    tax_year: TaxYear,
    periods: list[tuple[Period, int]],
    allowances: list[int] | None = None,
) -> tuple[Apportioned, ...]:
    """Each period's profit (negative: a loss) and the share of it that falls in *tax_year*;
    with *allowances* (one figure a period), the share of the profit after them: capital
    allowances are a deduction of the period of account, so they come off before the profit
    is shared between tax years (CAA 2001 ss.6(1)(b), 247)."""
    nets = allowances if allowances is not None else [0] * len(periods)
    if len(nets) != len(periods):
        raise ValueError("one allowances figure a period")
    out = []
    for (period, profit), net in zip(periods, nets, strict=True):
        adjusted = profit - net
        share = apportion(period.start, period.end, abs(adjusted), tax_year)
        out.append(
            Apportioned(
                period,
                profit,
                period.days_in(tax_year),
                share if adjusted >= 0 else -share,
                net,
            )
        )
    return tuple(out)
