"""What the expense pages list: the expenses a filter selects (counted and summed per category
and currency in one statement, one page in another, or all of them for the CSV download), the
recurring expenses, and the user's recent jobs to link an expense to."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from minimin.core import listing_params
from minimin.core.dates import TaxYear
from minimin.expenses import categories
from minimin.expenses.models import Expense, ExpenseReceipt, Journey, RecurringExpense
from minimin.extensions import db

if TYPE_CHECKING:
    from minimin.jobs.models import Job

#: The list's column headers: sort key -> columns in the chosen direction (then newest first).
SORTS: dict[str, tuple[Any, ...]] = {
    "date": (Expense.date, Expense.created_at),
    "amount": (Expense.amount_pence,),
    "supplier": (sa.func.lower(sa.func.coalesce(Expense.supplier, Expense.description)),),
    "category": (Expense.category,),
    "allowable": (Expense.allowable_pence,),
}
#: Dates and amounts sort newest and largest first when first chosen.
DESCENDING_FIRST = ("date", "amount", "allowable")
#: Older links' sort names.
LEGACY_SORTS = {"date_asc": ("date", "asc"), "amount_asc": ("amount", "asc")}
#: How many of the latest jobs an expense can be linked to from its form.
JOB_CHOICES = 300


@dataclass
class Filters:
    """What the list's query string selects (parsed by the page, errors kept to show)."""

    tax_year: TaxYear | None = None
    category: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    receipt: str | None = None  # "yes" / "no"
    params: listing_params.ListParams = field(
        default_factory=lambda: listing_params.ListParams("", "date", listing_params.DESC)
    )
    page: int = 1
    errors: list[str] = field(default_factory=list)

    def query_args(self, **changes: Any) -> dict[str, Any]:
        args = {
            "tax_year": self.tax_year.label if self.tax_year else None,
            "category": self.category,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "receipt": self.receipt,
            "q": self.params.q or None,
            "sort": self.params.sort,
            "dir": self.params.direction,
            "page": self.page if self.page != 1 else None,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


def _conditions(user_id: uuid.UUID, filters: Filters) -> list[Any]:
    conditions: list[Any] = [Expense.user_id == user_id]
    if filters.tax_year:
        conditions += [Expense.date >= filters.tax_year.start, Expense.date <= filters.tax_year.end]
    if filters.category:
        conditions.append(Expense.category == filters.category)
    if filters.date_from:
        conditions.append(Expense.date >= filters.date_from)
    if filters.date_to:
        conditions.append(Expense.date <= filters.date_to)
    if filters.receipt:
        has = sa.exists().where(ExpenseReceipt.expense_id == Expense.id)
        conditions.append(has if filters.receipt == "yes" else ~has)
    if filters.params.q:
        conditions.append(
            listing_params.contains(filters.params.q, Expense.supplier, Expense.description)
        )
    return conditions


def _order(filters: Filters) -> list[Any]:
    newest = [Expense.date.desc(), Expense.created_at.desc(), Expense.id]
    return [*listing_params.order_by(SORTS, filters.params), *newest]


@dataclass(frozen=True)
class CategoryTotal:
    """The selected expenses of one category in one currency: how many, and their sums."""

    category: categories.Category
    currency: str
    count: int
    amount: int
    vat: int
    allowable: int


def totals_by_category(user_id: uuid.UUID, filters: Filters) -> list[CategoryTotal]:
    """Count and sums of the selected expenses per category and currency, in currency then
    category order (one statement)."""
    rows = db.session.execute(
        sa.select(
            Expense.category,
            Expense.currency,
            sa.func.count(),
            sa.func.sum(Expense.amount_pence),
            sa.func.sum(Expense.reclaimable_vat_pence),
            sa.func.sum(Expense.allowable_pence),
        )
        .where(*_conditions(user_id, filters))
        .group_by(Expense.category, Expense.currency)
    ).all()
    order = {c.code: i for i, c in enumerate(categories.CATEGORIES)}
    found = [
        CategoryTotal(
            categories.get(cat),
            cur,
            int(n),
            int(amount or 0),
            int(vat or 0),
            int(allowable or 0),
        )
        for cat, cur, n, amount, vat, allowable in rows
    ]
    return sorted(found, key=lambda r: (r.currency, order[r.category.code]))


def page(user_id: uuid.UUID, filters: Filters, *, per_page: int) -> list[Expense]:
    """Page ``filters.page`` of the selected expenses in the chosen order (receipts load in
    one more statement)."""
    query = (
        sa.select(Expense)
        .where(*_conditions(user_id, filters))
        .order_by(*_order(filters))
        .limit(per_page)
        .offset((filters.page - 1) * per_page)
    )
    return list(db.session.scalars(query).unique().all())


def every_expense(user_id: uuid.UUID, filters: Filters) -> Iterable[Expense]:
    """All the selected expenses in the chosen order (for the CSV download)."""
    query = sa.select(Expense).where(*_conditions(user_id, filters)).order_by(*_order(filters))
    return db.session.scalars(query)


def recurring(user_id: uuid.UUID) -> Sequence[RecurringExpense]:
    """The user's recurring expenses: active first, then by next due date and supplier."""
    return db.session.scalars(
        sa.select(RecurringExpense)
        .where(RecurringExpense.user_id == user_id)
        .order_by(
            RecurringExpense.active.desc(), RecurringExpense.next_due, RecurringExpense.supplier
        )
    ).all()


def recurring_statement(user_id: uuid.UUID) -> sa.Select[tuple[RecurringExpense]]:
    """The user's recurring expenses, unordered (the API pages them by creation)."""
    return sa.select(RecurringExpense).where(RecurringExpense.user_id == user_id)


def job_choices(user_id: uuid.UUID) -> list[tuple[uuid.UUID, str, dt.date | None]]:
    """The user's latest jobs (id, title, start date), newest start first."""
    from minimin.jobs.models import Job

    rows = db.session.execute(
        sa.select(Job.id, Job.title, Job.starts_on)
        .where(Job.user_id == user_id)
        .order_by(Job.starts_on.desc().nulls_last(), Job.created_at.desc())
        .limit(JOB_CHOICES)
    ).all()
    return [(job_id, title, starts) for job_id, title, starts in rows]


def linked_job(expense: Expense) -> Job | None:
    """The job *expense* is linked to (None when there is none)."""
    if expense.job_id is None:
        return None
    from minimin.jobs.models import Job

    return db.session.get(Job, expense.job_id)


def dated(
    user_id: uuid.UUID,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    category: str | None = None,
) -> sa.Select[tuple[Expense]]:
    """The user's expenses dated *date_from* to *date_to* (either end open), of one category
    when given; the caller orders and pages the statement."""
    statement = sa.select(Expense).where(Expense.user_id == user_id)
    if date_from:
        statement = statement.where(Expense.date >= date_from)
    if date_to:
        statement = statement.where(Expense.date <= date_to)
    if category:
        statement = statement.where(Expense.category == category)
    return statement


def journeys(
    user_id: uuid.UUID, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> sa.Select[tuple[Journey]]:
    """The user's mileage journeys dated *date_from* to *date_to* (either end open)."""
    statement = sa.select(Journey).where(Journey.user_id == user_id)
    if date_from:
        statement = statement.where(Journey.date >= date_from)
    if date_to:
        statement = statement.where(Journey.date <= date_to)
    return statement
