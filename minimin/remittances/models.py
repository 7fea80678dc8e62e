"""Agency remittances: what an agency paid, line by line, and the income it records.

A :class:`Remittance` is an agency's remittance advice or self-billed statement. Its
:class:`RemittanceLine` rows say, per job, the gross fee, the VAT on the fee (only when the
freelancer is VAT-registered), the agency's commission, the VAT on that commission, expenses
reimbursed and the net paid: ``net = gross + fee VAT - commission - commission VAT + expenses``.

Status: ``draft`` (entered or imported) -> ``matched`` (each line's job and the bank deposit
confirmed by the user) -> ``posted`` (income and commission recorded, jobs paid; read-only).

Posting writes one :class:`AgencyIncome` row per line: ``income_pence`` (gross fee + expenses
reimbursed, excluding VAT) and ``output_vat_pence`` (the freelancer's output VAT collected by the
agency) received on ``received_on``. The journal (:mod:`minimin.ledger.sources.remittances`,
docs/ledger.md "Posted remittance") is what reports read. A line whose job the user invoiced
**settles that invoice** instead: posting records a payment on the invoice (method "agency
remittance"), the row names the invoice and the payment, and its income figures are zero, since
the invoice is the income document. The commission and its VAT are an expense (minimin.expenses,
source ``remittance``), not netted off here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.banking import models as _banking_models  # noqa: F401 - bank_transaction table
from minimin.contacts.models import Agency
from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.expenses import models as _expenses_models  # noqa: F401 - expense table
from minimin.extensions import db
from minimin.files import models as _files_models  # noqa: F401 - stored_file table
from minimin.invoices import models as _invoices_models  # noqa: F401 - invoice tables
from minimin.jobs import models as _jobs_models  # noqa: F401 - job table

REFERENCE_MAX = 100
DESCRIPTION_MAX = 300
#: The largest amount on a line or a remittance: £100 million, as jobs and invoices.
MAX_PENCE = 10_000_000_000
MAX_LINES = 100

REMITTANCE_ADVICE = "advice"
SELF_BILLED = "self_billed"
KINDS = (REMITTANCE_ADVICE, SELF_BILLED)
KIND_LABELS = {
    REMITTANCE_ADVICE: _l("Remittance advice"),
    SELF_BILLED: _l("Self-billed statement"),
}

DRAFT = "draft"
MATCHED = "matched"
POSTED = "posted"
STATUSES = (DRAFT, MATCHED, POSTED)
STATUS_LABELS = {DRAFT: _l("Draft"), MATCHED: _l("Matched"), POSTED: _l("Posted")}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Remittance(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One remittance advice or self-billed statement from an agency."""

    __tablename__ = "remittance"
    __table_args__ = (
        sa.Index("ix_remittance_user_id_date", "user_id", "date"),
        sa.Index("ix_remittance_user_id_status", "user_id", "status"),
        sa.CheckConstraint(_in("kind", KINDS), name="kind_known"),
        sa.CheckConstraint(_in("status", STATUSES), name="status_known"),
        sa.CheckConstraint("total_net_pence >= 0", name="total_positive"),
    )

    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=REMITTANCE_ADVICE)
    date: Mapped[dt.date] = mapped_column(sa.Date)
    reference: Mapped[str | None] = mapped_column(sa.String(REFERENCE_MAX))
    #: Self-billed statements: the invoice number the agency gave the self-billed invoice.
    agency_invoice_number: Mapped[str | None] = mapped_column(sa.String(REFERENCE_MAX))
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    #: The total net paid as the document states it (lines are checked against it).
    total_net_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)
    source_file_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL"), index=True
    )
    bank_transaction_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("bank_transaction.id", ondelete="SET NULL"), index=True
    )
    matched_at: Mapped[dt.datetime | None] = mapped_column()
    posted_at: Mapped[dt.datetime | None] = mapped_column()

    agency: Mapped[Agency] = relationship(lazy="selectin")
    lines: Mapped[list[RemittanceLine]] = relationship(
        back_populates="remittance",
        cascade="all, delete-orphan",
        order_by="RemittanceLine.position",
        passive_deletes=True,
        lazy="selectin",
    )

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_posted(self) -> bool:
        return self.status == POSTED

    @property
    def lines_net_pence(self) -> int:
        return sum(line.net_pence for line in self.lines)


class RemittanceLine(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One line of a remittance: usually one job."""

    __tablename__ = "remittance_line"
    __table_args__ = (
        sa.CheckConstraint("gross_pence >= 0", name="gross_positive"),
        sa.CheckConstraint("fee_vat_pence >= 0", name="fee_vat_positive"),
        sa.CheckConstraint("commission_pence >= 0", name="commission_positive"),
        sa.CheckConstraint("commission_vat_pence >= 0", name="commission_vat_positive"),
    )

    remittance_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("remittance.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    #: The agency's own job or booking reference, as printed.
    reference: Mapped[str | None] = mapped_column(sa.String(REFERENCE_MAX))
    description: Mapped[str | None] = mapped_column(sa.String(DESCRIPTION_MAX))
    work_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    gross_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The freelancer's output VAT on the fee, collected by the agency (VAT-registered only).
    fee_vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    commission_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    commission_vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Expenses reimbursed (re-billed at cost, per diems); may be negative for a charge.
    expenses_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    net_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    remittance: Mapped[Remittance] = relationship(back_populates="lines")

    @property
    def computed_net_pence(self) -> int:
        return (
            self.gross_pence
            + self.fee_vat_pence
            - self.commission_pence
            - self.commission_vat_pence
            + self.expenses_pence
        )

    @property
    def label(self) -> str:
        return self.description or self.reference or ""


class AgencyIncome(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """Income recorded by posting one remittance line (see the module docstring)."""

    __tablename__ = "agency_income"
    __table_args__ = (
        sa.UniqueConstraint("remittance_line_id", name="uq_agency_income_line"),
        sa.Index("ix_agency_income_user_id_received_on", "user_id", "received_on"),
    )

    remittance_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("remittance.id", ondelete="CASCADE"), index=True
    )
    remittance_line_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("remittance_line.id", ondelete="CASCADE")
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="SET NULL"), index=True
    )
    #: The day the money arrived (the bank deposit's date, else the remittance date).
    received_on: Mapped[dt.date] = mapped_column(sa.Date)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    #: Turnover: gross fee + expenses reimbursed, excluding VAT. What reports sum.
    income_pence: Mapped[int] = mapped_column(sa.BigInteger)
    gross_fee_pence: Mapped[int] = mapped_column(sa.BigInteger)
    expenses_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    output_vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    commission_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    commission_vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    net_pence: Mapped[int] = mapped_column(sa.BigInteger)
    #: The commission expense created for this line, if any.
    expense_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("expense.id", ondelete="SET NULL"), index=True
    )
    #: The user's invoice this line settled (its job was invoiced): the line is then no
    #: income of its own, and its income figures are zero.
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="SET NULL"), index=True
    )
    #: The payment posting recorded on that invoice for this line (none when the invoice was
    #: no longer awaiting payment).
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("invoice_payment.id", ondelete="SET NULL"), index=True
    )

    @property
    def settles_invoice(self) -> bool:
        return self.invoice_id is not None


READING = "reading"
READ = "read"
UNREADABLE = "unreadable"
IMPORT_STATUSES = (READING, READ, UNREADABLE)


class RemittanceImport(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One remittance PDF being read in the background (:mod:`minimin.remittances.tasks`).

    ``reading`` -> ``read`` (``remittance_id`` set when every line was read and the remittance
    was created; otherwise ``result`` holds what was read, to prefill the form) or
    ``unreadable`` (the reader failed or ran out of time or memory; the PDF has been deleted).
    Rows also count a user's recent imports for the rate limit.
    """

    __tablename__ = "remittance_import"
    __table_args__ = (
        sa.Index("ix_remittance_import_user_id_created_at", "user_id", "created_at"),
        sa.CheckConstraint(_in("status", IMPORT_STATUSES), name="status_known"),
        sa.CheckConstraint(_in("kind", KINDS), name="kind_known"),
    )

    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(sa.String(16), default=REMITTANCE_ADVICE)
    status: Mapped[str] = mapped_column(sa.String(16), default=READING)
    file_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL")
    )
    remittance_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("remittance.id", ondelete="SET NULL")
    )
    #: What was read (minimin.remittances.parsers.sandbox.to_json) when it needs checking.
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
