"""The ledger aggregates every report uses: income, expenses by SA103F box, mileage, profit,
income by client or agency and monthly series.

Every figure is summed by the database (``GROUP BY``); Python only converts a handful of group
totals. All amounts returned are integer **pence in sterling**. The rules are documented in
docs/reports.md; in short:

* **Direct income, cash basis**: invoice payments received in the period, less the VAT share of
  each payment (``payment × invoice VAT ÷ invoice total``, half-up per payment), so a
  VAT-registered user's turnover excludes VAT and everybody else's is the whole payment;
  less refunds paid back to customers in the period, each less its VAT share (the VAT
  fraction of the credit note it refunds), on the day the money went back.
* **Direct income, accruals basis**: the net (VAT-exclusive) total of invoices issued in the
  period (not drafts; void only when credit notes voided it, see
  :func:`.turnover.counts_as_issued`) less the net total of credit notes issued in the
  period. Refunds move money, not income: the credit note already took the income off.
* **Agency income, cash basis**: the gross fee plus expenses reimbursed from posted remittances
  (``AgencyIncome.income_pence``) on the day the money arrived. The commission is an expense.
* **Agency income, accruals basis**: the gross fee of agency jobs completed in the period that
  were not invoiced with an invoice (those count through the invoice), plus posted remittance
  lines that name no job (dated by receipt).
* **Expenses**: the business share (``business_pence``) of expenses dated in the period, split
  into the allowable part and the disallowable rest, by the category's SA103F box. On the cash
  basis irrecoverable debts (box 27) are not allowable: unpaid income was never counted.
* **Mileage**: the simplified-expenses claim for journeys in the period (box 20, allowable).
  The 10,000-mile threshold runs per tax year, so a range that starts mid-year is valued as the
  claim to its end less the claim before its start.
* Amounts in another currency are converted at the invoice's recorded exchange rate (units per
  £1, half-up per group of identical rates); expenses and remittances in another currency have
  no rate recorded and are reported apart in ``unconverted`` rather than guessed.

The statements are split by kind, one module each: :mod:`.periods` (bases, the period check),
:mod:`.turnover` (income), :mod:`.expense_boxes` (expenses by SA103F box), :mod:`.mileage`,
:mod:`.profit_and_loss`, :mod:`.counterparties` (income by client or agency) and
:mod:`.monthly` (the monthly series); :mod:`.sql` holds the SQL helpers they share. This
package re-exports their public names, so reports use one ``ledger`` as before.
"""

from __future__ import annotations

from minimin.reports.ledger.counterparties import Counterparty, income_by_counterparty
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
    "BoxLine",
    "Counterparty",
    "ExpenseSummary",
    "IncomeSummary",
    "MileageClaim",
    "MonthPoint",
    "PeriodError",
    "ProfitAndLoss",
    "box_labels",
    "check_period",
    "expenses_by_box",
    "income",
    "income_by_counterparty",
    "mileage_between",
    "mileage_claim",
    "monthly_series",
    "profit",
]
