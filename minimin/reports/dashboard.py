"""The signed-in home page: where the user stands this tax year, in one screen.

Every money figure is a sum of journal lines (``minimin.reports.ledger``: the year's profit,
months and counterparties, what agencies owe and agency money on its way to the bank), except
the ageing of open invoices by due date (the invoices' own aggregate: the journal holds no due
dates); the lists are ``LIMIT``-ed. The page costs the same few queries whatever the history
size.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from minimin.business.models import BusinessProfile
from minimin.core.dates import Period, TaxYear, add_days
from minimin.expenses.models import Expense
from minimin.extensions import db
from minimin.invoices.models import OPEN_STATUSES, Invoice
from minimin.jobs.models import CANCELLED, CONFIRMED, FeeLine, Job
from minimin.ledger.models import JournalEntry
from minimin.remittances.models import AgencyIncome
from minimin.reports import charts, ledger, vat_return
from minimin.reports.projection import Projection, project

#: How far ahead the dashboard looks for confirmed jobs and expiring usage rights.
UPCOMING_DAYS = 30
USAGE_DAYS = 60
LIST_LIMIT = 5
COUNTERPARTY_LIMIT = 8


@dataclass
class Dashboard:
    today: dt.date
    tax_year: TaxYear
    empty: bool
    pnl: ledger.ProfitAndLoss | None = None
    ageing: dict[str, dict[str, int]] = field(default_factory=dict)
    overdue: list[Invoice] = field(default_factory=list)
    owed: list[ledger.AgencyBalance] = field(default_factory=list)
    owed_totals: dict[str, int] = field(default_factory=dict)
    #: Agency money paid (net of commission) that no bank line shows yet, per currency.
    agency_clearing: dict[str, int] = field(default_factory=dict)
    upcoming: list[Job] = field(default_factory=list)
    #: Completed jobs and cancellation fees no invoice covers yet: how many and their gross.
    to_invoice_count: int = 0
    to_invoice_gross_pence: int = 0
    usage_expiring: list[FeeLine] = field(default_factory=list)
    threshold: vat_return.ThresholdPosition | None = None
    vat_period: Period | None = None
    vat_figures: vat_return.VATFigures | None = None
    vat_error: str | None = None
    set_aside: int | None = None
    #: How the set-aside figure was reached (the year's profit projected from the trend).
    projection: Projection | None = None
    months: list[ledger.MonthPoint] = field(default_factory=list)
    counterparties: list[ledger.Counterparty] = field(default_factory=list)
    month_chart: Markup | None = None
    counterparty_chart: Markup | None = None

    @property
    def outstanding_gbp(self) -> int:
        return sum(self.ageing.get("GBP", {}).values())


def has_records(user_id: uuid.UUID) -> bool:
    """True once the user has any invoice, expense, job, agency income or journal entry (one
    query)."""
    probes = [
        sa.exists().where(model.user_id == user_id)
        for model in (Invoice, Expense, Job, AgencyIncome, JournalEntry)
    ]
    return bool(db.session.scalar(sa.select(sa.or_(*probes))))


def _overdue(user_id: uuid.UUID, today: dt.date) -> list[Invoice]:
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .where(
                Invoice.user_id == user_id,
                Invoice.status.in_(OPEN_STATUSES),
                Invoice.due_date < today,
            )
            .order_by(Invoice.due_date, Invoice.sequence)
            .limit(LIST_LIMIT)
        )
    )


def _upcoming(user_id: uuid.UUID, today: dt.date) -> list[Job]:
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(
                Job.user_id == user_id,
                Job.status == CONFIRMED,
                sa.func.coalesce(Job.ends_on, Job.starts_on) >= today,
                Job.starts_on <= add_days(today, UPCOMING_DAYS),
            )
            .order_by(Job.starts_on, Job.title)
            .limit(LIST_LIMIT)
        )
    )


def _to_invoice(user_id: uuid.UUID) -> tuple[int, int]:
    """How many jobs wait for an invoice and their gross (the jobs list's kept figures)."""
    from minimin.jobs import listing

    page = listing.list_jobs(user_id, listing.JobFilters(to_invoice=True), page_size=1)
    return page.total_count, page.gross_pence


def _usage_expiring(user_id: uuid.UUID, today: dt.date) -> list[FeeLine]:
    return list(
        db.session.scalars(
            sa.select(FeeLine)
            .join(Job, Job.id == FeeLine.job_id)
            .where(
                FeeLine.user_id == user_id,
                FeeLine.usage_expires_on >= today,
                FeeLine.usage_expires_on <= add_days(today, USAGE_DAYS),
                FeeLine.renewed_by_job_id.is_(None),  # the renewal carries the new expiry
                Job.status != CANCELLED,
            )
            .order_by(FeeLine.usage_expires_on)
            .limit(LIST_LIMIT)
            .options(selectinload(FeeLine.job))
        )
    )


def _projection(tax_year: TaxYear, today: dt.date, profit_pence: int) -> Projection | None:
    """What to set aside so far for income tax and Class 4 NI: the tax on the year's profit
    projected from the trend, pro rata (:mod:`minimin.reports.projection`), or None when the
    tax table has no row for the year."""
    from minimin.reports import tax

    try:
        return project(tax_year, today, profit_pence, lambda p: tax.set_aside(tax_year, p))
    except (ValueError, LookupError):
        return None


def year_projection(user_id: uuid.UUID, today: dt.date) -> Projection | None:
    """The set-aside projection of the tax year containing *today*, from the cash-basis
    profit so far (the tax estimate page's "so far this year")."""
    tax_year = TaxYear.containing(today)
    pnl = ledger.profit(user_id, tax_year.start, today)
    return _projection(tax_year, today, pnl.taxable_profit_pence)


def month_label(point: ledger.MonthPoint) -> str:
    return point.start.strftime("%b")


def build(user_id: uuid.UUID, today: dt.date) -> Dashboard:
    """Everything the dashboard shows for *user_id* on *today*."""
    from minimin.invoices.listing import ageing

    tax_year = TaxYear.containing(today)
    board = Dashboard(today, tax_year, empty=not has_records(user_id))
    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id)
    )
    if board.empty:
        if profile is None or not profile.vat_registered:
            board.threshold = vat_return.threshold_position(user_id, today)
        return board
    # The year's turnover and expense lines are read once for the profit, the months and
    # the counterparties.
    year = ledger.overview(user_id, tax_year.start, today)
    board.pnl = year.pnl
    board.ageing = ageing(user_id, today)
    board.overdue = _overdue(user_id, today)
    agencies = ledger.agency_position(user_id, today)
    board.owed = agencies.owed[:LIST_LIMIT]
    board.owed_totals = agencies.totals
    board.agency_clearing = agencies.clearing
    board.upcoming = _upcoming(user_id, today)
    board.to_invoice_count, board.to_invoice_gross_pence = _to_invoice(user_id)
    board.usage_expiring = _usage_expiring(user_id, today)
    if profile is not None and profile.vat_registered:
        board.vat_period = vat_return.period_containing(profile, today)
        try:
            board.vat_figures = vat_return.compute(
                profile,
                max(board.vat_period.start, profile.vat_registration_date or dt.date.min),
                board.vat_period.end,
            )
        except vat_return.VATPeriodError as exc:
            board.vat_error = str(exc.message)
    else:
        board.threshold = vat_return.threshold_position(user_id, today)
    board.projection = _projection(tax_year, today, board.pnl.taxable_profit_pence)
    board.set_aside = board.projection.set_aside_pence if board.projection else None
    board.months = year.months
    board.counterparties = year.counterparties[:COUNTERPARTY_LIMIT]
    board.month_chart = charts.bar_chart(
        [month_label(p) for p in board.months],
        [
            charts.Series(_("Income"), [p.income_pence for p in board.months], "chart-income"),
            charts.Series(_("Expenses"), [p.expenses_pence for p in board.months], "chart-expense"),
        ],
        title=_("Income and expenses by month"),
    )
    if board.counterparties:
        board.counterparty_chart = charts.horizontal_bars(
            [c.name for c in board.counterparties],
            [c.total_pence for c in board.counterparties],
            title=_("Income by client and agency"),
        )
    return board
