"""Recurring expenses: a subscription kept as a template that becomes an expense on every
due date, each period exactly once, and how far back a schedule may start and catch up."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from minimin.core.dates import TaxYear, add_months, uk_today
from minimin.expenses.inputs import RecurringInput
from minimin.expenses.models import FREQUENCIES, RECURRING, Expense, RecurringExpense
from minimin.expenses.services.checks import ExpenseError
from minimin.expenses.services.expenses import apply_expense
from minimin.extensions import db

#: The most expenses one catch-up run adds for one recurring expense. A schedule started as
#: far back as :func:`earliest_recurring_start` allows has at most 34 monthly periods due, so
#: saving one is never cut short; only a schedule left idle for years (stopped, then started
#: again) is, and the rest follows on the next run (the daily task, or the next save).
MAX_CATCH_UP = 36


def earliest_recurring_start(today: dt.date) -> dt.date:
    """The first day a new schedule may start: the start of the earliest tax year whose Self
    Assessment return can still be filed or amended (up to 12 months after its 31 January
    deadline). Costs before it can change no return, and a schedule started decades back would
    add hundreds of expenses at once; they are entered as single expenses."""
    year = TaxYear.current(today) - 2
    if today > dt.date(year.filing_deadline.year + 1, 1, 31):
        year = year.next
    return year.start


def _check_start_date(rec: RecurringExpense, start: dt.date) -> None:
    """Refuse a new or moved start date before :func:`earliest_recurring_start`; a schedule
    kept from before keeps its start date when other fields change."""
    if start == rec.start_date:
        return
    earliest = earliest_recurring_start(uk_today())
    if start < earliest:
        raise ExpenseError(
            _l(
                "A recurring expense can start on %(date)s at the earliest (the start of the "
                "earliest tax year whose return can still be amended). Enter earlier costs as "
                "single expenses.",
                date=earliest.strftime("%d/%m/%Y"),
            ),
            "start_date",
            code="start_too_early",
        )


def next_due_date(recurring: RecurringExpense) -> dt.date | None:
    """The date of occurrence number ``occurrences`` (None after the end date or when stopped)."""
    if not recurring.active:
        return None
    due = add_months(recurring.start_date, recurring.occurrences * FREQUENCIES[recurring.frequency])
    if recurring.end_date is not None and due > recurring.end_date:
        return None
    return due


def _apply_recurring(rec: RecurringExpense, data: RecurringInput) -> None:
    # The same checks as an expense dated on the first due date (its date is the start date).
    probe = Expense()
    try:
        apply_expense(probe, rec.user_id, data.first_expense())
    except ExpenseError as exc:
        if exc.field == "date":
            exc.field = "start_date"
        raise
    _check_start_date(rec, probe.date)
    if not probe.supplier:
        raise ExpenseError(_l("Enter who you pay."), "supplier")
    if data.frequency not in FREQUENCIES:
        raise ExpenseError(_l("Choose how often it is paid."), "frequency")
    if data.end_date is not None and data.end_date < probe.date:
        raise ExpenseError(_l("The end date must be on or after the first date."), "end_date")
    for name in (
        "supplier",
        "description",
        "category",
        "amount_pence",
        "currency",
        "vat_pence",
        "vat_treatment",
        "vat_reclaimable",
        "business_percent",
        "payment_method",
        "notes",
    ):
        setattr(rec, name, getattr(probe, name))
    if rec.start_date is not None and probe.date != rec.start_date:
        rec.occurrences = 0  # restarting the schedule; existing expenses keep their periods
    rec.start_date = probe.date
    rec.end_date = data.end_date
    rec.frequency = data.frequency
    rec.active = bool(data.active)
    rec.next_due = next_due_date(rec)


def create_recurring(user_id: uuid.UUID, data: RecurringInput) -> RecurringExpense:
    """Add a recurring expense; the first expense is due on ``start_date``
    (:func:`create_due_for` adds those already due)."""
    rec = RecurringExpense(user_id=user_id, occurrences=0)
    _apply_recurring(rec, data)
    db.session.add(rec)
    db.session.flush()
    return rec


def recurring_input(rec: RecurringExpense) -> RecurringInput:
    """*rec* as it stands, as an input: ``dataclasses.replace`` it to change a few fields."""
    return RecurringInput(
        supplier=rec.supplier,
        amount_pence=rec.amount_pence,
        start_date=rec.start_date,
        frequency=rec.frequency,
        end_date=rec.end_date,
        description=rec.description,
        category=rec.category,
        currency=rec.currency,
        vat_pence=rec.vat_pence,
        vat_treatment=rec.vat_treatment,
        vat_reclaimable=rec.vat_reclaimable,
        business_percent=rec.business_percent,
        payment_method=rec.payment_method,
        notes=rec.notes or "",
        active=rec.active,
    )


def update_recurring(rec: RecurringExpense, data: RecurringInput) -> RecurringExpense:
    """Change *rec*; a new start date restarts its schedule from there."""
    _apply_recurring(rec, data)
    db.session.flush()
    return rec


def delete_recurring(rec: RecurringExpense) -> None:
    """Remove the template; expenses already created stay (their link is cleared)."""
    db.session.delete(rec)
    db.session.flush()


def _create_occurrence(rec: RecurringExpense, due: dt.date) -> bool:
    """Create the expense of *rec* for period *due* unless it exists. True if created."""
    exists = db.session.scalar(
        sa.select(Expense.id).where(Expense.recurring_id == rec.id, Expense.period_date == due)
    )
    if exists is not None:
        return False
    expense = Expense(
        user_id=rec.user_id,
        date=due,
        period_date=due,
        recurring_id=rec.id,
        source=RECURRING,
        supplier=rec.supplier,
        description=rec.description,
        category=rec.category,
        amount_pence=rec.amount_pence,
        currency=rec.currency,
        vat_pence=rec.vat_pence,
        vat_treatment=rec.vat_treatment,
        vat_reclaimable=rec.vat_reclaimable and rec.vat_pence > 0,
        business_percent=rec.business_percent,
        payment_method=rec.payment_method,
        notes=None,
        rebillable=False,
        warnings_confirmed=False,
    )
    try:
        with db.session.begin_nested():
            db.session.add(expense)
            db.session.flush()
    except IntegrityError:
        return False  # created concurrently: the unique (recurring_id, period_date) decided
    return True


def create_due_for(rec: RecurringExpense, today: dt.date) -> int:
    """Add the expenses of *rec* due by *today*, oldest first, going through at most
    :data:`MAX_CATCH_UP` periods (``rec.next_due`` then says what is still due); the number
    added. A period already added is skipped."""
    created = 0
    periods = 0
    while (due := next_due_date(rec)) is not None and due <= today and periods < MAX_CATCH_UP:
        if _create_occurrence(rec, due):
            created += 1
        rec.occurrences += 1
        periods += 1
    rec.next_due = next_due_date(rec)
    db.session.flush()
    return created


def create_due_expenses(today: dt.date | None = None, user_id: uuid.UUID | None = None) -> int:
    """Create every due recurring expense (all users, or one), each period exactly once.

    Safe to run twice and concurrently: a period already created is skipped by its unique key.
    """
    today = today or uk_today()
    query = (
        sa.select(RecurringExpense)
        .where(RecurringExpense.active.is_(True), RecurringExpense.next_due <= today)
        .order_by(RecurringExpense.id)
    )
    if user_id is not None:
        query = query.where(RecurringExpense.user_id == user_id)
    created = 0
    for rec in db.session.scalars(query).all():
        created += create_due_for(rec, today)
    return created
