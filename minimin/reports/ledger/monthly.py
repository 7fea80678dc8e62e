"""The monthly series (for charts): income and allowable expenses per calendar month, every
month of the range present, from the journal's turnover and allowable expense lines by month
(mileage in the month of the journeys, as each journey posts its share)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from minimin.reports.ledger import journal
from minimin.reports.ledger.periods import CASH, check_period


@dataclass(frozen=True)
class MonthPoint:
    year: int
    month: int
    income_pence: int = 0
    expenses_pence: int = 0

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def profit_pence(self) -> int:
        return self.income_pence - self.expenses_pence


def _by_month(found: journal.Sums) -> dict[tuple[int, int], int]:
    return {(int(year), int(month)): amount for (year, month), amount in found.gbp.items()}


def monthly_series(
    user_id: uuid.UUID, start: date, end: date, basis: str = CASH
) -> list[MonthPoint]:
    """Income and allowable expenses per calendar month from *start* to *end* (every month
    present, zero when empty)."""
    check_period(start, end, basis)
    codes = (*journal.TURNOVER_ACCOUNTS, *journal.ALLOWABLE_ACCOUNTS)
    rows = journal.period_rows(user_id, start, end, basis, codes=codes, by_month=True)
    months = ("year", "month")
    income = _by_month(journal.sums_of(rows, journal.TURNOVER_ACCOUNTS, keys=months, sign=-1))
    expenses = _by_month(journal.sums_of(rows, journal.ALLOWABLE_ACCOUNTS, keys=months))
    return series_from(start, end, income, expenses)


def series_from(
    start: date,
    end: date,
    income: dict[tuple[int, int], int],
    expenses: dict[tuple[int, int], int],
) -> list[MonthPoint]:
    """Every month from *start* to *end* with its income and expenses by (year, month)."""
    points = []
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        key = (cursor.year, cursor.month)
        points.append(
            MonthPoint(cursor.year, cursor.month, income.get(key, 0), expenses.get(key, 0))
        )
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return points
