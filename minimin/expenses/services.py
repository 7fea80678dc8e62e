"""Expense services: the one way expenses, receipts, recurring templates and journeys change.

Services add and flush; the request (or the task) commits. Other features create expenses with
:func:`create_expense` (bank transactions, agency remittances): passing ``source`` and
``external_ref`` makes the creation idempotent, so the same bank line or remittance posted twice
gives the same expense.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstanceState

from minimin.core.dates import add_months, uk_today
from minimin.core.money import Money, MoneyError, check_currency
from minimin.core.uploads import UploadError
from minimin.core.user_error import UserError
from minimin.expenses import categories
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
    "RECURRING",
    "REMITTANCE",
    "ExpenseError",
    "add_receipt",
    "create_due_expenses",
    "create_expense",
    "create_journey",
    "create_recurring",
    "default_vat_reclaimable",
    "delete_expense",
    "delete_journey",
    "delete_recurring",
    "find_by_external_ref",
    "mileage_by_tax_year",
    "next_due_date",
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


def _ensure_change_open(row: Expense | Journey, fields: tuple[str, ...]) -> None:
    """Refuse a change to *row*'s posted figures when its old or new date is closed."""
    state: InstanceState[Any] = sa.inspect(row)

    def changed(name: str) -> bool:
        # Setting a field to the value it had records history too: compare the values.
        history = state.attrs[name].history
        return bool(history.added) and list(history.added) != list(history.deleted)

    if not any(changed(name) for name in fields):
        return
    dates = state.attrs.date.history
    _ensure_open(row.user_id, *dates.deleted, *dates.unchanged, *dates.added)


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

_EXPENSE_FIELDS = {
    "date",
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
    "job_id",
    "rebillable",
    "notes",
    "source",
    "external_ref",
    "warnings_confirmed",
}


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
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


def _pence(value: Any, name: str) -> int:
    if isinstance(value, Money):
        try:
            value = value.pence
        except MoneyError as exc:
            raise ExpenseError(exc.message, name) from exc
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpenseError(_l("Enter an amount."), name)
    if value < 0:
        raise ExpenseError(_l("Enter an amount of zero or more."), name)
    if value > MAX_PENCE:
        raise ExpenseError(_l("Enter an amount no larger than £100,000,000."), name)
    return value


def _percent(value: Any) -> Decimal:
    if value is None:
        return Decimal(100)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ExpenseError(_l("Enter a percentage from 0 to 100."), "business_percent")
    percent = Decimal(value)
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise ExpenseError(_l("Enter a percentage from 0 to 100."), "business_percent")
    if percent != percent.quantize(Decimal("0.001")):
        raise ExpenseError(_l("Use at most 3 decimal places."), "business_percent")
    return percent


def _job_id(user_id: uuid.UUID, job_id: Any) -> uuid.UUID | None:
    if job_id in (None, ""):
        return None
    from minimin.core.tenancy import parse_uuid
    from minimin.jobs.models import Job

    parsed = parse_uuid(job_id)
    owner = db.session.scalar(sa.select(Job.user_id).where(Job.id == parsed)) if parsed else None
    if owner != user_id:
        raise ExpenseError(_l("Choose one of your jobs."), "job_id")
    return parsed


def _given(name: str, fields: dict[str, Any], creating: bool) -> bool:
    """A new expense takes every field (absent ones get their defaults); an update only those
    passed, so a partial update never resets what it did not mention."""
    return creating or name in fields


def _normalise_fields(fields: dict[str, Any]) -> None:
    """Refuse unknown names and turn the ``amount=``/``vat=`` Money spellings into the column
    names, so the later steps see one spelling only."""
    unknown = set(fields) - _EXPENSE_FIELDS - {"amount", "vat"}
    if unknown:
        raise TypeError(f"unknown expense fields: {sorted(unknown)}")
    if "amount" in fields:
        money = fields.pop("amount")
        fields["amount_pence"] = money
        if isinstance(money, Money):
            fields.setdefault("currency", money.currency)
    if "vat" in fields:
        fields["vat_pence"] = fields.pop("vat")


def _apply_description(expense: Expense, fields: dict[str, Any], creating: bool) -> None:
    """Date, who was paid, what for, notes and category: what the expense is. The steps of
    :func:`_apply` run in a fixed order, so the first refused field is always the same one."""
    if _given("date", fields, creating):
        day = fields.get("date")
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ExpenseError(_l("Enter a date."), "date")
        if not 1900 <= day.year <= 2100:
            raise ExpenseError(_l("Enter a year between 1900 and 2100."), "date")
        expense.date = day
    for name, limit in (("supplier", SUPPLIER_MAX), ("description", DESCRIPTION_MAX)):
        if _given(name, fields, creating):
            setattr(expense, name, _text(fields.get(name), name, limit))
    if creating and not (expense.supplier or expense.description):
        raise ExpenseError(_l("Enter who you paid or what it was for."), "supplier")
    if _given("notes", fields, creating):
        expense.notes = _text(fields.get("notes"), "notes", NOTES_MAX) or None
    if _given("category", fields, creating):
        category = fields.get("category") or "other"
        if category not in categories.BY_CODE:
            raise ExpenseError(_l("Choose a category."), "category")
        expense.category = category


def _apply_amounts(expense: Expense, fields: dict[str, Any], creating: bool) -> None:
    """Amount, currency and VAT set together: the VAT checks compare the new values with each
    other (and with what an update left unchanged), so they run after all four are set."""
    if _given("amount_pence", fields, creating):
        expense.amount_pence = _pence(fields.get("amount_pence"), "amount_pence")
    if _given("currency", fields, creating):
        try:
            expense.currency = check_currency(fields.get("currency") or "GBP")
        except MoneyError as exc:
            raise ExpenseError(exc.message, "currency") from exc
    if _given("vat_treatment", fields, creating):
        treatment = fields.get("vat_treatment") or VAT_NONE
        if treatment not in VAT_TREATMENTS:
            raise ExpenseError(_l("Choose how VAT applies."), "vat_treatment")
        expense.vat_treatment = treatment
    if _given("vat_pence", fields, creating):
        expense.vat_pence = _pence(fields.get("vat_pence") or 0, "vat_pence")
    _check_vat_amount(expense, fields, creating)


def _check_vat_amount(expense: Expense, fields: dict[str, Any], creating: bool) -> None:
    """A VAT amount needs a VAT-bearing rate. A new expense given VAT but no treatment is taken
    as standard rated; an explicit "no VAT" with a VAT amount is refused, for the user to
    resolve. The VAT can never exceed the gross amount."""
    if expense.vat_pence and expense.vat_treatment not in VAT_BEARING:
        if expense.vat_treatment == VAT_NONE and creating and "vat_treatment" not in fields:
            expense.vat_treatment = "standard"
        else:
            raise ExpenseError(_l("A VAT amount needs the standard or reduced rate."), "vat_pence")
    if expense.vat_pence > expense.amount_pence:
        raise ExpenseError(_l("The VAT cannot be more than the amount paid."), "vat_pence")


def _apply_use(
    expense: Expense, user_id: uuid.UUID, fields: dict[str, Any], creating: bool
) -> None:
    """How the cost was used: business share, how it was paid, the job it belongs to and
    whether it is re-billed (which needs that job), and the user's confirmation of warnings."""
    if _given("business_percent", fields, creating):
        expense.business_percent = _percent(fields.get("business_percent"))
    if _given("payment_method", fields, creating):
        method = fields.get("payment_method") or None
        if method is not None and method not in PAYMENT_METHODS:
            raise ExpenseError(_l("Choose how you paid."), "payment_method")
        expense.payment_method = method
    if _given("job_id", fields, creating):
        expense.job_id = _job_id(user_id, fields.get("job_id"))
    if _given("rebillable", fields, creating):
        expense.rebillable = bool(fields.get("rebillable"))
    if expense.rebillable and expense.job_id is None:
        raise ExpenseError(_l("Choose the job to re-bill this cost to."), "job_id")
    if _given("warnings_confirmed", fields, creating):
        expense.warnings_confirmed = bool(fields.get("warnings_confirmed"))


def _apply_vat_reclaim(
    expense: Expense, user_id: uuid.UUID, fields: dict[str, Any], creating: bool
) -> None:
    """VAT reclaim: the default follows the business's VAT status; it can be turned off, and is
    never on for a business that cannot reclaim. A new VAT amount re-decides it."""
    allowed = expense.vat_pence > 0 and vat_reclaim_allowed(user_id)
    requested = fields.get("vat_reclaimable")
    if creating or "vat_reclaimable" in fields or "vat_pence" in fields:
        expense.vat_reclaimable = allowed if requested is None else bool(requested) and allowed


def _apply(expense: Expense, user_id: uuid.UUID, fields: dict[str, Any], creating: bool) -> None:
    """Check and set *fields* on *expense*, in the order of the form, raising
    :class:`ExpenseError` on the first field that cannot be accepted."""
    _normalise_fields(fields)
    _apply_description(expense, fields, creating)
    _apply_amounts(expense, fields, creating)
    _apply_use(expense, user_id, fields, creating)
    _apply_vat_reclaim(expense, user_id, fields, creating)


# --------------------------------------------------------------------------- expenses


def find_by_external_ref(user_id: uuid.UUID, source: str, external_ref: str) -> Expense | None:
    return db.session.scalar(
        sa.select(Expense).where(
            Expense.user_id == user_id,
            Expense.source == source,
            Expense.external_ref == external_ref,
        )
    )


def create_expense(user_id: uuid.UUID, **fields: Any) -> Expense:
    """Add an expense for *user_id* and flush it.

    Fields: ``date`` (required), ``amount_pence`` (int, gross, required; or ``amount=Money``),
    ``supplier``, ``description`` (one of the two required), ``category`` (a code of
    :mod:`minimin.expenses.categories`, default ``other``), ``currency`` (default GBP),
    ``vat_pence`` (or ``vat=Money``), ``vat_treatment``, ``vat_reclaimable`` (default: the VAT
    status of the business), ``business_percent`` (Decimal 0-100, default 100),
    ``payment_method``, ``job_id``, ``rebillable``, ``notes``, ``warnings_confirmed``,
    ``source`` (manual/bank/remittance/recurring) and ``external_ref``.

    With ``external_ref``, creating the same (source, external_ref) again returns the existing
    expense unchanged. Raises :class:`ExpenseError` for fields that cannot be accepted.
    """
    source = fields.pop("source", MANUAL)
    if source not in SOURCES:
        raise ExpenseError(_l("Unknown source."), "source")
    external_ref = fields.pop("external_ref", None)
    if external_ref is not None:
        external_ref = str(external_ref)
        if not external_ref or len(external_ref) > EXTERNAL_REF_MAX:
            raise ExpenseError(_l("The reference is too long."), "external_ref")
        existing = find_by_external_ref(user_id, source, external_ref)
        if existing is not None:
            return existing
    receipt_ids = fields.pop("receipt_file_ids", ())
    expense = Expense(user_id=user_id, source=source, external_ref=external_ref)
    _apply(expense, user_id, dict(fields), creating=True)
    if source == MANUAL:
        # Bank lines and remittances check their own dates; a recurring expense due in a
        # closed period is posted on the first open day, as a correction.
        _ensure_open(user_id, expense.date)
    if external_ref is None:
        db.session.add(expense)
        db.session.flush()
    else:
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
    for file_id in receipt_ids:
        attach_file(expense, file_id)
    return expense


def update_expense(expense: Expense, **fields: Any) -> Expense:
    """Change *expense*; the same checks as :func:`create_expense` (source and reference stay)."""
    fields.pop("source", None)
    fields.pop("external_ref", None)
    _apply(expense, expense.user_id, dict(fields), creating=False)
    _ensure_change_open(expense, _EXPENSE_POSTED_FIELDS)
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

_RECURRING_FIELDS = {
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
    "frequency",
    "start_date",
    "end_date",
    "notes",
    "active",
}


def next_due_date(recurring: RecurringExpense) -> dt.date | None:
    """The date of occurrence number ``occurrences`` (None after the end date or when stopped)."""
    if not recurring.active:
        return None
    due = add_months(recurring.start_date, recurring.occurrences * FREQUENCIES[recurring.frequency])
    if recurring.end_date is not None and due > recurring.end_date:
        return None
    return due


def _apply_recurring(rec: RecurringExpense, fields: dict[str, Any], creating: bool) -> None:
    unknown = set(fields) - _RECURRING_FIELDS
    if unknown:
        raise TypeError(f"unknown recurring expense fields: {sorted(unknown)}")
    probe = Expense()
    template = {
        "date": fields.get("start_date") or rec.start_date,
        **{k: fields.get(k, getattr(rec, k, None)) for k in _EXPENSE_FIELDS & _RECURRING_FIELDS},
    }
    # the same checks as an expense
    _apply(probe, rec.user_id, template, creating=True)
    if not probe.supplier:
        raise ExpenseError(_l("Enter who you pay."), "supplier")
    frequency = fields.get("frequency", rec.frequency)
    if frequency not in FREQUENCIES:
        raise ExpenseError(_l("Choose how often it is paid."), "frequency")
    end = fields.get("end_date", rec.end_date)
    if end is not None and end < probe.date:
        raise ExpenseError(_l("The end date must be on or after the first date."), "end_date")
    for name in (
        "supplier",
        "description",
        "category",
        "amount_pence",
        "currency",
        "vat_pence",
        "vat_treatment",
        "business_percent",
        "payment_method",
        "notes",
    ):
        setattr(rec, name, getattr(probe, name))
    rec.vat_reclaimable = bool(fields.get("vat_reclaimable", True)) and probe.vat_reclaimable
    if not creating and probe.date != rec.start_date:
        rec.occurrences = 0  # restarting the schedule; existing expenses keep their periods
    rec.start_date = probe.date
    rec.end_date = end
    rec.frequency = frequency
    if "active" in fields:
        rec.active = bool(fields["active"])
    rec.next_due = next_due_date(rec)


def create_recurring(user_id: uuid.UUID, **fields: Any) -> RecurringExpense:
    """Add a recurring expense; the first expense is created on ``start_date``."""
    rec = RecurringExpense(user_id=user_id, occurrences=0, active=True, end_date=None)
    rec.frequency = "monthly"
    _apply_recurring(rec, dict(fields), creating=True)
    db.session.add(rec)
    db.session.flush()
    return rec


def update_recurring(rec: RecurringExpense, **fields: Any) -> RecurringExpense:
    _apply_recurring(rec, dict(fields), creating=False)
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
    created = 0
    while (due := next_due_date(rec)) is not None and due <= today:
        if _create_occurrence(rec, due):
            created += 1
        rec.occurrences += 1
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

_JOURNEY_FIELDS = {"date", "origin", "destination", "purpose", "miles", "vehicle", "job_id"}


def _apply_journey(
    journey: Journey, user_id: uuid.UUID, fields: dict[str, Any], creating: bool
) -> None:
    unknown = set(fields) - _JOURNEY_FIELDS
    if unknown:
        raise TypeError(f"unknown journey fields: {sorted(unknown)}")
    if creating or "date" in fields:
        day = fields.get("date")
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ExpenseError(_l("Enter a date."), "date")
        journey.date = day
    for name, limit in (
        ("origin", PLACE_MAX),
        ("destination", PLACE_MAX),
        ("purpose", PURPOSE_MAX),
    ):
        if creating or name in fields:
            setattr(journey, name, _text(fields.get(name), name, limit, required=True))
    if creating or "miles" in fields:
        miles = fields.get("miles")
        if isinstance(miles, bool) or not isinstance(miles, Decimal | int):
            raise ExpenseError(_l("Enter the miles, like 12.5."), "miles")
        miles = Decimal(miles)
        if not miles.is_finite() or miles <= 0 or miles > MAX_MILES:
            raise ExpenseError(_l("Enter miles from 0.1 to 100,000."), "miles")
        if miles != miles.quantize(MILES_QUANTUM):
            raise ExpenseError(_l("Enter miles to one decimal place at most."), "miles")
        journey.miles = miles.quantize(MILES_QUANTUM)
    if creating or "vehicle" in fields:
        vehicle = fields.get("vehicle") or VEHICLES[0]
        if vehicle not in VEHICLES:
            raise ExpenseError(_l("Choose the vehicle."), "vehicle")
        journey.vehicle = vehicle
    if creating or "job_id" in fields:
        journey.job_id = _job_id(user_id, fields.get("job_id"))


def create_journey(user_id: uuid.UUID, **fields: Any) -> Journey:
    journey = Journey(user_id=user_id)
    _apply_journey(journey, user_id, dict(fields), creating=True)
    _ensure_open(user_id, journey.date)
    db.session.add(journey)
    db.session.flush()
    return journey


def update_journey(journey: Journey, **fields: Any) -> Journey:
    _apply_journey(journey, journey.user_id, dict(fields), creating=False)
    _ensure_change_open(journey, _JOURNEY_POSTED_FIELDS)
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
