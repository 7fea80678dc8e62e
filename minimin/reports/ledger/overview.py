"""A period at a glance (the dashboard's year so far): profit and loss, the monthly series and
income by counterparty, with the turnover and the expense lines each read once for the profit
and the months.

Each figure is the one its own statement gives (:func:`.profit`, :func:`.monthly_series`,
:func:`.income_by_counterparty`): turnover, output VAT and expenses are read once by account,
kind of document and month with the documents behind (:func:`.journal.period_rows`, from the
journal's kept totals), and the profit and the months add those sums up by their own keys
(:meth:`.journal.Sums.project`). Income by counterparty reads the turnover lines by
client and agency on its own: summed by client and month in one statement, a year of lines
came back as some 1,400 rows, dearer to turn into Python than a second index-only scan
(about 2 ms on PostgreSQL).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from minimin.reports.ledger import journal
from minimin.reports.ledger.counterparties import Counterparty, income_by_counterparty
from minimin.reports.ledger.expense_boxes import expenses_from
from minimin.reports.ledger.kept import CONTACTS, INVOICES, kept
from minimin.reports.ledger.mileage import mileage_of
from minimin.reports.ledger.monthly import MonthPoint, series_from
from minimin.reports.ledger.periods import CASH, check_period
from minimin.reports.ledger.profit_and_loss import FIGURES, ProfitAndLoss
from minimin.reports.ledger.turnover import income_from, vat_of

#: Positions of the keys of the sums by month: (account, year, month).
ACCOUNT, YEAR, MONTH = range(3)


@dataclass(frozen=True)
class Overview:
    pnl: ProfitAndLoss
    months: list[MonthPoint]
    counterparties: list[Counterparty]


def _by_month(found: journal.Sums) -> dict[tuple[int, int], int]:
    return {(int(y), int(m)): amount for (y, m), amount in found.project(YEAR, MONTH).gbp.items()}


def overview(user_id: uuid.UUID, start: date, end: date, basis: str = CASH) -> Overview:
    """Profit and loss (mileage included), income and allowable expenses by month and income
    by client and agency of *start*..*end* on *basis* (kept until the journal or the names
    change: :mod:`.kept`)."""
    check_period(start, end, basis)
    return kept(
        user_id,
        ("overview", start, end, basis),
        lambda: _overview(user_id, start, end, basis),
        also=[CONTACTS, INVOICES],
    )


def _overview(user_id: uuid.UUID, start: date, end: date, basis: str) -> Overview:
    # One read of the period's turnover, output VAT and expenses by account, kind and month.
    rows = journal.period_rows(user_id, start, end, basis, codes=FIGURES, by_month=True)
    by_month = ("account", "year", "month")
    turnover = journal.sums_of(rows, journal.TURNOVER_ACCOUNTS, keys=by_month, sign=-1)
    spent = journal.sums_of(rows, journal.EXPENSE_ACCOUNTS, keys=by_month)
    allowable = journal.Sums(
        {k: v for k, v in spent.gbp.items() if k[ACCOUNT] in journal.ALLOWABLE_ACCOUNTS}
    )
    pnl = ProfitAndLoss(
        start=start,
        end=end,
        basis=basis,
        income=income_from(start, end, basis, turnover.project(ACCOUNT), vat_of(rows)),
        expenses=expenses_from(start, end, basis, spent.project(ACCOUNT), mileage_of(rows)),
    )
    return Overview(
        pnl,
        series_from(start, end, _by_month(turnover), _by_month(allowable)),
        income_by_counterparty(user_id, start, end, basis),
    )
