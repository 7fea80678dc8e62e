"""Making Tax Digital for Income Tax (MTD ITSA): who must join, the quarterly periods and the
cumulative figures each quarterly update sends to HMRC.

Mandation (DOMAIN.md): qualifying income (gross self-employment turnover plus property income)
over £50,000 brings a sole trader in from 6 April 2026, over £30,000 from April 2027 and over
£20,000 from April 2028. HMRC judges each year on the return for the tax year two years before
(2024/25 income decides 2026/27). Minimin records no property income: the user is told so.

Quarterly updates are cumulative from 6 April to the end of the quarter, by SA103F category
(``periodExpenses``), or as one ``consolidatedExpenses`` figure when turnover is under £90,000
("three-line accounts"). The body follows HMRC's Self Employment Business API "Create or amend
cumulative period summary"; amounts are decimal pounds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from minimin.core.dates import Period, TaxYear, mtd_quarters
from minimin.reports import ledger

#: (first tax year, qualifying income threshold in pence), oldest first.
MTD_THRESHOLDS: tuple[tuple[int, int], ...] = (
    (2026, 5_000_000),
    (2027, 3_000_000),
    (2028, 2_000_000),
)
#: Turnover under which expenses may be sent as one consolidated figure.
CONSOLIDATED_LIMIT_PENCE = 9_000_000
#: How many tax years before the year of mandation the qualifying income is measured.
LOOKBACK_YEARS = 2

#: SA103F box -> (allowable field, disallowable field) of HMRC's periodic update.
HMRC_EXPENSE_FIELDS: dict[int, tuple[str, str]] = {
    17: ("costOfGoods", "costOfGoodsDisallowable"),
    18: ("paymentsToSubcontractors", "paymentsToSubcontractorsDisallowable"),
    19: ("wagesAndStaffCosts", "wagesAndStaffCostsDisallowable"),
    20: ("carVanTravelExpenses", "carVanTravelExpensesDisallowable"),
    21: ("premisesRunningCosts", "premisesRunningCostsDisallowable"),
    22: ("maintenanceCosts", "maintenanceCostsDisallowable"),
    23: ("adminCosts", "adminCostsDisallowable"),
    # Box 24: the allowable part is advertising; business entertainment is never allowable.
    24: ("advertisingCosts", "businessEntertainmentCostsDisallowable"),
    25: ("interestOnBankOtherLoans", "interestOnBankOtherLoansDisallowable"),
    26: ("financeCharges", "financeChargesDisallowable"),
    27: ("irrecoverableDebts", "irrecoverableDebtsDisallowable"),
    28: ("professionalFees", "professionalFeesDisallowable"),
    29: ("depreciation", "depreciationDisallowable"),
    30: ("otherExpenses", "otherExpensesDisallowable"),
}


def threshold_for(tax_year: TaxYear) -> int | None:
    """The qualifying-income threshold (pence) in force for *tax_year*, or None before MTD."""
    found = None
    for first, pence in MTD_THRESHOLDS:
        if tax_year.start_year >= first:
            found = pence
    return found


@dataclass(frozen=True)
class ScopeYear:
    tax_year: TaxYear
    threshold_pence: int | None
    measured_year: TaxYear
    qualifying_pence: int
    #: False when the measured year has not ended (the figure may still grow).
    measured_complete: bool

    @property
    def in_scope(self) -> bool:
        return self.threshold_pence is not None and self.qualifying_pence > self.threshold_pence


def scope_year(tax_year: TaxYear, qualifying_pence: int, today: dt.date) -> ScopeYear:
    measured = tax_year - LOOKBACK_YEARS
    return ScopeYear(
        tax_year,
        threshold_for(tax_year),
        measured,
        qualifying_pence,
        measured.end < today,
    )


def scope(user_id: uuid.UUID, today: dt.date, *, years: int = 3) -> list[ScopeYear]:
    """Whether the user must use MTD in the current and the next *years* - 1 tax years,
    from their gross turnover (cash basis) in the tax year two years before each."""
    current = TaxYear.containing(today)
    result = []
    for offset in range(years):
        year = current + offset
        measured = year - LOOKBACK_YEARS
        end = min(measured.end, today)
        turnover = 0
        if measured.start <= today:
            turnover = ledger.income(user_id, measured.start, end).total_pence
        result.append(scope_year(year, turnover, today))
    return result


# --------------------------------------------------------------------------- quarterly updates


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class QuarterUpdate:
    period: Period
    #: Cumulative from the start of the tax year.
    start: dt.date
    turnover_pence: int
    other_pence: int
    expenses: ledger.ExpenseSummary
    consolidated: bool

    @property
    def profit_pence(self) -> int:
        return self.turnover_pence + self.other_pence - self.expenses.allowable_pence

    def body(self) -> dict[str, Any]:
        return periodic_update_body(
            self.start,
            self.period.end,
            self.turnover_pence,
            self.other_pence,
            {b.box: (b.allowable_pence, b.disallowable_pence) for b in self.expenses.boxes},
            consolidated=self.consolidated,
        )


def periodic_update_body(
    start: dt.date,
    end: dt.date,
    turnover_pence: int,
    other_pence: int,
    boxes: dict[int, tuple[int, int]],
    *,
    consolidated: bool,
) -> dict[str, Any]:
    """HMRC's cumulative period summary body. Zero categories are left out, as HMRC's own
    examples do; with *consolidated* the allowable total is sent as ``consolidatedExpenses``
    (and disallowable amounts are not sent)."""
    body: dict[str, Any] = {
        "periodDates": {"periodStartDate": start.isoformat(), "periodEndDate": end.isoformat()},
        "periodIncome": {"turnover": _pounds(turnover_pence), "other": _pounds(other_pence)},
    }
    if consolidated:
        total = sum(allowable for allowable, _ in boxes.values())
        body["periodExpenses"] = {"consolidatedExpenses": _pounds(total)}
        return body
    expenses: dict[str, Decimal] = {}
    disallowable: dict[str, Decimal] = {}
    for box, (allowable, refused) in sorted(boxes.items()):
        fields = HMRC_EXPENSE_FIELDS.get(box)
        if fields is None:
            continue
        if allowable:
            expenses[fields[0]] = _pounds(allowable)
        if refused:
            disallowable[fields[1]] = _pounds(refused)
    body["periodExpenses"] = expenses
    if disallowable:
        body["periodDisallowableExpenses"] = disallowable
    return body


def quarterly_updates(
    user_id: uuid.UUID,
    tax_year: TaxYear,
    today: dt.date,
    *,
    calendar_quarters: bool = False,
) -> list[QuarterUpdate]:
    """The quarterly updates of *tax_year* that have started by *today*, each cumulative from
    the first day of the first period (cash basis)."""
    quarters = mtd_quarters(tax_year, calendar_quarters=calendar_quarters)
    first = quarters[0].start
    updates = []
    for period in quarters:
        if period.start > today:
            break
        end = min(period.end, today)
        income = ledger.income(user_id, first, end)
        expenses = ledger.expenses_by_box(user_id, first, end)
        consolidated = income.total_pence < CONSOLIDATED_LIMIT_PENCE
        updates.append(QuarterUpdate(period, first, income.total_pence, 0, expenses, consolidated))
    return updates


def json_text(value: Any, indent: int = 0) -> str:
    """JSON with Decimals written as exact numbers (HMRC expects numbers, not strings)."""
    import json

    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(k)}: {json_text(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value)
