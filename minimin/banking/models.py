"""Bank accounts, imported statement transactions, import jobs, categorisation rules and the
reconciliation links between a bank transaction and what it paid (an invoice, an expense, an
agency payment).

Money is integer minor units (``*_pence`` BigInteger) in the account's currency, signed on a
transaction: positive money in, negative money out.

Every transaction carries a ``fingerprint`` (SHA-256 of the account, date, amount, normalised
description, the bank's FITID when it gave one, and the occurrence index of identical rows on
the same day in the same file); ``(bank_account_id, fingerprint)`` is unique, so importing the
same or an overlapping statement again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db

NAME_MAX = 100
#: The currencies a bank account may be kept in.
CURRENCIES = ("GBP", "EUR", "USD")
DESCRIPTION_MAX = 500
COUNTERPARTY_MAX = 200
REFERENCE_MAX = 200
FITID_MAX = 255
CATEGORY_MAX = 40
PATTERN_MAX = 200

# Reconciliation state of a transaction
UNRECONCILED = "unreconciled"
PART = "part"  # some of the amount is matched, the rest is still open
RECONCILED = "reconciled"
IGNORED = "ignored"  # a transfer between own accounts, personal spending...
RECONCILIATION_STATES = (UNRECONCILED, PART, RECONCILED, IGNORED)
RECONCILIATION_LABELS = {
    UNRECONCILED: _l("Unreconciled"),
    PART: _l("Partly reconciled"),
    RECONCILED: _l("Reconciled"),
    IGNORED: _l("Ignored"),
}

# How the category was set
CATEGORY_BY_RULE = "rule"
CATEGORY_BY_USER = "user"

# Import job states
PENDING = "pending"  # uploaded; the column mapping is still to be confirmed
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
IMPORT_STATES = (PENDING, QUEUED, RUNNING, DONE, FAILED)

# What a match points at
MATCH_INVOICE = "invoice"
MATCH_EXPENSE = "expense"
MATCH_JOB = "job"  # an expected agency payment for a job
MATCH_REMITTANCE = "remittance"
#: A payment already recorded on an invoice (by hand, by Stripe): the match links it.
MATCH_PAYMENT = "payment"
MATCH_KINDS = (MATCH_INVOICE, MATCH_EXPENSE, MATCH_JOB, MATCH_REMITTANCE, MATCH_PAYMENT)

# Rule kinds
RULE_CONTAINS = "contains"
RULE_REGEX = "regex"
RULE_ANY = "any"  # amount range only
RULE_KINDS = (RULE_CONTAINS, RULE_REGEX, RULE_ANY)
DIRECTIONS = ("any", "in", "out")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BankAccount(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A bank account of the user: a name and at most the last four digits of its number."""

    __tablename__ = "bank_account"
    __table_args__ = (
        sa.CheckConstraint("last_four IS NULL OR length(last_four) = 4", name="last_four_length"),
    )

    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    last_four: Mapped[str | None] = mapped_column(sa.String(4))
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    #: The CSV column mapping last confirmed for this account (header signature -> mapping).
    csv_mapping: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    archived_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def label(self) -> str:
        return f"{self.name} ··{self.last_four}" if self.last_four else self.name


class ImportJob(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One statement import: the stored file, its confirmed mapping and its progress."""

    __tablename__ = "bank_import_job"
    __table_args__ = (
        sa.CheckConstraint(_in("status", IMPORT_STATES), name="status_known"),
        sa.CheckConstraint(_in("kind", ("csv", "ofx")), name="kind_known"),
    )

    bank_account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("bank_account.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    kind: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    #: The confirmed CSV options (encoding, delimiter, columns, date order, ...).
    options: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    #: Errors found: ``[{"row": 12, "column": "Amount", "message": "..."}]`` (at most 50).
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()

    bank_account: Mapped[BankAccount] = relationship()

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class BankTransaction(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One statement line. ``amount_pence`` is signed: positive in, negative out."""

    __tablename__ = "bank_transaction"
    __table_args__ = (
        sa.UniqueConstraint(
            "bank_account_id", "fingerprint", name="uq_bank_transaction_account_fingerprint"
        ),
        sa.Index("ix_bank_transaction_user_id_posted_on", "user_id", "posted_on"),
        sa.Index("ix_bank_transaction_user_id_reconciliation", "user_id", "reconciliation"),
        sa.CheckConstraint(_in("reconciliation", RECONCILIATION_STATES), name="state_known"),
        sa.CheckConstraint("reconciled_pence >= 0", name="reconciled_positive"),
    )

    #: Indexed by the (bank_account_id, fingerprint) unique constraint, which leads with it.
    bank_account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("bank_account.id", ondelete="CASCADE")
    )
    #: Not indexed: only a failed import looks its rows up (fewer indexes, faster imports).
    import_job_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("bank_import_job.id", ondelete="SET NULL")
    )
    #: The statement batch entry that counts this line's bank side: an import posts one
    #: journal entry (source ``bank_batch``, this id) per day of each batch of lines it adds,
    #: Dr the bank account / Cr suspense for all of them (docs/ledger.md, "Bank line").
    #: ``None`` for a line that posts its bank side in its own entry. Indexed: the batch's
    #: entry is the sum of its lines, read again when a line goes.
    ledger_batch_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    posted_on: Mapped[dt.date] = mapped_column(sa.Date)
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    description: Mapped[str] = mapped_column(sa.String(DESCRIPTION_MAX), default="")
    #: The payee (money out) or payer (money in), when the statement names one.
    counterparty: Mapped[str] = mapped_column(sa.String(COUNTERPARTY_MAX), default="")
    reference: Mapped[str] = mapped_column(sa.String(REFERENCE_MAX), default="")
    #: The bank's own transaction id (OFX FITID), if any.
    fitid: Mapped[str | None] = mapped_column(sa.String(FITID_MAX))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: Upper-cased payee/description key used to learn category suggestions.
    payee_key: Mapped[str] = mapped_column(sa.String(COUNTERPARTY_MAX), default="", index=True)

    category: Mapped[str | None] = mapped_column(sa.String(CATEGORY_MAX))
    category_source: Mapped[str | None] = mapped_column(sa.String(8))
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("client.id", ondelete="SET NULL"), index=True
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="SET NULL"), index=True
    )
    #: The user chose the client and agency (even none): rules applied later leave them be.
    contacts_by_user: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    reconciliation: Mapped[str] = mapped_column(sa.String(16), default=UNRECONCILED)
    #: How much of |amount_pence| is matched to invoices, expenses or agency payments.
    reconciled_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    bank_account: Mapped[BankAccount] = relationship()
    matches: Mapped[list[BankMatch]] = relationship(
        back_populates="transaction",
        cascade="all, delete-orphan",
        lazy="selectin",
        passive_deletes=True,
    )

    @property
    def is_incoming(self) -> bool:
        return self.amount_pence > 0

    @property
    def open_pence(self) -> int:
        """What is still to be matched, as a positive number."""
        if self.reconciliation == IGNORED:
            return 0
        return max(abs(self.amount_pence) - self.reconciled_pence, 0)

    @property
    def state_label(self) -> str:
        return str(RECONCILIATION_LABELS.get(self.reconciliation, self.reconciliation))


class BankMatch(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """Part (or all) of a bank transaction matched to one thing it paid or was paid for.

    A deposit that settles three invoices has three matches; an invoice paid in two parts is
    matched from two transactions. ``amount_pence`` is positive.
    """

    __tablename__ = "bank_match"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", MATCH_KINDS), name="kind_known"),
        sa.CheckConstraint("amount_pence > 0", name="amount_positive"),
        sa.Index("ix_bank_match_user_id_kind_target_id", "user_id", "kind", "target_id"),
    )

    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("bank_transaction.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: The invoice, expense, job, remittance or invoice payment id (by kind).
    target_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    #: The invoice payment recorded when the match was accepted (kind ``invoice``; a
    #: ``payment`` match links a payment recorded before, and undoing it leaves it be).
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("invoice_payment.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(300), default="")

    transaction: Mapped[BankTransaction] = relationship(back_populates="matches")


class RejectedSuggestion(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A suggestion the user turned down: not offered again for that transaction."""

    __tablename__ = "bank_rejected_suggestion"
    __table_args__ = (
        sa.UniqueConstraint(
            "transaction_id", "kind", "target_id", name="uq_bank_rejected_suggestion_target"
        ),
    )

    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("bank_transaction.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    target_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)


class CategoryRule(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """description contains / matches a pattern, and/or amount in a range -> category, client
    or agency. Rules are tried in ``position`` order; the first that matches wins."""

    __tablename__ = "bank_category_rule"
    __table_args__ = (
        sa.CheckConstraint(_in("match_kind", RULE_KINDS), name="match_kind_known"),
        sa.CheckConstraint(_in("direction", DIRECTIONS), name="direction_known"),
    )

    position: Mapped[int] = mapped_column(default=0)
    match_kind: Mapped[str] = mapped_column(sa.String(16), default=RULE_CONTAINS)
    pattern: Mapped[str] = mapped_column(sa.String(PATTERN_MAX), default="")
    direction: Mapped[str] = mapped_column(sa.String(8), default="any")
    #: Inclusive bounds on |amount| in pence; ``None`` is unbounded.
    min_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    max_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    category: Mapped[str | None] = mapped_column(sa.String(CATEGORY_MAX))
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
