"""Profit and loss of a period: turnover plus other business income, less allowable expenses
(mileage included); capital allowances kept apart for the taxable profit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from minimin.ledger import accounts
from minimin.reports.ledger import journal
from minimin.reports.ledger.expense_boxes import ExpenseSummary, expenses_from
from minimin.reports.ledger.kept import kept
from minimin.reports.ledger.mileage import mileage_of
from minimin.reports.ledger.periods import CASH, check_period
from minimin.reports.ledger.turnover import IncomeSummary, income_from, vat_of

#: The accounts a profit and loss reads: turnover, output VAT, every expense account.
FIGURES = (*journal.TURNOVER_ACCOUNTS, accounts.OUTPUT_VAT, *journal.EXPENSE_ACCOUNTS)


@dataclass(frozen=True)
class ProfitAndLoss:
    start: date
    end: date
    basis: str
    income: IncomeSummary
    expenses: ExpenseSummary
    other_income_pence: int = 0
    capital_allowances_pence: int = 0

    @property
    def turnover_pence(self) -> int:
        return self.income.total_pence

    @property
    def total_income_pence(self) -> int:
        return self.income.total_pence + self.other_income_pence

    @property
    def allowable_expenses_pence(self) -> int:
        return self.expenses.allowable_pence

    @property
    def net_profit_pence(self) -> int:
        """SA103F box 47/48: income less allowable expenses (negative is a loss)."""
        return self.total_income_pence - self.expenses.allowable_pence

    @property
    def taxable_profit_pence(self) -> int:
        """Net profit less capital allowances (before any trading allowance choice)."""
        return self.net_profit_pence - self.capital_allowances_pence

    @property
    def unconverted(self) -> dict[str, int]:
        merged: dict[str, int] = defaultdict(int)
        for source in (self.income.unconverted, self.expenses.unconverted):
            for currency, amount in source.items():
                merged[currency] += amount
        return dict(merged)


def profit(
    user_id: uuid.UUID,
    start: date,
    end: date,
    basis: str = CASH,
    *,
    other_income_pence: int = 0,
    capital_allowances_pence: int = 0,
) -> ProfitAndLoss:
    """Profit and loss of *start*..*end*: turnover + other business income − allowable
    expenses (mileage included); capital allowances are kept apart (taxable profit). Kept
    until the journal changes (:mod:`.kept`)."""
    check_period(start, end, basis)
    return kept(
        user_id,
        ("profit", start, end, basis, other_income_pence, capital_allowances_pence),
        lambda: _profit(user_id, start, end, basis, other_income_pence, capital_allowances_pence),
    )


def _profit(
    user_id: uuid.UUID,
    start: date,
    end: date,
    basis: str,
    other_income_pence: int,
    capital_allowances_pence: int,
) -> ProfitAndLoss:
    # One read for the income, the output VAT, the expenses and the mileage claim.
    rows = journal.period_rows(user_id, start, end, basis, codes=FIGURES)
    turnover = journal.sums_of(rows, journal.TURNOVER_ACCOUNTS, sign=-1)
    spent = journal.sums_of(rows, journal.EXPENSE_ACCOUNTS)
    return ProfitAndLoss(
        start=start,
        end=end,
        basis=basis,
        income=income_from(start, end, basis, turnover, vat_of(rows)),
        expenses=expenses_from(start, end, basis, spent, mileage_of(rows)),
        other_income_pence=other_income_pence,
        capital_allowances_pence=capital_allowances_pence,
    )
