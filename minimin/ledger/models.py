"""The journal: entries (one per source document and version) and their lines.

An entry is never edited. When a document changes, the service posts a **reversal** of the
entry in force and a new entry (the next versions); when it goes, a reversal alone. The unique
key ``(user_id, source_kind, source_id, version)`` makes posting the same version of the same
document twice impossible, even from two workers at once: the second insert fails.

Lines repeat the entry's user, date and basis so that a report sums them straight off an index
(``user_id, account, date``) without a join.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core import changes
from minimin.core.db import UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db
from minimin.ledger import totals_sql

CODE_MAX = 80
SOURCE_KIND_MAX = 24
#: The change-counter kind raised by every posting: figures read from the journal are kept
#: under it (decision 0003).
LEDGER_CHANGED = "ledger"


class LedgerAccount(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """An account of a business's chart of accounts, created the first time it is posted to.

    The code says what the account is (:mod:`minimin.ledger.accounts`); the name is the words
    shown for an account per contact or bank account, taken when it was first used."""

    __tablename__ = "ledger_account"
    __table_args__ = (sa.UniqueConstraint("user_id", "code", name="uq_ledger_account_code"),)

    code: Mapped[str] = mapped_column(sa.String(CODE_MAX))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class JournalEntry(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One balanced entry: what one version of one source document posts."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        sa.UniqueConstraint(
            "user_id", "source_kind", "source_id", "version", name="uq_journal_entry_source"
        ),
        sa.Index("ix_journal_entry_user_id_date", "user_id", "date"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    #: No index of its own: the two indexes above lead with it (one index fewer to write for
    #: each of the 100,000 entries a large bank statement posts).
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    source_kind: Mapped[str] = mapped_column(sa.String(SOURCE_KIND_MAX))
    source_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column()
    date: Mapped[dt.date] = mapped_column(sa.Date)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    #: The date the entry belongs to when that date was in a closed period and it was posted
    #: on the first open day instead (``date``): a correction the next VAT return carries.
    #: ``None`` for an entry posted on its own date.
    moved_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: The entry this one cancels (a correction or a removed document), if it is a reversal.
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("journal_entry.id", ondelete="CASCADE"), unique=True
    )
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="JournalLine.position",
    )


class JournalLine(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One line of an entry: debit positive, credit negative, in the entry's currency."""

    __tablename__ = "journal_line"
    __table_args__ = (
        # Reports sum a period of a few accounts: on PostgreSQL the sums are read from the
        # index alone (no visit of each line's page), so a year's figures cost the same
        # whatever the history (docs/reports.md, "Performance").
        sa.Index(
            "ix_journal_line_user_id_account_date",
            "user_id",
            "account",
            "date",
            postgresql_include=[
                "basis",
                "currency",
                "amount_pence",
                "client_id",
                "agency_id",
                "job_id",
                "entry_id",
            ],
        ),
        sa.CheckConstraint("basis IN ('B', 'A', 'C')", name="basis_known"),
    )

    #: The entry's user, repeated so that reports filter lines without a join. Neither an
    #: index of its own (the reports' index leads with it) nor a foreign key: a line goes with
    #: its entry, and the entry with its user. Each is a write (a key check, an index entry)
    #: saved on every line: a large bank statement posts 200,000.
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    entry_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("journal_entry.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    date: Mapped[dt.date] = mapped_column(sa.Date)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    account: Mapped[str] = mapped_column(sa.String(CODE_MAX))
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    basis: Mapped[str] = mapped_column(sa.String(1), default="B")
    client_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    vat_code: Mapped[str | None] = mapped_column(sa.String(16))
    memo: Mapped[str] = mapped_column(sa.String(300), default="")

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")


class PeriodLock(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """A closed period: nothing may be posted dated on or before ``locked_through``. Filing a
    VAT return locks its period; a user may also close a year once the accounts are done."""

    __tablename__ = "ledger_period_lock"
    __table_args__ = (sa.UniqueConstraint("user_id", name="uq_ledger_period_lock_user_id"),)

    locked_through: Mapped[dt.date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    locked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


#: The open items' rows still owed (:class:`JournalTotal`).
OPEN_ROWS = f"period_start = '{totals_sql.ALL_TIME.isoformat()}' AND amount_pence <> 0"


class JournalTotal(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    """The sum of a user's lines of one account, basis, currency, period (half a month; all
    time on an open-item account), source kind, VAT code and (agency debtors only) job: what
    the reports add up instead of the lines (:mod:`minimin.ledger.totals`). Written by the
    database's triggers only (:mod:`minimin.ledger.totals_sql`), in the transaction of each
    line."""

    __tablename__ = "journal_total"
    __table_args__ = (
        sa.UniqueConstraint(
            "user_id",
            "account",
            "period_start",
            "basis",
            "currency",
            "source_kind",
            "vat_code",
            "job_key",
            name="uq_journal_total_key",
        ),
        # The open items (what agencies owe): a few rows among every job ever paid.
        sa.Index(
            "ix_journal_total_open",
            "user_id",
            "account",
            postgresql_where=sa.text(OPEN_ROWS),
            sqlite_where=sa.text(OPEN_ROWS),
        ),
    )

    #: The lines' user; no foreign key, as on the lines: the totals go with them.
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    account: Mapped[str] = mapped_column(sa.String(CODE_MAX))
    #: The first day of the period (the 1st or the 6th of a month), or ``ALL_TIME``.
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    basis: Mapped[str] = mapped_column(sa.String(1))
    currency: Mapped[str] = mapped_column(sa.String(3))
    source_kind: Mapped[str] = mapped_column(sa.String(SOURCE_KIND_MAX))
    #: The lines' VAT code, "" for none (a key column: NULLs would never match).
    vat_code: Mapped[str] = mapped_column(sa.String(16))
    #: The job of an agency debtor's lines (the nil id for none and on every other account).
    job_key: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    #: Lines with a debit less lines with a credit: the documents the sum stands for.
    documents: Mapped[int] = mapped_column(sa.BigInteger)
    #: The day of the row's earliest line (how long an agency's job has been owed).
    first_date: Mapped[dt.date | None] = mapped_column(sa.Date)


@event.listens_for(db.Model.metadata, "after_create")
def _create_total_triggers(target: sa.MetaData, connection: sa.Connection, **kw: Any) -> None:
    """``create_all`` (the tests, a new database) creates the triggers that keep the totals,
    as the migration does."""
    if JournalTotal.__table__ not in kw.get("tables", [JournalTotal.__table__]):
        return
    for statement in totals_sql.create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


changes.track(JournalEntry, LEDGER_CHANGED)
