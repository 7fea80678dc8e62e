"""Invoices, their lines, payments, credit notes, refunds and reminder schedules.

An invoice is a **draft** until it is issued. Issuing assigns the next number of the business's
sequence inside the issuing transaction, freezes the supplier and customer details into JSON
snapshots, renders the PDF once and stores it with its SHA-256: from then on the invoice's legal
content never changes. Later events (payments, credit notes, sending, reminders) change only the
status and the running balance.

Money is integer minor units of the invoice's currency (``*_pence``); VAT in sterling is kept
beside it for invoices in another currency (``vat_gbp_pence``).

Balances. Four running totals are kept on the invoice: ``total_pence`` (as issued),
``credited_pence`` (credit notes), ``paid_pence`` (payments received) and ``refunded_pence``
(money paid back). What the customer owes for the supply is the total less credit notes
(:attr:`Invoice.billed_pence`); what the business holds is payments less refunds
(:attr:`Invoice.held_pence`). The difference is either still outstanding or, when a credit
note takes the invoice below what was already paid, a refund due to the customer. Refunds are
recorded only against a refund due, so an invoice with refunds never has money outstanding.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core import changes
from minimin.core.crypto import SealedSnapshot
from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db

DRAFT = "draft"
ISSUED = "issued"
SENT = "sent"
PART_PAID = "part_paid"
PAID = "paid"
VOID = "void"
STATUSES = (DRAFT, ISSUED, SENT, PART_PAID, PAID, VOID)
#: Statuses in which money is still expected.
OPEN_STATUSES = (ISSUED, SENT, PART_PAID)

RECUR_MONTHLY = "monthly"
RECUR_QUARTERLY = "quarterly"
RECURRENCES = (RECUR_MONTHLY, RECUR_QUARTERLY)

METHOD_BANK = "bank_transfer"
METHOD_CARD = "card"
METHOD_CASH = "cash"
METHOD_CHEQUE = "cheque"
METHOD_STRIPE = "stripe"
METHOD_OTHER = "other"
#: Recorded by posting an agency remittance that settles the invoice (never chosen by hand).
METHOD_AGENCY_REMITTANCE = "agency_remittance"
PAYMENT_METHODS = (
    METHOD_BANK,
    METHOD_CARD,
    METHOD_CASH,
    METHOD_CHEQUE,
    METHOD_STRIPE,
    METHOD_OTHER,
    METHOD_AGENCY_REMITTANCE,
)

DESCRIPTION_MAX = 500
NOTES_MAX = 2000
REFERENCE_MAX = 120
REFUND_NOTE_MAX = 500
NUMBER_MAX = 40
#: The largest amount accepted anywhere on an invoice: £100 million, far inside BigInteger.
MAX_PENCE = 10_000_000_000
QUANTITY = sa.Numeric(12, 3)


class Invoice(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "invoice"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "number", name="uq_invoice_user_id_number"),
        sa.Index("ix_invoice_user_id_status", "user_id", "status"),
        sa.Index("ix_invoice_user_id_created_at", "user_id", "created_at"),
        # The list's order (drafts, then by number, newest first) read straight off the index.
        sa.Index("ix_invoice_user_id_sequence", "user_id", "sequence", "created_at"),
        sa.CheckConstraint(
            "status IN ('draft', 'issued', 'sent', 'part_paid', 'paid', 'void')",
            name="status_known",
        ),
        sa.CheckConstraint(
            "NOT (client_id IS NOT NULL AND agency_id IS NOT NULL)", name="one_bill_to"
        ),
        sa.CheckConstraint("paid_pence >= 0 AND credited_pence >= 0", name="balances_positive"),
    )

    number: Mapped[str | None] = mapped_column(sa.String(NUMBER_MAX))
    sequence: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)

    client_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="RESTRICT"), index=True
    )
    #: The bill-to name, kept on the row so that the invoice list needs no join.
    customer_name: Mapped[str] = mapped_column(sa.String(200), default="")

    issue_date: Mapped[date | None] = mapped_column(sa.Date)
    tax_point: Mapped[date | None] = mapped_column(sa.Date)
    due_date: Mapped[date | None] = mapped_column(sa.Date, index=True)
    payment_terms_days: Mapped[int | None] = mapped_column()

    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    #: Units of ``currency`` per £1, as HMRC publishes its rates (``None`` for GBP invoices).
    exchange_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 8))

    net_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Total VAT in sterling pence (HMRC: a VAT invoice states VAT in sterling).
    vat_gbp_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    paid_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credited_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Money paid back to the customer (refunds of credited amounts already paid).
    refunded_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    notes: Mapped[str | None] = mapped_column(sa.Text)
    #: Frozen at issue: name, address, VAT number, bank details, scheme of the business. The
    #: bank details are encrypted and bound to this row (core/crypto.py ``SealedSnapshot``).
    supplier_snapshot: Mapped[dict[str, Any] | None] = mapped_column(SealedSnapshot)
    #: Frozen at issue: the customer's name, address, VAT number and kind.
    customer_snapshot: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    #: SHA-256 of the client page token; the token itself is derived with the server's HMAC key.
    public_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    public_token_salt: Mapped[str | None] = mapped_column(sa.String(32))

    pdf_key: Mapped[str | None] = mapped_column(sa.String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    issued_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column()
    reminders_paused: Mapped[bool] = mapped_column(default=False)

    #: Recurring invoices: this draft is the template; copies are made on ``next_run_on``.
    recurrence: Mapped[str | None] = mapped_column(sa.String(16))
    recurrence_next_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    recurrence_issue: Mapped[bool] = mapped_column(default=False)
    #: The day of the month the schedule keeps to (its first date's): a schedule started on the
    #: 31st runs on the last day of shorter months and on the 31st again after them.
    recurrence_day: Mapped[int | None] = mapped_column(sa.SmallInteger)
    recurring_source_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="SET NULL")
    )

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="InvoiceLine.position",
        lazy="selectin",
        passive_deletes=True,
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="Payment.paid_on",
        lazy="selectin",
        passive_deletes=True,
    )
    credit_notes: Mapped[list[CreditNote]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="CreditNote.sequence",
        lazy="selectin",
        passive_deletes=True,
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="Refund.refunded_on",
        lazy="selectin",
        passive_deletes=True,
    )

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def billed_pence(self) -> int:
        """What the customer owes for the supply: the total less credit notes."""
        return self.total_pence - self.credited_pence

    @property
    def held_pence(self) -> int:
        """The money the business holds for this invoice: payments less refunds."""
        return self.paid_pence - self.refunded_pence

    @property
    def outstanding_pence(self) -> int:
        """Still to be paid by the customer (never negative)."""
        if self.status in (DRAFT, VOID):
            return 0
        return max(self.billed_pence - self.held_pence, 0)

    @property
    def refund_due_pence(self) -> int:
        """Owed back to the customer: what was paid beyond the total less credit notes (after
        the refunds already made). Never negative."""
        if self.status == DRAFT:
            return 0
        return max(self.held_pence - self.billed_pence, 0)

    @property
    def creditable_pence(self) -> int:
        """How much more can still be credited: the total less what is already credited."""
        if self.status == DRAFT:
            return 0
        return max(self.billed_pence, 0)

    @property
    def display_number(self) -> str:
        return self.number or ""


#: The counts and ageing above the invoice list are kept until one of the user's invoices
#: changes (payments, credit notes and refunds all change their invoice's balances).
INVOICES_CHANGED = "invoices"
changes.track(Invoice, INVOICES_CHANGED)


class InvoiceLine(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "invoice_line"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(DESCRIPTION_MAX))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("1"))
    unit_price_pence: Mapped[int] = mapped_column(sa.BigInteger)
    vat_treatment: Mapped[str] = mapped_column(sa.String(24))
    #: The VAT rate in percent as applied (e.g. ``20``), recorded so later rate changes do not
    #: alter an issued invoice.
    vat_rate: Mapped[Decimal] = mapped_column(sa.Numeric(6, 3), default=Decimal("0"))
    net_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The job this line was copied from, if any.
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "invoice_payment"
    __table_args__ = (
        sa.CheckConstraint("amount_pence > 0", name="amount_positive"),
        # Unique per user, not globally: each user connects their own Stripe account and signs
        # its webhooks with a secret they chose, so an id one user records (received, or made
        # up and signed by them) must not block another user's real payment with that id.
        sa.UniqueConstraint(
            "user_id",
            "stripe_payment_intent_id",
            name="uq_invoice_payment_user_id_stripe_payment_intent_id",
        ),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    paid_on: Mapped[date] = mapped_column(sa.Date)
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    method: Mapped[str] = mapped_column(sa.String(24), default=METHOD_BANK)
    reference: Mapped[str | None] = mapped_column(sa.String(REFERENCE_MAX))
    #: The agency remittance whose posting recorded this payment (method agency_remittance).
    remittance_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("remittance.id", ondelete="SET NULL"), index=True
    )
    stripe_event_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class CreditNote(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A credit against an issued invoice: numbered in its own sequence, with its own PDF."""

    __tablename__ = "credit_note"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "number", name="uq_credit_note_user_id_number"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(sa.String(NUMBER_MAX))
    sequence: Mapped[int] = mapped_column(sa.BigInteger)
    issue_date: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    full: Mapped[bool] = mapped_column(default=False)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    net_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    vat_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    vat_gbp_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: The invoice's snapshot, its bank details encrypted and bound to this row.
    supplier_snapshot: Mapped[dict[str, Any] | None] = mapped_column(SealedSnapshot)
    customer_snapshot: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: The credited lines as printed: description, quantity, unit price, rate, net, VAT.
    lines_snapshot: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    pdf_key: Mapped[str | None] = mapped_column(sa.String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    invoice: Mapped[Invoice] = relationship(back_populates="credit_notes")

    @property
    def refunded_pence(self) -> int:
        """The refunds recorded against this credit note (read from the invoice's refunds,
        which are loaded with it)."""
        return sum(r.amount_pence for r in self.invoice.refunds if r.credit_note_id == self.id)


class Refund(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """Money paid back to the customer of an invoice after a credit note took the invoice below
    what had been paid. Linked to the credit note it refunds (whose VAT fraction the refund
    carries on the cash basis); the link is cleared, not the refund, should the note go."""

    __tablename__ = "invoice_refund"
    __table_args__ = (
        sa.CheckConstraint("amount_pence > 0", name="amount_positive"),
        # Cash-basis reports and cash-accounting VAT returns read refunds by date.
        sa.Index("ix_invoice_refund_user_id_refunded_on", "user_id", "refunded_on"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    credit_note_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("credit_note.id", ondelete="SET NULL"), index=True
    )
    refunded_on: Mapped[date] = mapped_column(sa.Date)
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    method: Mapped[str] = mapped_column(sa.String(16), default=METHOD_BANK)
    note: Mapped[str | None] = mapped_column(sa.String(REFUND_NOTE_MAX))

    invoice: Mapped[Invoice] = relationship(back_populates="refunds")
    credit_note: Mapped[CreditNote | None] = relationship()


class ReminderRule(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One step of a user's reminder schedule: *offset_days* from the due date (negative before)."""

    __tablename__ = "invoice_reminder_rule"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "offset_days", name="uq_invoice_reminder_rule_offset"),
        sa.CheckConstraint("offset_days >= -60 AND offset_days <= 365", name="offset_range"),
    )

    offset_days: Mapped[int] = mapped_column()
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    enabled: Mapped[bool] = mapped_column(default=True)


class ReminderSent(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """A reminder already sent: the unique key makes the daily job safe to run twice."""

    __tablename__ = "invoice_reminder_sent"
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "offset_days", name="uq_invoice_reminder_sent_step"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    offset_days: Mapped[int] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column()
    email_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)


class InvoiceEmail(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """Links an outbox email to the invoice it was about (the invoice's email log)."""

    __tablename__ = "invoice_email"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    email_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("outbound_email.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
