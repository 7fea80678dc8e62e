"""The ledger aggregates every report uses: income, expenses by SA103F box, mileage, profit,
income by client or agency, monthly series and what agencies owe.

Every figure is a sum of journal lines (:mod:`minimin.ledger`; docs/ledger.md is the posting
scheme), summed by the database (``GROUP BY``) through :mod:`.journal`: no report reads
invoices, payments, remittances or expenses for money, so every pound is counted once and the
work of a report grows with its period, not with the history. All amounts returned are integer
**pence in sterling**. The rules are documented in docs/reports.md; in short:

* **Turnover**: the credit of ``income:turnover:direct`` (invoiced work) and
  ``income:turnover:agency`` (work paid through agencies) on the basis asked for: on the cash
  basis payments received less refunds, net of their VAT share; on the accruals basis invoices
  issued less credit notes, and agency jobs done. Output VAT is the credit of
  ``liability:vat:output``.
* **Expenses**: the debits of ``expense:box:<n>`` (allowable, boxes 17-30) and
  ``expense:disallowable:<n>`` (boxes 32-45), mileage included in box 20 (the journeys'
  shares of each tax year's claim); the miles themselves come from the mileage log.
* **Income by counterparty**: turnover lines by the client or agency they name; **monthly**:
  by the lines' month; **what agencies owe**: the agency debtor accounts' balances.
* Lines in another currency were posted unconverted (no exchange rate recorded): they are
  reported apart in ``unconverted`` rather than guessed.

The statements are split by kind, one module each: :mod:`.periods` (bases, the period check),
:mod:`.journal` (the sums of journal lines), :mod:`.turnover` (income), :mod:`.expense_boxes`
(expenses by SA103F box), :mod:`.mileage`, :mod:`.profit_and_loss`, :mod:`.counterparties`
(income by client or agency), :mod:`.monthly` (the monthly series), :mod:`.overview` (profit,
months and counterparties from one read of the period's lines, for the dashboard) and
:mod:`.debtors` (what agencies owe); :mod:`.sql` holds SQL helpers. This package re-exports
their public names, so reports use one ``ledger`` as before.
"""

from __future__ import annotations

from minimin.reports.ledger.counterparties import Counterparty, income_by_counterparty
from minimin.reports.ledger.debtors import AgencyBalance, AgencyPosition, agency_position
from minimin.reports.ledger.expense_boxes import (
    BAD_DEBTS_BOX,
    BoxLine,
    ExpenseSummary,
    box_labels,
    expenses_by_box,
)
from minimin.reports.ledger.mileage import (
    MILEAGE_BOX,
    MileageClaim,
    mileage_between,
    mileage_claim,
)
from minimin.reports.ledger.monthly import MonthPoint, monthly_series
from minimin.reports.ledger.overview import Overview, overview
from minimin.reports.ledger.periods import (
    ACCRUALS,
    BASES,
    CASH,
    GBP,
    MAX_RANGE_DAYS,
    PeriodError,
    check_period,
)
from minimin.reports.ledger.profit_and_loss import ProfitAndLoss, profit
from minimin.reports.ledger.turnover import EARNED_JOB_STATUSES, IncomeSummary, income

__all__ = [
    "ACCRUALS",
    "BAD_DEBTS_BOX",
    "BASES",
    "CASH",
    "EARNED_JOB_STATUSES",
    "GBP",
    "MAX_RANGE_DAYS",
    "MILEAGE_BOX",
    "AgencyBalance",
    "AgencyPosition",
    "BoxLine",
    "Counterparty",
    "ExpenseSummary",
    "IncomeSummary",
    "MileageClaim",
    "MonthPoint",
    "Overview",
    "PeriodError",
    "ProfitAndLoss",
    "agency_position",
    "box_labels",
    "check_period",
    "expenses_by_box",
    "income",
    "income_by_counterparty",
    "mileage_between",
    "mileage_claim",
    "monthly_series",
    "overview",
    "profit",
]
