"""Reading the journal: sums of lines by account, period, basis and dimension, in SQL.

Every report reads its figures through here (or through SQL built the same way on
:class:`~minimin.ledger.models.JournalLine`), so no figure has a second path into a page.
Sums are credit-positive where the caller asks for income (``sign=-1``).

Each reader first settles the documents this transaction has touched
(:func:`minimin.ledger.posting.settle`), so a figure read after a change in the same
transaction already counts it. Code that reads :class:`JournalLine` with its own SQL does the
same through :func:`fresh`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.ledger.entries import READS
from minimin.ledger.models import JournalEntry, JournalLine
from minimin.ledger.posting import settle


def fresh(session: Session) -> Session:
    """*session*, with every document it has touched posted: call before reading lines."""
    settle(session)
    return session


def account_filter(codes: Iterable[str] = (), prefixes: Iterable[str] = ()) -> Any:
    """SQL: the line is on one of *codes* or on an account starting with one of *prefixes*."""
    conditions: list[Any] = []
    codes = list(codes)
    if codes:
        conditions.append(JournalLine.account.in_(codes))
    conditions.extend(JournalLine.account.startswith(p, autoescape=True) for p in prefixes)
    if not conditions:
        raise ValueError("no account given")
    return sa.or_(*conditions)


def of_kind(kind: str) -> Any:
    """SQL: the line belongs to an entry of a source document of *kind*. A scalar subquery
    by the entry's primary key, evaluated only for the lines the other conditions kept (put
    it last in an ``AND``, or after the cheap test in an ``OR``): as a join or EXISTS,
    PostgreSQL joined by hash over every entry of the history."""
    entry_kind = (
        sa.select(JournalEntry.source_kind)
        .where(JournalEntry.id == JournalLine.entry_id)
        .correlate(JournalLine)
        .scalar_subquery()
    )
    return entry_kind == kind


def lines_where(
    user_id: uuid.UUID,
    *,
    basis: str = "accruals",
    start: dt.date | None = None,
    end: dt.date | None = None,
    currency: str | None = "GBP",
) -> list[Any]:
    """The WHERE conditions of a user's lines on *basis* ("cash" or "accruals") between
    *start* and *end* inclusive, in *currency* (any when ``None``)."""
    where: list[Any] = [JournalLine.user_id == user_id, JournalLine.basis.in_(READS[basis])]
    if start is not None:
        where.append(JournalLine.date >= start)
    if end is not None:
        where.append(JournalLine.date <= end)
    if currency is not None:
        where.append(JournalLine.currency == currency)
    return where


def total(
    session: Session,
    user_id: uuid.UUID,
    *,
    codes: Iterable[str] = (),
    prefixes: Iterable[str] = (),
    basis: str = "accruals",
    start: dt.date | None = None,
    end: dt.date | None = None,
    sign: int = 1,
    extra: Sequence[Any] = (),
) -> int:
    """The sum of the lines on the accounts given (debit positive; ``sign=-1`` for credit)."""
    value = fresh(session).scalar(
        sa.select(sa.func.coalesce(sa.func.sum(JournalLine.amount_pence), 0)).where(
            *lines_where(user_id, basis=basis, start=start, end=end),
            account_filter(codes, prefixes),
            *extra,
        )
    )
    return sign * int(value or 0)


def grouped(
    session: Session,
    user_id: uuid.UUID,
    group_by: Sequence[Any],
    *,
    codes: Iterable[str] = (),
    prefixes: Iterable[str] = (),
    basis: str = "accruals",
    start: dt.date | None = None,
    end: dt.date | None = None,
    sign: int = 1,
    extra: Sequence[Any] = (),
) -> dict[tuple[Any, ...], int]:
    """Sums of the lines on the accounts given, by the columns or expressions *group_by*."""
    rows = fresh(session).execute(
        sa.select(*group_by, sa.func.sum(JournalLine.amount_pence))
        .where(
            *lines_where(user_id, basis=basis, start=start, end=end),
            account_filter(codes, prefixes),
            *extra,
        )
        .group_by(*group_by)
    )
    return {tuple(row[:-1]): sign * int(row[-1] or 0) for row in rows}


def balances(
    session: Session, user_id: uuid.UUID, *, basis: str = "accruals", end: dt.date | None = None
) -> dict[tuple[str, str], int]:
    """Every account's balance by (currency, account) at *end* (all time when ``None``)."""
    rows = fresh(session).execute(
        sa.select(JournalLine.currency, JournalLine.account, sa.func.sum(JournalLine.amount_pence))
        .where(*lines_where(user_id, basis=basis, end=end, currency=None))
        .group_by(JournalLine.currency, JournalLine.account)
    )
    return {(c, a): int(v or 0) for c, a, v in rows}
