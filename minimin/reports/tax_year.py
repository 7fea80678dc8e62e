"""The tax-year report's figures: profit from the journal and the trading allowance beside it.

Read by the report page, the estimate, the accountant export and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minimin.core.dates import TaxYear
from minimin.reports import ledger, tax_tables


@dataclass(frozen=True)
class TaxYearReport:
    tax_year: TaxYear
    pnl: ledger.ProfitAndLoss
    table: tax_tables.TaxTable | None

    @property
    def trading_allowance_pence(self) -> int | None:
        return self.table.trading_allowance_pence if self.table else None

    @property
    def actual_deductions_pence(self) -> int:
        """Allowable expenses plus capital allowances: what the trading allowance replaces."""
        return self.pnl.allowable_expenses_pence + self.pnl.capital_allowances_pence

    @property
    def allowance_is_better(self) -> bool | None:
        if self.trading_allowance_pence is None:
            return None
        return self.trading_allowance_pence > self.actual_deductions_pence

    @property
    def below_allowance(self) -> bool:
        """Gross income of £1,000 or less need not be declared."""
        return (
            self.trading_allowance_pence is not None
            and self.pnl.total_income_pence <= self.trading_allowance_pence
        )

    @property
    def profit_with_allowance_pence(self) -> int | None:
        if self.trading_allowance_pence is None:
            return None
        return max(self.pnl.total_income_pence - self.trading_allowance_pence, 0)

    @property
    def best_taxable_profit_pence(self) -> int:
        if self.allowance_is_better:
            return self.profit_with_allowance_pence or 0
        return self.pnl.taxable_profit_pence


def tax_year_report(
    user_id: Any,
    tax_year: TaxYear,
    basis: str = ledger.CASH,
    *,
    other_income_pence: int = 0,
    capital_allowances_pence: int = 0,
) -> TaxYearReport:
    """The tax-year report's figures (also used by the estimate and the accountant export)."""
    pnl = ledger.profit(
        user_id,
        tax_year.start,
        tax_year.end,
        basis,
        other_income_pence=other_income_pence,
        capital_allowances_pence=capital_allowances_pence,
    )
    try:
        table: tax_tables.TaxTable | None = tax_tables.table_for(tax_year)
    except tax_tables.UnknownTaxYear:
        table = None
    return TaxYearReport(tax_year, pnl, table)
