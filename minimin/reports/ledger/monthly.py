"""The monthly series (for charts): income and allowable expenses per calendar month, every
month of the range present, mileage counted in the month of the journeys."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from minimin.reports.ledger.expense_boxes import _expense_rows, _split
from minimin.reports.ledger.mileage import _mileage_by_month
from minimin.reports.ledger.periods import CASH, GBP, check_period
from minimin.reports.ledger.sql import _month_key, _year_key
from minimin.reports.ledger.turnover import _agency_income_queries, _collect, _direct_income_queries


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


def monthly_series(
    user_id: uuid.UUID, start: date, end: date, basis: str = CASH
) -> list[MonthPoint]:
    """Income and allowable expenses per calendar month from *start* to *end* (every month
    present, zero when empty). Mileage is counted in the month of the journeys."""
    check_period(start, end, basis)
    income_by_month: dict[tuple[int, int], int] = defaultdict(int)
    income_statements = _direct_income_queries(
        user_id, start, end, basis, [_year_key, _month_key]
    ) + _agency_income_queries(user_id, start, end, basis, [_year_key, _month_key])
    for (year, month), (amount, _vat) in _collect(income_statements, {}).items():
        income_by_month[(int(year), int(month))] += amount
    expense_by_month: dict[tuple[int, int], int] = defaultdict(int)
    for category, currency, allowable, business, _count, year, month in _expense_rows(
        user_id, start, end, [_year_key, _month_key]
    ):
        if currency != GBP:
            continue
        ok, _no = _split(category, int(allowable or 0), int(business or 0), basis)
        expense_by_month[(int(year), int(month))] += ok
    for year, month, pence in _mileage_by_month(user_id, start, end):
        expense_by_month[(year, month)] += pence
    points = []
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        key = (cursor.year, cursor.month)
        points.append(
            MonthPoint(cursor.year, cursor.month, income_by_month[key], expense_by_month[key])
        )
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return points
