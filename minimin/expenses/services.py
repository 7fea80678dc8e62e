"""Expense services: the one way expenses, receipts, recurring templates and journeys change.

Every write a user asks for takes its owner and one typed input (:mod:`minimin.expenses.inputs`,
docs/decisions/0009-typed-service-inputs.md), or the row it changes. Services add and flush;
the request (or the task) commits. Other features create expenses with :func:`create_expense`
(bank transactions, agency remittances): passing ``source`` and ``external_ref`` makes the
creation idempotent, so the same bank line or remittance posted twice gives the same expense.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from minimin.core.dates import TaxYear, add_months, uk_today
from minimin.core.money import MoneyError, check_currency
from minimin.core.uploads import UploadError
from minimin.core.user_error import UserError
from minimin.expenses import categories
from minimin.expenses.inputs import ExpenseInput, JourneyInput, RecurringInput
from minimin.expenses.mileage import (
    MILES_QUANTUM,
    VEHICLES,
    JourneyIn,
    TaxYearMileage,
    value_journeys,
)
from minimin.expenses.models import (
    BANK,
    DESCRIPTION_MAX,
    EXTERNAL_REF_MAX,
    FREQUENCIES,
    MANUAL,
    MAX_MILES,
    MAX_PENCE,
    MAX_RECEIPTS,
    NOTES_MAX,
    PAYMENT_METHODS,
    PLACE_MAX,
    PURPOSE_MAX,
    RECURRING,
    REMITTANCE,
    SOURCES,
    SUPPLIER_MAX,
    VAT_BEARING,
    VAT_NONE,
    VAT_STANDARD,
    VAT_TREATMENTS,
    Expense,
    ExpenseReceipt,
    Journey,
    RecurringExpense,
)
from minimin.extensions import db
from minimin.files.models import RECEIPT
from minimin.files.services import remove_file, store_upload

log = logging.getLogger(__name__)

__all__ = [
    "BANK",
    "MANUAL",
    "MAX_CATCH_UP",
    "RECURRING",
    "REMITTANCE",
    "ExpenseError",
    "ExpenseInput",
    "JourneyInput",
    "RecurringInput",
    "add_receipt",
    "create_due_expenses",
    "create_expense",
    "create_journey",
    "create_recurring",
    "default_vat_reclaimable",
    "delete_expense",
    "delete_journey",
    "delete_recurring",
    "earliest_recurring_start",
    "expense_input",
    "find_by_external_ref",
    "journey_input",
    "mileage_by_tax_year",
    "next_due_date",
    "recurring_input",
    "remove_receipt",
    "update_expense",
    "update_journey",
    "update_recurring",
    "vat_reclaim_allowed",
]


class ExpenseError(UserError):
    """Fields of an expense that cannot be accepted."""


# --------------------------------------------------------------------------- closed periods

#: The fields of an expense and of a journey that its journal entry depends on: a change to
#: any of them, in a closed period, would change figures already filed.
_EXPENSE_POSTED_FIELDS = (
    "date",
    "category",
    "amount_pence",
    "currency",
    "vat_pence",
    "vat_treatment",
    "vat_reclaimable",
    "business_percent",
    "payment_method",
    "job_id",
    "warnings_confirmed",
)
_JOURNEY_POSTED_FIELDS = ("date", "miles", "vehicle", "job_id")


def _ensure_open(user_id: uuid.UUID, *days: dt.date | None) -> None:
    """Refuse (:class:`ExpenseError` on the date) a change dated in a closed period: the books
    are closed up to the latest filed VAT return or the year the user closed."""
    from minimin.ledger.posting import LedgerError, ensure_open

    for day in sorted({d for d in days if d is not None}):
        try:
            ensure_open(db.session(), user_id, day)
        except LedgerError as exc:
            raise ExpenseError(exc.message, "date", code=exc.code) from exc


@contextmanager
def _closed_figures_kept(row: Expense | Journey, fields: tuple[str, ...]) -> Iterator[None]:
    """Refuse a change to *row*'s posted figures when its old or new date is closed. The values
    are compared before and after the change, not read from the attributes' history: a query
    run while the change is applied (the job's owner, the VAT status) autoflushes it, and a
    flush clears that history."""
    before = [getattr(row, name) for name in fields]
    old_date = row.date
    yield
    if [getattr(row, name) for name in fields] != before:
        _ensure_open(row.user_id, old_date, row.date)


# --------------------------------------------------------------------------- VAT


def vat_reclaim_allowed(user_id: uuid.UUID) -> bool:
    """Input VAT is reclaimable only for a VAT-registered business not on the Flat Rate Scheme."""
    from minimin.business.models import FLAT_RATE_SCHEMES, BusinessProfile

    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id)
    )
    return bool(
        profile is not None
        and profile.vat_registered
        and profile.vat_scheme not in FLAT_RATE_SCHEMES
    )


def default_vat_reclaimable(user_id: uuid.UUID, vat_pence: int) -> bool:
    return vat_pence > 0 and vat_reclaim_allowed(user_id)


# --------------------------------------------------------------------------- checks


def _day(value: object, name: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ExpenseError(_l("Enter a date."), name)
    if not 1900 <= value.year <= 2100:
        raise ExpenseError(_l("Enter a year between 1900 and 2100."), name)
    return value


def _text(value: object, name: str, limit: int, *, required: bool = False) -> str:
    from minimin.core.forms import check_text

    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ExpenseError(_l("Enter text."), name)
    text = value.strip()
    problem = check_text(text, multiline=name == "notes")
    if problem:
        raise ExpenseError(problem, name)
    if len(text) > limit:
        raise ExpenseError(_l("Use at most %(max)d characters.", max=limit), name)
    if required and not text:
        raise ExpenseError(_l("This field is required."), name)
    return text


def _pence(value: object, name: str) -> int:
    # The inputs are typed; an internal caller's float or bool is still refused, not stored.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpenseError(_l("Enter an amount."), name)
    if value < 0:
        raise ExpenseError(_l("Enter an amount of zero or more."), name)
    if value > MAX_PENCE:
        raise ExpenseError(_l("Enter an amount no larger than £100,000,000."), name)
    return value


def _percent(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ExpenseError(_l("Enter a percentage from 0 to 100."), "business_percent")
    percent = Decimal(value)
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise ExpenseError(_l("Enter a percentage from 0 to 100."), "business_percent")
    if percent != percent.quantize(Decimal("0.001")):
        raise ExpenseError(_l("Use at most 3 decimal places."), "business_percent")
    return percent.quantize(Decimal("0.001"))  # as stored, so what is answered is what is read


def _job_id(user_id: uuid.UUID, job_id: uuid.UUID | None) -> uuid.UUID | None:
    if job_id is None:
        return None
    from minimin.jobs.models import Job

    owner = db.session.scalar(sa.select(Job.user_id).where(Job.id == job_id))
    if owner != user_id:
        raise ExpenseError(_l("Choose one of your jobs."), "job_id")
    return job_id


def _apply_description(expense: Expense, data: ExpenseInput) -> None:
    """Date, who was paid, what for, notes and category: what the expense is. The steps of
    :func:`_apply` run in a fixed order, so the first refused field is always the same one."""
    expense.date = _day(data.date, "date")
    expense.supplier = _text(data.supplier, "supplier", SUPPLIER_MAX)
    expense.description = _text(data.description, "description", DESCRIPTION_MAX)
    if not (expense.supplier or expense.description):
        raise ExpenseError(_l("Enter who you paid or what it was for."), "supplier")
    expense.notes = _text(data.notes, "notes", NOTES_MAX) or None
    category = data.category or "other"
    if category not in categories.BY_CODE:
        raise ExpenseError(_l("Choose a category."), "category")
    expense.category = category


def _apply_amounts(expense: Expense, data: ExpenseInput) -> None:
    """Amount, currency and VAT. A VAT amount needs a VAT-bearing rate: with no treatment given
    it is taken as standard rated, while an explicit "no VAT" beside a VAT amount is refused,
    for the user to resolve. The VAT can never exceed the gross amount."""
    expense.amount_pence = _pence(data.amount_pence, "amount_pence")
    try:
        expense.currency = check_currency(data.currency or "GBP")
    except MoneyError as exc:
        raise ExpenseError(exc.message, "currency") from exc
    expense.vat_pence = _pence(data.vat_pence or 0, "vat_pence")
    treatment = data.vat_treatment
    if treatment is None:
        treatment = VAT_STANDARD if expense.vat_pence else VAT_NONE
    if treatment not in VAT_TREATMENTS:
        raise ExpenseError(_l("Choose how VAT applies."), "vat_treatment")
    expense.vat_treatment = treatment
    if expense.vat_pence and treatment not in VAT_BEARING:
        raise ExpenseError(_l("A VAT amount needs the standard or reduced rate."), "vat_pence")
    if expense.vat_pence > expense.amount_pence:
        raise ExpenseError(_l("The VAT cannot be more than the amount paid."), "vat_pence")


def _apply_use(expense: Expense, user_id: uuid.UUID, data: ExpenseInput) -> None:
    """How the cost was used: business share, how it was paid, the job it belongs to and
    whether it is re-billed (which needs that job), and the user's confirmation of warnings
    (kept only while a warning applies, so a later warning is asked about afresh)."""
    expense.business_percent = _percent(data.business_percent)
    method = data.payment_method or None
    if method is not None and method not in PAYMENT_METHODS:
        raise ExpenseError(_l("Choose how you paid."), "payment_method")
    expense.payment_method = method
    expense.job_id = _job_id(user_id, data.job_id)
    expense.rebillable = bool(data.rebillable)
    if expense.rebillable and expense.job_id is None:
        raise ExpenseError(_l("Choose the job to re-bill this cost to."), "job_id")
    warned = categories.warning_codes(expense.category, expense.supplier, expense.description)
    expense.warnings_confirmed = bool(data.warnings_confirmed and warned)


def _apply(expense: Expense, user_id: uuid.UUID, data: ExpenseInput) -> None:
    """Check and set every field of *data* on *expense*, in the order of the form, raising
    :class:`ExpenseError` on the first field that cannot be accepted. VAT reclaim follows the
    business's VAT status unless the user turned it off; it is never on for a business that
    cannot reclaim."""
    _apply_description(expense, data)
    _apply_amounts(expense, data)
    _apply_use(expense, user_id, data)
    allowed = expense.vat_pence > 0 and vat_reclaim_allowed(user_id)
    requested = data.vat_reclaimable
    expense.vat_reclaimable = allowed if requested is None else bool(requested) and allowed


# --------------------------------------------------------------------------- expenses


def find_by_external_ref(user_id: uuid.UUID, source: str, external_ref: str) -> Expense | None:
    return db.session.scalar(
        sa.select(Expense).where(
            Expense.user_id == user_id,
            Expense.source == source,
            Expense.external_ref == external_ref,
        )
    )


def create_expense(
    user_id: uuid.UUID,
    data: ExpenseInput,
    *,
    source: str = MANUAL,
    external_ref: str | None = None,
) -> Expense:
    """Add an expense for *user_id* and flush it. Raises :class:`ExpenseError` for a field
    that cannot be accepted, or a date in a closed period.

    ``source`` says where it came from (manual, or a bank line, a remittance, a recurring
    expense); with ``external_ref``, creating the same (source, external_ref) again returns the
    existing expense unchanged.
    """
    if source not in SOURCES:
        raise ExpenseError(_l("Unknown source."), "source")
    if external_ref is not None:
        if not external_ref or len(external_ref) > EXTERNAL_REF_MAX:
            raise ExpenseError(_l("The reference is too long."), "external_ref")
        existing = find_by_external_ref(user_id, source, external_ref)
        if existing is not None:
            return existing
    expense = Expense(user_id=user_id, source=source, external_ref=external_ref)
    _apply(expense, user_id, data)
    if source == MANUAL:
        # Bank lines and remittances check their own dates; a recurring expense due in a
        # closed period is posted on the first open day, as a correction.
        _ensure_open(user_id, expense.date)
    if external_ref is None:
        db.session.add(expense)
        db.session.flush()
        return expense
    # Another request may be creating the same one: the unique key decides.
    try:
        with db.session.begin_nested():
            db.session.add(expense)
            db.session.flush()
    except IntegrityError:
        existing = find_by_external_ref(user_id, source, external_ref)
        if existing is None:
            raise
        return existing
    return expense


def expense_input(expense: Expense) -> ExpenseInput:
    """*expense* as it stands, as an input: ``dataclasses.replace`` it to change a few fields."""
    return ExpenseInput(
        date=expense.date,
        amount_pence=expense.amount_pence,
        supplier=expense.supplier,
        description=expense.description,
        category=expense.category,
        currency=expense.currency,
        vat_pence=expense.vat_pence,
        vat_treatment=expense.vat_treatment,
        vat_reclaimable=expense.vat_reclaimable,
        business_percent=expense.business_percent,
        payment_method=expense.payment_method,
        job_id=expense.job_id,
        rebillable=expense.rebillable,
        notes=expense.notes or "",
        warnings_confirmed=expense.warnings_confirmed,
    )


def update_expense(expense: Expense, data: ExpenseInput) -> Expense:
    """Change *expense* to *data*: the same checks as :func:`create_expense`, and no change to
    the figures of a closed period (the source and reference stay)."""
    with _closed_figures_kept(expense, _EXPENSE_POSTED_FIELDS):
        _apply(expense, expense.user_id, data)
    db.session.flush()
    return expense


def delete_expense(expense: Expense) -> None:
    """Delete *expense* and its receipts (their files once the deletion commits)."""
    _ensure_open(expense.user_id, expense.date)
    files = [r.file for r in expense.receipts]
    db.session.delete(expense)
    db.session.flush()
    for stored in files:
        remove_file(stored)


def add_receipt(expense: Expense, stream: BinaryIO, filename: str | None) -> ExpenseReceipt:
    """Validate and store an uploaded receipt (image or PDF) and attach it to *expense*.

    Raises :class:`~minimin.core.uploads.UploadError` (with the HTTP status) when it is refused.
    """
    if len(expense.receipts) >= MAX_RECEIPTS:
        raise UploadError(
            _l("An expense can have at most %(max)d receipts.", max=MAX_RECEIPTS), 400
        )
    stored = store_upload(expense.user_id, stream, filename, RECEIPT)
    receipt = ExpenseReceipt(user_id=expense.user_id, expense=expense, file=stored)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def attach_file(expense: Expense, file_id: uuid.UUID) -> ExpenseReceipt:
    """Attach a file the user already stored (e.g. a bank or remittance document)."""
    from minimin.files.models import StoredFile

    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.user_id != expense.user_id:
        raise ExpenseError(_l("That file does not exist."), "receipt")
    receipt = ExpenseReceipt(user_id=expense.user_id, expense=expense, file=stored)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def remove_receipt(receipt: ExpenseReceipt) -> None:
    stored = receipt.file
    expense = receipt.expense
    expense.receipts.remove(receipt)
    db.session.flush()
    still_used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ExpenseReceipt)
        .where(ExpenseReceipt.file_id == stored.id)
    )
    if not still_used:
        remove_file(stored)


# --------------------------------------------------------------------------- recurring

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
        _apply(probe, rec.user_id, data.first_expense())
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


# --------------------------------------------------------------------------- journeys


def _apply_journey(journey: Journey, user_id: uuid.UUID, data: JourneyInput) -> None:
    journey.date = _day(data.date, "date")
    journey.origin = _text(data.origin, "origin", PLACE_MAX, required=True)
    journey.destination = _text(data.destination, "destination", PLACE_MAX, required=True)
    journey.purpose = _text(data.purpose, "purpose", PURPOSE_MAX, required=True)
    miles = data.miles
    if isinstance(miles, bool) or not isinstance(miles, Decimal | int):
        raise ExpenseError(_l("Enter the miles, like 12.5."), "miles")
    miles = Decimal(miles)
    if not miles.is_finite() or miles <= 0 or miles > MAX_MILES:
        raise ExpenseError(_l("Enter miles from 0.1 to 100,000."), "miles")
    if miles != miles.quantize(MILES_QUANTUM):
        raise ExpenseError(_l("Enter miles to one decimal place at most."), "miles")
    journey.miles = miles.quantize(MILES_QUANTUM)
    vehicle = data.vehicle or VEHICLES[0]
    if vehicle not in VEHICLES:
        raise ExpenseError(_l("Choose the vehicle."), "vehicle")
    journey.vehicle = vehicle
    journey.job_id = _job_id(user_id, data.job_id)


def create_journey(user_id: uuid.UUID, data: JourneyInput) -> Journey:
    """Log a journey for *user_id*, dated in an open period."""
    journey = Journey(user_id=user_id)
    _apply_journey(journey, user_id, data)
    _ensure_open(user_id, journey.date)
    db.session.add(journey)
    db.session.flush()
    return journey


def journey_input(journey: Journey) -> JourneyInput:
    """*journey* as it stands, as an input: ``dataclasses.replace`` it to change a few fields."""
    return JourneyInput(
        date=journey.date,
        origin=journey.origin,
        destination=journey.destination,
        purpose=journey.purpose,
        miles=journey.miles,
        vehicle=journey.vehicle,
        job_id=journey.job_id,
    )


def update_journey(journey: Journey, data: JourneyInput) -> Journey:
    """Change *journey*; no change to the miles of a closed period."""
    with _closed_figures_kept(journey, _JOURNEY_POSTED_FIELDS):
        _apply_journey(journey, journey.user_id, data)
    db.session.flush()
    return journey


def delete_journey(journey: Journey) -> None:
    _ensure_open(journey.user_id, journey.date)
    db.session.delete(journey)
    db.session.flush()


@dataclass
class MileageYear:
    valuation: TaxYearMileage
    rows: list[tuple[Journey, Any]] = field(default_factory=list)


def mileage_by_tax_year(
    user_id: uuid.UUID, journeys: Iterable[Journey] | None = None
) -> list[MileageYear]:
    """The user's journeys valued per tax year (newest tax year first), with running totals."""
    if journeys is None:
        journeys = db.session.scalars(
            sa.select(Journey)
            .where(Journey.user_id == user_id)
            .order_by(Journey.date, Journey.created_at, Journey.id)
        ).all()
    # Valuation hands each journey back under the key it was given (Hashable to it).
    by_id: dict[Hashable, Journey] = {j.id: j for j in journeys}
    valued = value_journeys(
        JourneyIn(key=j.id, date=j.date, miles=Decimal(j.miles), vehicle=j.vehicle)
        for j in by_id.values()
    )
    years = [
        MileageYear(year, [(by_id[v.journey.key], v) for v in year.journeys]) for year in valued
    ]
    return list(reversed(years))
