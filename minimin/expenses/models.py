"""Expenses, their receipts, recurring expense templates and the mileage log.

Money is integer minor units (``*_pence`` BigInteger) in the expense's currency. ``amount_pence``
is the gross amount paid (VAT included). Derived figures used by reports and by the list totals
(the business share, the reclaimable VAT and the allowable amount) are stored on every insert and
update by :func:`_derive`, so totals are exact SQL sums and always agree with the row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.expenses import categories
from minimin.expenses.mileage import CAR_VAN, MOTORCYCLE
from minimin.extensions import db
from minimin.files.models import StoredFile

SUPPLIER_MAX = 200
DESCRIPTION_MAX = 500
NOTES_MAX = 5000
EXTERNAL_REF_MAX = 120
PLACE_MAX = 200
PURPOSE_MAX = 300
#: £100 million: the same ceiling as jobs and invoices.
MAX_PENCE = 10_000_000_000
MAX_MILES = Decimal("100000.0")
MAX_RECEIPTS = 10

PERCENT = sa.Numeric(6, 3)

# VAT treatment of the expense
VAT_STANDARD = "standard"
VAT_REDUCED = "reduced"
VAT_ZERO = "zero"
VAT_EXEMPT = "exempt"
VAT_OUTSIDE = "outside"
VAT_NONE = "none"  # no VAT shown (supplier not VAT-registered, or no VAT receipt)
VAT_TREATMENTS = {
    VAT_NONE: _l("No VAT (supplier not VAT-registered or no VAT receipt)"),
    VAT_STANDARD: _l("Standard rate %(rate)s%%", rate=20),
    VAT_REDUCED: _l("Reduced rate %(rate)s%%", rate=5),
    VAT_ZERO: _l("Zero rate %(rate)s%%", rate=0),
    VAT_EXEMPT: _l("Exempt"),
    VAT_OUTSIDE: _l("Outside the scope of VAT"),
}
VAT_RATES = {VAT_STANDARD: Decimal(20), VAT_REDUCED: Decimal(5), VAT_ZERO: Decimal(0)}
#: Treatments that can carry a VAT amount.
VAT_BEARING = (VAT_STANDARD, VAT_REDUCED)

# Payment methods
PAYMENT_METHODS = {
    "card": _l("Debit or credit card"),
    "bank_transfer": _l("Bank transfer"),
    "direct_debit": _l("Direct debit or standing order"),
    "cash": _l("Cash"),
    "personal": _l("Paid personally (from a private account)"),
    "deducted": _l("Deducted by an agency or client"),
    "other": _l("Other"),
}

# Sources
MANUAL = "manual"
BANK = "bank"
REMITTANCE = "remittance"
RECURRING = "recurring"
SOURCES = (MANUAL, BANK, REMITTANCE, RECURRING)

# Recurring frequencies (months between occurrences)
FREQUENCIES = {"monthly": 1, "quarterly": 3, "yearly": 12}
FREQUENCY_LABELS = {
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "yearly": _l("Yearly"),
}

VEHICLE_LABELS = {CAR_VAN: _l("Car or van"), MOTORCYCLE: _l("Motorcycle")}


def _in(column: str, values: tuple[str, ...] | list[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Expense(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One business cost."""

    __tablename__ = "expense"
    __table_args__ = (
        sa.Index("ix_expense_user_id_date", "user_id", "date"),
        sa.Index("ix_expense_user_id_category", "user_id", "category"),
        sa.UniqueConstraint("user_id", "source", "external_ref", name="uq_expense_external_ref"),
        sa.UniqueConstraint("recurring_id", "period_date", name="uq_expense_recurring_period"),
        sa.CheckConstraint(_in("category", categories.CODES), name="category_known"),
        sa.CheckConstraint(_in("source", SOURCES), name="source_known"),
        sa.CheckConstraint(_in("vat_treatment", tuple(VAT_TREATMENTS)), name="vat_known"),
        sa.CheckConstraint("amount_pence >= 0", name="amount_positive"),
        sa.CheckConstraint("vat_pence >= 0 AND vat_pence <= amount_pence", name="vat_range"),
        sa.CheckConstraint(
            "business_percent >= 0 AND business_percent <= 100", name="business_percent_range"
        ),
    )

    date: Mapped[dt.date] = mapped_column(sa.Date)
    supplier: Mapped[str] = mapped_column(sa.String(SUPPLIER_MAX), default="")
    description: Mapped[str] = mapped_column(sa.String(DESCRIPTION_MAX), default="")
    category: Mapped[str] = mapped_column(sa.String(32), default="other")
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    vat_treatment: Mapped[str] = mapped_column(sa.String(16), default=VAT_NONE)
    vat_reclaimable: Mapped[bool] = mapped_column(default=False)
    business_percent: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal(100))
    payment_method: Mapped[str | None] = mapped_column(sa.String(16))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    rebillable: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(16), default=MANUAL)
    external_ref: Mapped[str | None] = mapped_column(sa.String(EXTERNAL_REF_MAX))
    recurring_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("recurring_expense.id", ondelete="SET NULL"), index=True
    )
    period_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: the user confirmed a warned cost (clothing, grooming...) is wholly for the business
    warnings_confirmed: Mapped[bool] = mapped_column(default=False)

    # Derived on every insert/update (see _derive)
    business_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reclaimable_vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    allowable_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    job = relationship("Job", lazy="raise")
    receipts: Mapped[list[ExpenseReceipt]] = relationship(
        back_populates="expense",
        cascade="all, delete-orphan",
        order_by="ExpenseReceipt.created_at",
        lazy="selectin",
    )

    @property
    def category_info(self) -> categories.Category:
        return categories.get(self.category)

    @property
    def warnings(self) -> list[categories.ExpenseWarning]:
        return categories.warnings_for(self.category, self.supplier, self.description)

    @property
    def disallowable_pence(self) -> int:
        """The business share that cannot be claimed (SA103F boxes 32-46)."""
        return self.business_pence - self.allowable_pence

    @property
    def net_pence(self) -> int:
        return self.amount_pence - self.vat_pence


def compute_figures(
    *,
    amount_pence: int,
    vat_pence: int,
    vat_reclaimable: bool,
    business_percent: Decimal,
    category: str,
    warnings_confirmed: bool,
) -> tuple[int, int, int]:
    """(business_pence, reclaimable_vat_pence, allowable_pence) of an expense.

    The business share of the cost excludes the VAT that is reclaimed from HMRC; the reclaimed
    VAT is itself limited to the business share. Always-disallowable categories allow nothing;
    usually-disallowable ones allow nothing unless the user confirmed them.
    """
    pct = Decimal(business_percent) / 100
    reclaim = _round(Decimal(vat_pence) * pct) if vat_reclaimable else 0
    cost = amount_pence - (vat_pence if vat_reclaimable else 0)
    business = _round(Decimal(cost) * pct)
    info = categories.get(category)
    if info.disallowable or (info.usually_disallowable and not warnings_confirmed):
        allowable = 0
    else:
        allowable = business
    return business, reclaim, allowable


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@event.listens_for(Expense, "before_insert")
@event.listens_for(Expense, "before_update")
def _derive(mapper: object, connection: object, expense: Expense) -> None:
    expense.business_pence, expense.reclaimable_vat_pence, expense.allowable_pence = (
        compute_figures(
            amount_pence=expense.amount_pence,
            vat_pence=expense.vat_pence or 0,
            vat_reclaimable=bool(expense.vat_reclaimable),
            business_percent=(
                Decimal(100) if expense.business_percent is None else expense.business_percent
            ),
            category=expense.category or "other",
            warnings_confirmed=bool(expense.warnings_confirmed),
        )
    )


class ExpenseReceipt(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A receipt (image or PDF) attached to an expense."""

    __tablename__ = "expense_receipt"
    __table_args__ = (sa.UniqueConstraint("expense_id", "file_id"),)

    expense_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("expense.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="CASCADE"), index=True
    )
    expense: Mapped[Expense] = relationship(back_populates="receipts")
    file: Mapped[StoredFile] = relationship(lazy="joined")


class PendingReceipt(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A receipt uploaded with an expense form that came back (a warning to confirm, a field to
    correct). A browser never sends a file twice, so the file is kept, stored and validated,
    and the form carries this row's id in a hidden field; saving the form attaches the file to
    the expense and removes the row. Unclaimed rows expire (:mod:`minimin.expenses.pending`)."""

    __tablename__ = "pending_receipt"

    file_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    file: Mapped[StoredFile] = relationship(lazy="joined")


class RecurringExpense(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A subscription (Spotlight, Equity...) that becomes an expense on every due date."""

    __tablename__ = "recurring_expense"
    __table_args__ = (
        sa.Index("ix_recurring_expense_active_next_due", "active", "next_due"),
        sa.CheckConstraint(_in("frequency", tuple(FREQUENCIES)), name="frequency_known"),
        sa.CheckConstraint(_in("category", categories.CODES), name="category_known"),
        sa.CheckConstraint("amount_pence >= 0", name="amount_positive"),
        sa.CheckConstraint("vat_pence >= 0 AND vat_pence <= amount_pence", name="vat_range"),
    )

    supplier: Mapped[str] = mapped_column(sa.String(SUPPLIER_MAX))
    description: Mapped[str] = mapped_column(sa.String(DESCRIPTION_MAX), default="")
    category: Mapped[str] = mapped_column(sa.String(32))
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    vat_treatment: Mapped[str] = mapped_column(sa.String(16), default=VAT_NONE)
    vat_reclaimable: Mapped[bool] = mapped_column(default=False)
    business_percent: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal(100))
    payment_method: Mapped[str | None] = mapped_column(sa.String(16))
    frequency: Mapped[str] = mapped_column(sa.String(16))
    start_date: Mapped[dt.date] = mapped_column(sa.Date)
    end_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: occurrences created so far; the next due date is start_date + count × frequency
    occurrences: Mapped[int] = mapped_column(default=0)
    next_due: Mapped[dt.date | None] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)


class Journey(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A business journey in the mileage log (valued by minimin.expenses.mileage)."""

    __tablename__ = "journey"
    __table_args__ = (
        sa.Index("ix_journey_user_id_date", "user_id", "date"),
        sa.CheckConstraint(_in("vehicle", (CAR_VAN, MOTORCYCLE)), name="vehicle_known"),
        sa.CheckConstraint("miles >= 0", name="miles_positive"),
    )

    date: Mapped[dt.date] = mapped_column(sa.Date)
    origin: Mapped[str] = mapped_column(sa.String(PLACE_MAX))
    destination: Mapped[str] = mapped_column(sa.String(PLACE_MAX))
    purpose: Mapped[str] = mapped_column(sa.String(PURPOSE_MAX))
    miles: Mapped[Decimal] = mapped_column(sa.Numeric(8, 1))
    vehicle: Mapped[str] = mapped_column(sa.String(16), default=CAR_VAN)
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    job = relationship("Job", lazy="raise")
