"""The ledger aggregates every report uses: income, expenses by SA103F box, mileage, profit,
income by client or agency and monthly series.

Every figure is summed by the database (``GROUP BY``); Python only converts a handful of group
totals. All amounts returned are integer **pence in sterling**. The rules are documented in
docs/reports.md; in short:

* **Direct income, cash basis**: invoice payments received in the period, less the VAT share of
  each payment (``payment × invoice VAT ÷ invoice total``, half-up per payment), so a
  VAT-registered user's turnover excludes VAT and everybody else's is the whole payment.
* **Direct income, accruals basis**: the net (VAT-exclusive) total of invoices issued in the
  period (not drafts, not void) less the net total of credit notes issued in the period.
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
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import FunctionType
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.contacts.models import Agency, Client
from minimin.core.dates import TaxYear
from minimin.expenses import categories
from minimin.expenses.mileage import CAR_VAN, MOTORCYCLE, claim_for_totals, to_pence
from minimin.expenses.models import Expense, Journey
from minimin.extensions import db
from minimin.invoices.models import DRAFT, VOID, CreditNote, Invoice, Payment
from minimin.jobs import models as job_models
from minimin.jobs.models import Job
from minimin.remittances.models import AgencyIncome

CASH = "cash"
ACCRUALS = "accruals"
BASES = (CASH, ACCRUALS)
GBP = "GBP"
#: The longest range a report accepts (a little over 20 years of history).
MAX_RANGE_DAYS = 366 * 21

#: Agency jobs that count as earned on the accruals basis.
EARNED_JOB_STATUSES = (job_models.COMPLETED, job_models.INVOICED, job_models.PAID)
BAD_DEBTS_BOX = 27
MILEAGE_BOX = 20


class PeriodError(ValueError):
    """A period that makes no sense; ``message`` is translatable."""

    def __init__(self, message: Any, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


def check_period(start: date, end: date, basis: str = CASH) -> None:
    """Raise :class:`PeriodError` for an end before the start, an absurd range or an unknown
    basis."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise PeriodError(_l("Enter a start date and an end date."), "missing")
    if end < start:
        raise PeriodError(_l("The end date is before the start date."), "end_before_start")
    if (end - start).days > MAX_RANGE_DAYS:
        raise PeriodError(_l("Choose a period of at most 21 years."), "too_long")
    if basis not in BASES:
        raise PeriodError(_l("Choose the cash basis or the accruals basis."), "basis")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class IncomeSummary:
    """Turnover of a period, in sterling pence, VAT excluded."""

    start: date
    end: date
    basis: str
    direct_pence: int = 0
    agency_pence: int = 0
    #: Output VAT on the income (invoices' VAT share, VAT on agency fees): for information.
    output_vat_pence: int = 0
    #: Amounts left out because no exchange rate is recorded: {currency: minor units}.
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def total_pence(self) -> int:
        return self.direct_pence + self.agency_pence


@dataclass(frozen=True)
class BoxLine:
    """One SA103F expense box: allowable (boxes 17-30) and disallowable (boxes 32-45) parts."""

    box: int
    label: Any
    allowable_pence: int = 0
    disallowable_pence: int = 0
    count: int = 0

    @property
    def total_pence(self) -> int:
        return self.allowable_pence + self.disallowable_pence

    @property
    def disallowable_box(self) -> int:
        return self.box + 15


@dataclass(frozen=True)
class ExpenseSummary:
    start: date
    end: date
    basis: str
    boxes: tuple[BoxLine, ...]
    mileage_pence: int = 0
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def allowable_pence(self) -> int:
        """SA103F box 31: total allowable expenses (mileage included in box 20)."""
        return sum(b.allowable_pence for b in self.boxes)

    @property
    def disallowable_pence(self) -> int:
        """SA103F box 46: total disallowable expenses."""
        return sum(b.disallowable_pence for b in self.boxes)

    @property
    def total_pence(self) -> int:
        return self.allowable_pence + self.disallowable_pence

    def box(self, number: int) -> BoxLine:
        for line in self.boxes:
            if line.box == number:
                return line
        raise KeyError(number)


@dataclass(frozen=True)
class MileageClaim:
    start: date
    end: date
    car_miles: Decimal = Decimal(0)
    motorcycle_miles: Decimal = Decimal(0)
    journeys: int = 0
    claim_pence: int = 0


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


@dataclass(frozen=True)
class Counterparty:
    kind: str  # "client", "agency" or "other"
    id: uuid.UUID | None
    name: str
    direct_pence: int = 0
    agency_pence: int = 0

    @property
    def total_pence(self) -> int:
        return self.direct_pence + self.agency_pence


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


# --------------------------------------------------------------------------- helpers


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _to_gbp(amount: Any, currency: str, rate: Any) -> int | None:
    """Sterling pence of a group total, or ``None`` when no rate is known."""
    amount = Decimal(amount or 0)
    if currency == GBP:
        return _half_up(amount)
    if rate is None or Decimal(rate) <= 0:
        return None
    return _half_up(amount / Decimal(rate))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _vat_share(amount: Any, vat: Any, total: Any) -> Any:
    """SQL: ``round_half_up(amount × vat ÷ total)`` in integers, 0 when the total is 0."""
    if _dialect() == "postgresql":
        numerator = sa.cast(amount, sa.Numeric) * 2 * vat + total
        share = sa.func.div(numerator, sa.cast(total, sa.Numeric) * 2)
    else:
        share = (amount * 2 * vat + total) // (total * 2)
    return sa.case((total > 0, share), else_=0)


def _apply(keys: list[Any], column: Any) -> list[Any]:
    """Grouping keys: a plain function is applied to the query's date *column* (month keys);
    anything else is a column used as it is."""
    return [k(column) if isinstance(k, FunctionType) else k for k in keys]


def _rows(statement: Any) -> list[Any]:
    return list(db.session.execute(statement))


# --------------------------------------------------------------------------- income queries
# Each query returns rows of (currency, rate, amount, vat, *keys).


def _direct_income_queries(
    user_id: uuid.UUID, start: date, end: date, basis: str, keys: list[Any]
) -> list[Any]:
    """Statements returning (currency, rate, income, vat, *keys)."""
    if basis == CASH:
        vat = _vat_share(Payment.amount_pence, Invoice.vat_pence, Invoice.total_pence)
        key_cols = _apply(keys, Payment.paid_on)
        statement = (
            sa.select(
                Invoice.currency,
                Invoice.exchange_rate,
                sa.func.sum(Payment.amount_pence - vat),
                sa.func.sum(vat),
                *key_cols,
            )
            .select_from(Payment)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(
                Payment.user_id == user_id,
                Payment.paid_on >= start,
                Payment.paid_on <= end,
                Invoice.user_id == user_id,
            )
            .group_by(Invoice.currency, Invoice.exchange_rate, *key_cols)
        )
        return [statement]
    issued_keys = _apply(keys, Invoice.issue_date)
    issued = (
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            sa.func.sum(Invoice.net_pence),
            sa.func.sum(sa.func.coalesce(Invoice.vat_gbp_pence, Invoice.vat_pence)),
            *issued_keys,
        )
        .where(
            Invoice.user_id == user_id,
            Invoice.issue_date >= start,
            Invoice.issue_date <= end,
            Invoice.status.notin_((DRAFT, VOID)),
        )
        .group_by(Invoice.currency, Invoice.exchange_rate, *issued_keys)
    )
    credit_keys = _apply(keys, CreditNote.issue_date)
    credited = (
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            -sa.func.sum(CreditNote.net_pence),
            -sa.func.sum(sa.func.coalesce(CreditNote.vat_gbp_pence, CreditNote.vat_pence)),
            *credit_keys,
        )
        .select_from(CreditNote)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(
            CreditNote.user_id == user_id,
            CreditNote.issue_date >= start,
            CreditNote.issue_date <= end,
            Invoice.user_id == user_id,
            Invoice.status != VOID,
        )
        .group_by(Invoice.currency, Invoice.exchange_rate, *credit_keys)
    )
    return [issued, credited]


def _agency_income_queries(
    user_id: uuid.UUID, start: date, end: date, basis: str, keys: list[Any]
) -> list[Any]:
    """Statements returning (currency, rate=None, income, vat, *keys)."""
    received_keys = _apply(keys, AgencyIncome.received_on)
    received = sa.select(
        AgencyIncome.currency,
        sa.null(),
        sa.func.sum(AgencyIncome.income_pence),
        sa.func.sum(AgencyIncome.output_vat_pence),
        *received_keys,
    ).where(
        AgencyIncome.user_id == user_id,
        AgencyIncome.received_on >= start,
        AgencyIncome.received_on <= end,
    )
    if basis == CASH:
        return [received.group_by(AgencyIncome.currency, *received_keys)]
    # Accruals: remittance lines without a job (nothing else dates them) ...
    unlinked = received.where(AgencyIncome.job_id.is_(None)).group_by(
        AgencyIncome.currency, *received_keys
    )
    # ... and agency jobs completed in the period that no invoice covers.
    done_on = sa.func.coalesce(Job.ends_on, Job.starts_on)
    job_keys = _apply(keys, done_on)
    jobs = (
        sa.select(
            Job.currency,
            sa.null(),
            sa.func.sum(sa.func.coalesce(Job.gross_pence, 0)),
            sa.literal(0),
            *job_keys,
        )
        .where(
            Job.user_id == user_id,
            Job.agency_id.is_not(None),
            Job.invoice_id.is_(None),
            Job.status.in_(EARNED_JOB_STATUSES),
            done_on >= start,
            done_on <= end,
        )
        .group_by(Job.currency, *job_keys)
    )
    return [unlinked, jobs]


def _collect(
    statements: Iterable[Any], unconverted: dict[str, int]
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Run *statements*; sum (income, vat) in sterling per key tuple."""
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for statement in statements:
        for row in _rows(statement):
            currency, rate, amount, vat, *keys = row
            income = _to_gbp(amount, currency, rate)
            if income is None:
                unconverted[currency] = unconverted.get(currency, 0) + int(amount or 0)
                continue
            slot = totals[tuple(keys)]
            slot[0] += income
            slot[1] += _to_gbp(vat, currency, rate) or 0
    return {k: (v[0], v[1]) for k, v in totals.items()}


# --------------------------------------------------------------------------- public API


def income(user_id: uuid.UUID, start: date, end: date, basis: str = CASH) -> IncomeSummary:
    """Turnover from *start* to *end* inclusive, split into direct and agency income."""
    check_period(start, end, basis)
    unconverted: dict[str, int] = {}
    direct = _collect(_direct_income_queries(user_id, start, end, basis, []), unconverted)
    agency = _collect(_agency_income_queries(user_id, start, end, basis, []), unconverted)
    d_income, d_vat = direct.get((), (0, 0))
    a_income, a_vat = agency.get((), (0, 0))
    return IncomeSummary(
        start=start,
        end=end,
        basis=basis,
        direct_pence=d_income,
        agency_pence=a_income,
        output_vat_pence=d_vat + a_vat,
        unconverted=unconverted,
    )


def _expense_rows(user_id: uuid.UUID, start: date, end: date, keys: list[Any]) -> list[Any]:
    key_cols = _apply(keys, Expense.date)
    return _rows(
        sa.select(
            Expense.category,
            Expense.currency,
            sa.func.sum(Expense.allowable_pence),
            sa.func.sum(Expense.business_pence),
            sa.func.count(),
            *key_cols,
        )
        .where(Expense.user_id == user_id, Expense.date >= start, Expense.date <= end)
        .group_by(Expense.category, Expense.currency, *key_cols)
    )


def _split(category: str, allowable: int, business: int, basis: str) -> tuple[int, int]:
    """(allowable, disallowable) of a category total under *basis*."""
    box = categories.get(category).box
    if basis == CASH and box == BAD_DEBTS_BOX:
        return 0, business
    return allowable, business - allowable


def box_labels() -> dict[int, Any]:
    """SA103F box number → label (the first category of each box names it)."""
    labels: dict[int, Any] = {}
    for category in categories.CATEGORIES:
        if category.box not in labels and category.code != "entertainment":
            labels[category.box] = category.label
    labels[24] = _l("Advertising and business entertainment")
    labels[30] = _l("Other business expenses")
    return labels


def expenses_by_box(
    user_id: uuid.UUID,
    start: date,
    end: date,
    basis: str = CASH,
    *,
    include_mileage: bool = True,
) -> ExpenseSummary:
    """Expenses dated *start*..*end* in SA103F boxes 17-30, each with its allowable and
    disallowable parts; the mileage claim for the period is added to box 20 when
    *include_mileage*."""
    check_period(start, end, basis)
    allowed: dict[int, int] = defaultdict(int)
    refused: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    unconverted: dict[str, int] = {}
    for category, currency, allowable, business, count in _expense_rows(user_id, start, end, []):
        if currency != GBP:
            unconverted[currency] = unconverted.get(currency, 0) + int(business or 0)
            continue
        box = categories.get(category).box
        ok, no = _split(category, int(allowable or 0), int(business or 0), basis)
        allowed[box] += ok
        refused[box] += no
        counts[box] += int(count)
    mileage = 0
    if include_mileage:
        claim = mileage_between(user_id, start, end)
        mileage = claim.claim_pence
        allowed[MILEAGE_BOX] += mileage
        counts[MILEAGE_BOX] += claim.journeys
    labels = box_labels()
    boxes = tuple(
        BoxLine(box, labels[box], allowed[box], refused[box], counts[box])
        for box in categories.BOXES
    )
    return ExpenseSummary(start, end, basis, boxes, mileage, unconverted)


def _miles(user_id: uuid.UUID, start: date, end: date) -> tuple[Decimal, Decimal, int]:
    """(car/van miles, motorcycle miles, journeys) dated *start*..*end*."""
    car = moto = Decimal(0)
    journeys = 0
    rows = _rows(
        sa.select(Journey.vehicle, sa.func.sum(Journey.miles), sa.func.count())
        .where(Journey.user_id == user_id, Journey.date >= start, Journey.date <= end)
        .group_by(Journey.vehicle)
    )
    for vehicle, miles, count in rows:
        value = Decimal(str(miles or 0)).quantize(Decimal("0.1"))
        if vehicle == MOTORCYCLE:
            moto += value
        elif vehicle == CAR_VAN:
            car += value
        journeys += int(count)
    return car, moto, journeys


def mileage_claim(user_id: uuid.UUID, tax_year: TaxYear) -> MileageClaim:
    """The simplified-expenses mileage claim for *tax_year* (45p/25p cars and vans, 24p
    motorcycles), from SQL totals: equals the per-journey valuation of the expenses feature."""
    car, moto, journeys = _miles(user_id, tax_year.start, tax_year.end)
    claim = claim_for_totals(tax_year, car, moto)
    return MileageClaim(tax_year.start, tax_year.end, car, moto, journeys, to_pence(claim))


def mileage_between(user_id: uuid.UUID, start: date, end: date) -> MileageClaim:
    """The mileage claim for journeys dated *start*..*end*; within each tax year the
    threshold counts the miles driven earlier in that tax year."""
    check_period(start, end)
    car_total = moto_total = Decimal(0)
    journeys = 0
    claim = Decimal(0)
    year = TaxYear.containing(start)
    while year.start <= end:
        first, last = max(start, year.start), min(end, year.end)
        car, moto, count = _miles(user_id, first, last)
        if count:
            before_car = Decimal(0)
            if first > year.start:
                before_car = _miles(user_id, year.start, first - timedelta(days=1))[0]
            claim += claim_for_totals(year, before_car + car, moto) - claim_for_totals(
                year, before_car, Decimal(0)
            )
            car_total += car
            moto_total += moto
            journeys += count
        year = year.next
    return MileageClaim(start, end, car_total, moto_total, journeys, to_pence(claim))


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
    expenses (mileage included); capital allowances are kept apart (taxable profit)."""
    check_period(start, end, basis)
    return ProfitAndLoss(
        start=start,
        end=end,
        basis=basis,
        income=income(user_id, start, end, basis),
        expenses=expenses_by_box(user_id, start, end, basis),
        other_income_pence=other_income_pence,
        capital_allowances_pence=capital_allowances_pence,
    )


def income_by_counterparty(
    user_id: uuid.UUID, start: date, end: date, basis: str = CASH
) -> list[Counterparty]:
    """Income of the period per client and per agency, largest first. Invoices addressed to
    neither a client nor an agency record are grouped under their customer name."""
    check_period(start, end, basis)
    direct_keys = [Invoice.client_id, Invoice.agency_id]
    direct = _collect(_direct_income_queries(user_id, start, end, basis, direct_keys), {})
    # Agency income: by the remittance's agency (cash) or the job's agency (accruals).
    agency: dict[Any, int] = defaultdict(int)
    for key, (amount, _vat) in _collect(_agency_by_agency(user_id, start, end, basis), {}).items():
        agency[key[0]] += amount
    loose_names = _loose_invoice_names(user_id, start, end, basis)
    client_ids = {k[0] for k in direct if k[0]}
    agency_ids = {k[1] for k in direct if k[1]} | {k for k in agency if k}
    clients = dict(
        _rows(sa.select(Client.id, Client.name).where(Client.id.in_(client_ids)))
        if client_ids
        else []
    )
    agencies = dict(
        _rows(sa.select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)))
        if agency_ids
        else []
    )
    result: dict[tuple[str, Any], list[int]] = defaultdict(lambda: [0, 0])
    for (client_id, agency_id), (amount, _vat) in direct.items():
        if client_id:
            result[("client", client_id)][0] += amount
        elif agency_id:
            result[("agency", agency_id)][0] += amount
    for name, amount in loose_names.items():
        result[("other", name)][0] += amount
    for agency_id, amount in agency.items():
        result[("agency", agency_id)][1] += amount
    out = []
    for (kind, key), (direct_pence, agency_pence) in result.items():
        if kind == "client":
            name = clients.get(key, "")
        elif kind == "agency":
            name = agencies.get(key, "") if key else str(_l("Agency not recorded"))
        else:
            name = key or str(_l("Customer not recorded"))
        out.append(
            Counterparty(
                kind,
                key if kind != "other" else None,
                name,
                direct_pence,
                agency_pence,
            )
        )
    out.sort(key=lambda c: (-c.total_pence, c.name.casefold()))
    return [c for c in out if c.total_pence or c.direct_pence or c.agency_pence]


def _agency_by_agency(user_id: uuid.UUID, start: date, end: date, basis: str) -> list[Any]:
    if basis == CASH:
        return _agency_income_queries(user_id, start, end, basis, [AgencyIncome.agency_id])
    unlinked = _agency_income_queries(user_id, start, end, basis, [AgencyIncome.agency_id])[0]
    jobs = _agency_income_queries(user_id, start, end, basis, [Job.agency_id])[1]
    return [unlinked, jobs]


def _loose_invoice_names(user_id: uuid.UUID, start: date, end: date, basis: str) -> dict[str, int]:
    """Direct income from invoices with neither a client nor an agency record, by name."""
    totals: dict[str, int] = defaultdict(int)
    keys = [Invoice.customer_name]
    for statement in _direct_income_queries(user_id, start, end, basis, keys):
        statement = statement.where(Invoice.client_id.is_(None), Invoice.agency_id.is_(None))
        for currency, rate, amount, _vat, name in _rows(statement):
            value = _to_gbp(amount, currency, rate)
            if value is not None:
                totals[name or ""] += value
    return dict(totals)


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


def _year_key(column: Any) -> Any:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _month_key(column: Any) -> Any:
    return sa.cast(sa.extract("month", column), sa.Integer)


def _mileage_by_month(user_id: uuid.UUID, start: date, end: date) -> list[tuple[int, int, int]]:
    """(year, month, claim pence) for each month with journeys. The threshold runs per tax
    year (1-5 April belong to the previous one), counting miles driven in the tax year before
    *start*; monthly figures are differences of the rounded running claim, so they add up to
    the period's claim exactly."""
    day = sa.extract("day", Journey.date)
    early = sa.case((sa.and_(_month_key(Journey.date) == 4, day < 6), 1), else_=0)  # 1-5 April
    rows = _rows(
        sa.select(
            _year_key(Journey.date),
            _month_key(Journey.date),
            early,
            Journey.vehicle,
            sa.func.sum(Journey.miles),
        )
        .where(Journey.user_id == user_id, Journey.date >= start, Journey.date <= end)
        .group_by(_year_key(Journey.date), _month_key(Journey.date), early, Journey.vehicle)
    )
    if not rows:
        return []
    buckets: dict[tuple[int, int, int], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)]
    )
    for year, month, is_early, vehicle, miles in rows:
        value = Decimal(str(miles or 0)).quantize(Decimal("0.1"))
        # order key: the early part of April sorts before the rest of April
        buckets[(int(year), int(month), 0 if is_early else 1)][0 if vehicle == CAR_VAN else 1] += (
            value
        )
    first_year = TaxYear.containing(start)
    car_before = Decimal(0)
    if start > first_year.start:
        car_before = _miles(user_id, first_year.start, start - timedelta(days=1))[0]
    running_year = first_year
    car_so_far = car_before
    exact = Decimal(0)
    pence_so_far = 0
    monthly: dict[tuple[int, int], int] = defaultdict(int)
    for year, month, late in sorted(buckets):
        tax_year = TaxYear(year if (month > 4 or (month == 4 and late)) else year - 1)
        if tax_year != running_year:
            running_year, car_so_far = tax_year, Decimal(0)
        car, moto = buckets[(year, month, late)]
        exact += claim_for_totals(tax_year, car_so_far + car, moto) - claim_for_totals(
            tax_year, car_so_far, Decimal(0)
        )
        car_so_far += car
        rounded = to_pence(exact)
        monthly[(year, month)] += rounded - pence_so_far
        pence_so_far = rounded
    return [(y, m, p) for (y, m), p in sorted(monthly.items())]
