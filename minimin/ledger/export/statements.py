"""The journal's statements for the accountant: the trial balance at a date, the general
ledger of an account over a period (paged) and the journal as CSV rows.

Everything reads :class:`~minimin.ledger.models.JournalLine` after settling the transaction's
touched documents (:func:`~minimin.ledger.queries.fresh`), on one basis: accruals reads the
lines on both bases and the accruals-only ones, cash those on both and the cash-only ones.
Amounts are debit positive, as stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.ledger import accounts as acc
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, READS
from minimin.ledger.labels import account_label, names_for
from minimin.ledger.models import JournalEntry, JournalLine, LedgerAccount
from minimin.ledger.queries import fresh

#: Lines on a page of the general ledger.
PER_PAGE = 100
#: Rows read from the database at a time when streaming a whole export.
BATCH = 500
BASIS_WORDS = {BOTH: "both", ACCRUALS: "accruals", CASH: "cash"}
#: Accounts are listed assets first, then liabilities, equity, income and expenses.
KIND_ORDER = {kind: n for n, kind in enumerate(acc.KINDS)}


def pounds(pence: int) -> str:
    """A plain amount in pounds for CSV and beancount (``-12.05``), never a float."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}{whole}.{part:02d}"


def account_order(code: str) -> tuple[int, str]:
    return KIND_ORDER.get(code.split(":", 1)[0], len(KIND_ORDER)), code


def account_names(session: Session, user_id: uuid.UUID) -> dict[str, str]:
    """Every account the user's journal has used -> its name in words (three statements for
    the contact and bank account names, one for the codes)."""
    codes = list(
        session.scalars(sa.select(LedgerAccount.code).where(LedgerAccount.user_id == user_id))
    )
    names = names_for(session, user_id, codes)
    return {code: account_label(code, names) for code in sorted(codes, key=account_order)}


def line_order() -> tuple[Any, ...]:
    """The order lines were counted in: by date, then as posted."""
    return (JournalLine.date, JournalEntry.posted_at, JournalEntry.id, JournalLine.position)


# --------------------------------------------------------------------------- trial balance


@dataclass(frozen=True)
class BalanceRow:
    code: str
    account: str
    currency: str
    debit: int
    credit: int  # positive


@dataclass(frozen=True)
class TrialBalance:
    day: dt.date
    basis: str
    rows: tuple[BalanceRow, ...]

    def totals(self) -> dict[str, tuple[int, int]]:
        """(debits, credits) per currency: equal when the books balance."""
        out: dict[str, tuple[int, int]] = {}
        for row in self.rows:
            debit, credit = out.get(row.currency, (0, 0))
            out[row.currency] = (debit + row.debit, credit + row.credit)
        return out


def trial_balance(session: Session, user_id: uuid.UUID, day: dt.date, basis: str) -> TrialBalance:
    """Every account's balance at the end of *day* on *basis*, as a debit or a credit."""
    rows = (
        fresh(session)
        .execute(
            sa.select(
                JournalLine.currency, JournalLine.account, sa.func.sum(JournalLine.amount_pence)
            )
            .where(
                JournalLine.user_id == user_id,
                JournalLine.basis.in_(READS[basis]),
                JournalLine.date <= day,
            )
            .group_by(JournalLine.currency, JournalLine.account)
        )
        .all()
    )
    names = account_names(session, user_id)
    balances = [
        BalanceRow(
            code=code,
            account=names.get(code) or code,
            currency=currency,
            debit=max(int(amount), 0),
            credit=max(-int(amount), 0),
        )
        for currency, code, amount in rows
        if amount
    ]
    balances.sort(key=lambda r: (r.currency != "GBP", r.currency, account_order(r.code)))
    return TrialBalance(day, basis, tuple(balances))


# --------------------------------------------------------------------------- general ledger


@dataclass(frozen=True)
class LedgerRow:
    date: dt.date
    kind: str
    source_id: uuid.UUID
    version: int
    description: str
    memo: str
    debit: int
    credit: int
    balance: int  # debit positive


@dataclass(frozen=True)
class LedgerPage:
    code: str
    account: str
    start: dt.date
    end: dt.date
    basis: str
    opening: int
    closing: int
    rows: tuple[LedgerRow, ...]
    page: int
    pages: int


def _account_lines(
    user_id: uuid.UUID, code: str, basis: str, start: dt.date, end: dt.date
) -> list[Any]:
    return [
        JournalLine.user_id == user_id,
        JournalLine.account == code,
        JournalLine.basis.in_(READS[basis]),
        JournalLine.currency == "GBP",
        JournalLine.date >= start,
        JournalLine.date <= end,
    ]


def _balance_before(
    session: Session, user_id: uuid.UUID, code: str, basis: str, day: dt.date
) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(JournalLine.amount_pence), 0)).where(
                JournalLine.user_id == user_id,
                JournalLine.account == code,
                JournalLine.basis.in_(READS[basis]),
                JournalLine.currency == "GBP",
                JournalLine.date < day,
            )
        )
        or 0
    )


def general_ledger(
    session: Session,
    user_id: uuid.UUID,
    code: str,
    start: dt.date,
    end: dt.date,
    basis: str,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> LedgerPage:
    """The sterling lines of account *code* between *start* and *end* on *basis*, one page at a
    time, with the balance brought forward, the running balance and the closing balance."""
    session = fresh(session)
    where = _account_lines(user_id, code, basis, start, end)
    count = int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(JournalLine)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(*where)
        )
        or 0
    )
    pages = max(1, -(-count // per_page))
    page = min(max(page, 1), pages)
    opening = _balance_before(session, user_id, code, basis, start)
    ordered = (
        sa.select(JournalLine.amount_pence)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*where)
        .order_by(*line_order())
    )
    # The balance at the top of this page: what was brought forward plus the earlier pages.
    earlier = ordered.limit((page - 1) * per_page).subquery()
    balance = opening + int(
        session.scalar(sa.select(sa.func.coalesce(sa.func.sum(earlier.c.amount_pence), 0))) or 0
    )
    rows: list[LedgerRow] = []
    for line, entry in session.execute(
        sa.select(JournalLine, JournalEntry)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*where)
        .order_by(*line_order())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ):
        balance += line.amount_pence
        rows.append(
            LedgerRow(
                date=line.date,
                kind=entry.source_kind,
                source_id=entry.source_id,
                version=entry.version,
                description=entry.description,
                memo=line.memo,
                debit=max(line.amount_pence, 0),
                credit=max(-line.amount_pence, 0),
                balance=balance,
            )
        )
    closing = opening + int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(JournalLine.amount_pence), 0)).where(*where)
        )
        or 0
    )
    names = names_for(session, user_id, [code])
    return LedgerPage(
        code,
        account_label(code, names),
        start,
        end,
        basis,
        opening,
        closing,
        tuple(rows),
        page,
        pages,
    )


GENERAL_LEDGER_HEADER = (
    "account_code",
    "account",
    "date",
    "row",
    "source_kind",
    "source_id",
    "version",
    "description",
    "memo",
    "debit",
    "credit",
    "balance",
)


def general_ledger_rows(
    session: Session, user_id: uuid.UUID, start: dt.date, end: dt.date, basis: str
) -> Iterator[tuple[Any, ...]]:
    """Every sterling account's lines of the period on *basis*, account by account: a
    "brought forward" row, the lines with the running balance, a "carried forward" row.
    Streamed: one account's lines in memory at a time (read in batches)."""
    session = fresh(session)
    names = account_names(session, user_id)
    for code, name in names.items():
        balance = _balance_before(session, user_id, code, basis, start)
        where = _account_lines(user_id, code, basis, start, end)
        moved = False
        yield (code, name, start, "brought forward", "", "", "", "", "", "", "", pounds(balance))
        result = session.execute(
            sa.select(JournalLine, JournalEntry)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(*where)
            .order_by(*line_order())
            .execution_options(yield_per=BATCH)
        )
        for line, entry in result:
            moved = True
            balance += line.amount_pence
            yield (
                code,
                name,
                line.date,
                "line",
                entry.source_kind,
                entry.source_id,
                entry.version,
                entry.description,
                line.memo,
                pounds(max(line.amount_pence, 0)),
                pounds(max(-line.amount_pence, 0)),
                pounds(balance),
            )
        if moved or balance:
            yield (code, name, end, "carried forward", "", "", "", "", "", "", "", pounds(balance))


# --------------------------------------------------------------------------- journal CSV

JOURNAL_HEADER = (
    "date",
    "entry_id",
    "source_kind",
    "source_id",
    "version",
    "reverses_entry_id",
    "description",
    "account_code",
    "account",
    "basis",
    "debit",
    "credit",
    "currency",
    "client_id",
    "agency_id",
    "job_id",
    "vat_code",
    "memo",
)


def journal_rows(
    session: Session, user_id: uuid.UUID, start: dt.date | None = None, end: dt.date | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every journal line dated between *start* and *end* (all when ``None``), entry by entry,
    on every basis (the ``basis`` column says which one a line counts on)."""
    session = fresh(session)
    names = account_names(session, user_id)
    where: list[Any] = [JournalLine.user_id == user_id]
    if start is not None:
        where.append(JournalLine.date >= start)
    if end is not None:
        where.append(JournalLine.date <= end)
    result = session.execute(
        sa.select(JournalLine, JournalEntry)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*where)
        .order_by(*line_order())
        .execution_options(yield_per=BATCH)
    )
    for line, entry in result:
        yield (
            line.date,
            entry.id,
            entry.source_kind,
            entry.source_id,
            entry.version,
            entry.reverses_id or "",
            entry.description,
            line.account,
            names.get(line.account) or line.account,
            BASIS_WORDS.get(line.basis, line.basis),
            pounds(max(line.amount_pence, 0)),
            pounds(max(-line.amount_pence, 0)),
            line.currency,
            line.client_id or "",
            line.agency_id or "",
            line.job_id or "",
            line.vat_code or "",
            line.memo,
        )


TRIAL_BALANCE_HEADER = ("basis", "date", "currency", "account_code", "account", "debit", "credit")


def trial_balance_rows(
    session: Session,
    user_id: uuid.UUID,
    day: dt.date,
    bases: tuple[str, ...] = ("accruals", "cash"),
) -> Iterator[tuple[Any, ...]]:
    """The trial balance at *day* on each of *bases*, with a total row per currency."""
    for basis in bases:
        balance = trial_balance(session, user_id, day, basis)
        for row in balance.rows:
            yield (
                basis,
                day,
                row.currency,
                row.code,
                row.account,
                pounds(row.debit),
                pounds(row.credit),
            )
        for currency, (debit, credit) in sorted(balance.totals().items()):
            yield (basis, day, currency, "", "Total", pounds(debit), pounds(credit))
