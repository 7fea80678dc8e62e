"""Expenses: the checks of an expense's fields, and adding, changing and deleting one.

Other features create expenses with :func:`create_expense` (bank transactions, agency
remittances): passing ``source`` and ``external_ref`` makes the creation idempotent, so the
same bank line or remittance posted twice gives the same expense.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from minimin.core.money import MoneyError, check_currency
from minimin.expenses import categories
from minimin.expenses.inputs import ExpenseInput
from minimin.expenses.models import (
    DESCRIPTION_MAX,
    EXTERNAL_REF_MAX,
    MANUAL,
    NOTES_MAX,
    PAYMENT_METHODS,
    SOURCES,
    SUPPLIER_MAX,
    VAT_BEARING,
    VAT_NONE,
    VAT_STANDARD,
    VAT_TREATMENTS,
    Expense,
)
from minimin.expenses.services.checks import (
    EXPENSE_POSTED_FIELDS,
    ExpenseError,
    checked_day,
    checked_job_id,
    checked_pence,
    checked_percent,
    checked_text,
    closed_figures_kept,
    ensure_open,
    vat_reclaim_allowed,
)
from minimin.extensions import db
from minimin.files.services import remove_file


def _apply_description(expense: Expense, data: ExpenseInput) -> None:
    """Date, who was paid, what for, notes and category: what the expense is. The steps of
    :func:`apply_expense` run in a fixed order, so the first refused field is always the same
    one."""
    expense.date = checked_day(data.date, "date")
    expense.supplier = checked_text(data.supplier, "supplier", SUPPLIER_MAX)
    expense.description = checked_text(data.description, "description", DESCRIPTION_MAX)
    if not (expense.supplier or expense.description):
        raise ExpenseError(_l("Enter who you paid or what it was for."), "supplier")
    expense.notes = checked_text(data.notes, "notes", NOTES_MAX) or None
    category = data.category or "other"
    if category not in categories.BY_CODE:
        raise ExpenseError(_l("Choose a category."), "category")
    expense.category = category


def _apply_amounts(expense: Expense, data: ExpenseInput) -> None:
    """Amount, currency and VAT. A VAT amount needs a VAT-bearing rate: with no treatment given
    it is taken as standard rated, while an explicit "no VAT" beside a VAT amount is refused,
    for the user to resolve. The VAT can never exceed the gross amount."""
    expense.amount_pence = checked_pence(data.amount_pence, "amount_pence")
    try:
        expense.currency = check_currency(data.currency or "GBP")
    except MoneyError as exc:
        raise ExpenseError(exc.message, "currency") from exc
    expense.vat_pence = checked_pence(data.vat_pence or 0, "vat_pence")
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
    expense.business_percent = checked_percent(data.business_percent)
    method = data.payment_method or None
    if method is not None and method not in PAYMENT_METHODS:
        raise ExpenseError(_l("Choose how you paid."), "payment_method")
    expense.payment_method = method
    expense.job_id = checked_job_id(user_id, data.job_id)
    expense.rebillable = bool(data.rebillable)
    if expense.rebillable and expense.job_id is None:
        raise ExpenseError(_l("Choose the job to re-bill this cost to."), "job_id")
    warned = categories.warning_codes(expense.category, expense.supplier, expense.description)
    expense.warnings_confirmed = bool(data.warnings_confirmed and warned)


def apply_expense(expense: Expense, user_id: uuid.UUID, data: ExpenseInput) -> None:
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
    apply_expense(expense, user_id, data)
    if source == MANUAL:
        # Bank lines and remittances check their own dates; a recurring expense due in a
        # closed period is posted on the first open day, as a correction.
        ensure_open(user_id, expense.date)
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
    with closed_figures_kept(expense, EXPENSE_POSTED_FIELDS):
        apply_expense(expense, expense.user_id, data)
    db.session.flush()
    return expense


def delete_expense(expense: Expense) -> None:
    """Delete *expense* and its receipts (their files once the deletion commits)."""
    ensure_open(expense.user_id, expense.date)
    files = [r.file for r in expense.receipts]
    db.session.delete(expense)
    db.session.flush()
    for stored in files:
        remove_file(stored)
