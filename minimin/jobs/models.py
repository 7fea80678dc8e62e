"""Jobs (bookings): the work a user is offered, does, invoices and is paid for.

A :class:`Job` has one or more :class:`JobDate` rows, any number of :class:`FeeLine` rows and a
history of :class:`JobStatusChange` rows. Money is integer pence (``BigInteger``) in the job's
currency; a fee line stores its computed amount (quantity × unit amount, rounded half-up to the
penny) so that list totals are exact SQL sums.

Commission terms (rate, VAT on commission, quoting mode, agency fee, mother-agency share) are
copied from the agency when the job is booked and are editable per job afterwards: a change to
the agency's terms never rewrites the expected net of jobs already booked.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.contacts import models as contacts_models
from minimin.contacts.kinds import KIND_CODE_MAX
from minimin.core import changes
from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db
from minimin.files.models import StoredFile

TITLE_MAX = 200
LOCATION_MAX = 200
NOTES_MAX = 5000
DESCRIPTION_MAX = 300
USAGE_TEXT_MAX = 200
#: The largest amount accepted on a job or fee line: £100 million, far inside BigInteger and
#: the same ceiling as invoices, so every job can become an invoice.
MAX_PENCE = 10_000_000_000
MAX_DATES = 60
MAX_FEE_LINES = 40
#: Files (call sheets, briefs, usage contracts) one job may carry.
MAX_ATTACHMENTS = 20

PERCENT = sa.Numeric(6, 3)
QUANTITY = sa.Numeric(12, 3)

# ----------------------------------------------------------------------------- statuses
ENQUIRY = "enquiry"
OPTION_FIRST = "option_first"
OPTION_SECOND = "option_second"
CONFIRMED = "confirmed"
COMPLETED = "completed"
INVOICED = "invoiced"
PAID = "paid"
CANCELLED = "cancelled"
STATUSES = (
    ENQUIRY,
    OPTION_FIRST,
    OPTION_SECOND,
    CONFIRMED,
    COMPLETED,
    INVOICED,
    PAID,
    CANCELLED,
)
#: Statuses in which a job cancelled with a fee earns that fee alone: cancelled, then invoiced
#: and paid for it (jobs.services.bills_cancellation_fee).
FEE_ONLY_STATUSES = (CANCELLED, INVOICED, PAID)
STATUS_LABELS = {
    ENQUIRY: _l("Enquiry"),
    OPTION_FIRST: _l("First option"),
    OPTION_SECOND: _l("Second option"),
    CONFIRMED: _l("Confirmed"),
    COMPLETED: _l("Completed"),
    INVOICED: _l("Invoiced"),
    PAID: _l("Paid"),
    CANCELLED: _l("Cancelled"),
}

# ----------------------------------------------------------------------------- fee lines
DAY_RATE = "day_rate"
HALF_DAY = "half_day"
HOURLY = "hourly"
FIXED = "fixed"
USAGE = "usage"
OVERTIME = "overtime"
EXPENSES = "expenses"
PER_DIEM = "per_diem"
FEE_KINDS = (DAY_RATE, HALF_DAY, HOURLY, FIXED, USAGE, OVERTIME, EXPENSES, PER_DIEM)
FEE_KIND_LABELS = {
    DAY_RATE: _l("Day rate × days"),
    HALF_DAY: _l("Half day"),
    HOURLY: _l("Hourly"),
    FIXED: _l("Fixed fee"),
    USAGE: _l("Usage / buyout"),
    OVERTIME: _l("Overtime"),
    EXPENSES: _l("Expenses re-billed at cost"),
    PER_DIEM: _l("Per diem"),
}
#: Kinds that usually carry no commission (DOMAIN.md): their commission flag defaults off. VAT
#: is another matter: a cost re-billed to the customer is part of the supply and carries VAT
#: like the fee, unless the user chooses to treat it as a disbursement (VAT Notice 700 s. 25).
PASS_THROUGH_KINDS = frozenset({EXPENSES, PER_DIEM})

CURRENCIES = ("GBP", "EUR", "USD")

#: How an attached file's type is shown (the type comes from its content, never its name).
ATTACHMENT_TYPE_LABELS = {
    "application/pdf": _l("PDF document"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
    "image/webp": _l("WebP image"),
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Job(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A booking: who it is for, when, where, what it pays and where it stands."""

    __tablename__ = "job"
    __table_args__ = (
        sa.Index("ix_job_user_id_status", "user_id", "status"),
        sa.Index("ix_job_user_id_starts_on", "user_id", "starts_on"),
        sa.Index("ix_job_user_id_client_id", "user_id", "client_id"),
        sa.Index("ix_job_user_id_agency_id", "user_id", "agency_id"),
        sa.CheckConstraint(_in("status", STATUSES), name="status_known"),
        sa.CheckConstraint(
            "quoting IN ('fee_plus_agency_fee', 'fee_inclusive')", name="quoting_known"
        ),
        sa.CheckConstraint(
            "commission_percent IS NULL OR (commission_percent >= 0 AND commission_percent <= 100)",
            name="commission_range",
        ),
        sa.CheckConstraint(
            "cancellation_fee_pence IS NULL OR cancellation_fee_pence >= 0",
            name="cancellation_fee_positive",
        ),
    )

    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("client.id", ondelete="SET NULL")
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="SET NULL")
    )
    location: Mapped[str | None] = mapped_column(sa.String(LOCATION_MAX))
    kind_of_work: Mapped[str | None] = mapped_column(sa.String(KIND_CODE_MAX))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=ENQUIRY)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    cancellation_fee_pence: Mapped[int | None] = mapped_column(sa.BigInteger)

    #: First and last dates of the job (from its dates): what lists sort and filter on.
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)

    # Commission terms, copied from the agency at booking and editable per job.
    commission_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    commission_vat: Mapped[bool] = mapped_column(default=False)
    quoting: Mapped[str] = mapped_column(sa.String(24), default="fee_inclusive")
    agency_fee_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    mother_agency_share_percent: Mapped[Decimal | None] = mapped_column(PERCENT)

    #: The totals as last computed by :mod:`minimin.jobs.commission` when the job was saved,
    #: with the freelancer's VAT registration they assumed: lists show these without
    #: recomputing each row (and recompute a row whose assumption no longer holds).
    gross_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    commission_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    vat_on_commission_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    net_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    totals_vat_registered: Mapped[bool | None] = mapped_column()

    #: The invoice that billed this job (set by the invoices feature through the services).
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    invoiced_at: Mapped[datetime | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()

    dates: Mapped[list[JobDate]] = relationship(
        back_populates="job",
        cascade="all, delete-orphan",
        order_by="[JobDate.day, JobDate.position]",
        passive_deletes=True,
    )
    fee_lines: Mapped[list[FeeLine]] = relationship(
        back_populates="job",
        foreign_keys="FeeLine.job_id",
        cascade="all, delete-orphan",
        order_by="FeeLine.position",
        passive_deletes=True,
    )
    status_changes: Mapped[list[JobStatusChange]] = relationship(
        back_populates="job",
        cascade="all, delete-orphan",
        order_by="JobStatusChange.at",
        passive_deletes=True,
    )
    attachments: Mapped[list[JobAttachment]] = relationship(
        back_populates="job",
        cascade="all, delete-orphan",
        order_by="JobAttachment.created_at",
        passive_deletes=True,
    )
    client: Mapped[contacts_models.Client | None] = relationship(lazy="raise_on_sql")
    agency: Mapped[contacts_models.Agency | None] = relationship(lazy="raise_on_sql")

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_agency_job(self) -> bool:
        return self.agency_id is not None

    @property
    def is_locked(self) -> bool:
        """Invoiced and paid jobs are a record of what was billed: they are not edited."""
        return self.status in (INVOICED, PAID)


class JobDate(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One day of a job, with optional start and end times (UK local time)."""

    __tablename__ = "job_date"
    __table_args__ = (sa.Index("ix_job_date_user_id_day", "user_id", "day"),)

    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("job.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    day: Mapped[date] = mapped_column(sa.Date)
    starts_at: Mapped[time | None] = mapped_column(sa.Time)
    ends_at: Mapped[time | None] = mapped_column(sa.Time)

    job: Mapped[Job] = relationship(back_populates="dates")


class FeeLine(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """What one part of the job pays: quantity × unit amount, with its commission and VAT."""

    __tablename__ = "job_fee_line"
    __table_args__ = (
        sa.Index("ix_job_fee_line_user_id_usage_expires_on", "user_id", "usage_expires_on"),
        sa.CheckConstraint(_in("kind", FEE_KINDS), name="kind_known"),
        sa.CheckConstraint("quantity >= 0", name="quantity_positive"),
        sa.CheckConstraint("unit_amount_pence >= 0", name="unit_amount_positive"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("job.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str | None] = mapped_column(sa.String(DESCRIPTION_MAX))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("1"))
    unit_amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    #: quantity × unit amount, rounded half-up to the penny (kept so totals are SQL sums).
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    commissionable: Mapped[bool] = mapped_column(default=True)
    vat_applies: Mapped[bool] = mapped_column(default=True)
    # Usage / buyout terms.
    media: Mapped[str | None] = mapped_column(sa.String(USAGE_TEXT_MAX))
    territory: Mapped[str | None] = mapped_column(sa.String(USAGE_TEXT_MAX))
    term: Mapped[str | None] = mapped_column(sa.String(USAGE_TEXT_MAX))
    usage_expires_on: Mapped[date | None] = mapped_column(sa.Date)
    #: When the renewal reminder for this expiry date was sent, and for which date, so each
    #: expiry date reminds once and a changed expiry date reminds again.
    expiry_reminder_sent_at: Mapped[datetime | None] = mapped_column()
    expiry_reminder_sent_for: Mapped[date | None] = mapped_column(sa.Date)
    #: The job that bills this licence's renewal (:mod:`minimin.jobs.renewal`): a renewed
    #: line is not renewed again and gets no more expiry reminders (the renewal's own line
    #: carries the new expiry date). Deleting the renewal job makes the line renewable again.
    renewed_by_job_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("job.id", ondelete="SET NULL"), index=True
    )

    job: Mapped[Job] = relationship(back_populates="fee_lines", foreign_keys=[job_id])

    @property
    def kind_label(self) -> str:
        return str(FEE_KIND_LABELS.get(self.kind, self.kind))


class JobAttachment(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A file attached to a job: a call sheet, a brief, a usage contract (PDF or image).

    The bytes and their owner-checked download live in :mod:`minimin.files`; this row only
    links the file to the job. Removing the row removes the file once the removal commits.
    """

    __tablename__ = "job_attachment"
    __table_args__ = (sa.UniqueConstraint("job_id", "file_id"),)

    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("job.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="CASCADE"), index=True
    )

    job: Mapped[Job] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")

    @property
    def type_label(self) -> str:
        return str(ATTACHMENT_TYPE_LABELS.get(self.file.content_type, self.file.content_type))


class JobStatusChange(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One move of a job from one status to another, with its time (UTC)."""

    __tablename__ = "job_status_change"

    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("job.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column()

    job: Mapped[Job] = relationship(back_populates="status_changes")

    @property
    def from_label(self) -> str:
        return str(STATUS_LABELS.get(self.from_status or "", self.from_status or ""))

    @property
    def to_label(self) -> str:
        return str(STATUS_LABELS.get(self.to_status, self.to_status))


#: A job list's count and gross are kept until one of the user's jobs or fee lines changes.
JOBS_CHANGED = "jobs"
changes.track(Job, JOBS_CHANGED)
changes.track(FeeLine, JOBS_CHANGED)
