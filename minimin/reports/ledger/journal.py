"""Reading the journal for the income-tax reports: sums of :class:`JournalLine` by account and
by the keys a statement asks for, sterling apart from the other currencies.

Every statement of this package sums journal lines here and nowhere else, so a figure on a
report is the journal's figure. Lines in a currency other than sterling were posted in their
own currency because their document had no exchange rate: they are returned apart
(``unconverted``), never guessed into pounds.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from minimin.extensions import db
from minimin.ledger import accounts, queries, totals
from minimin.ledger.entries import READS
from minimin.ledger.models import JournalLine
from minimin.ledger.sources.expenses import MILEAGE
from minimin.reports.ledger.periods import GBP
from minimin.reports.ledger.sql import _month_key as _month
from minimin.reports.ledger.sql import _year_key as _year

#: The source kind of a journey of the mileage log (its share of the simplified-expenses
#: claim, posted to box 20).
MILEAGE_KIND = MILEAGE
#: Turnover accounts: invoiced work and work paid through agencies.
TURNOVER_ACCOUNTS = (accounts.TURNOVER_DIRECT, accounts.TURNOVER_AGENCY)
#: SA103F boxes 17-30.
EXPENSE_BOXES = tuple(range(17, 31))
#: Every expense account, allowable and disallowable: listed, not matched by prefix, so the
#: database reads the (user, account, date) index for each instead of every line of the user.
ALLOWABLE_ACCOUNTS = tuple(accounts.expense_box(n) for n in EXPENSE_BOXES)
EXPENSE_ACCOUNTS = ALLOWABLE_ACCOUNTS + tuple(accounts.disallowable(n) for n in EXPENSE_BOXES)


@dataclass(frozen=True)
class Sums:
    """Sums by key tuple in sterling pence, and the other currencies' sums apart."""

    gbp: dict[tuple[Any, ...], int] = field(default_factory=dict)
    unconverted: dict[str, int] = field(default_factory=dict)
    #: Documents behind each sterling sum (with ``count=True``): see :func:`documents`.
    counts: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def get(self, *key: Any) -> int:
        return self.gbp.get(tuple(key), 0)

    def project(self, *positions: int) -> Sums:
        """These sums by the keys at *positions* only (added up over the others): one
        statement read by finer keys serves several figures. ``unconverted`` is kept whole
        (it is per currency, not per key)."""
        gbp: dict[tuple[Any, ...], int] = defaultdict(int)
        counts: dict[tuple[Any, ...], int] = defaultdict(int)
        for key, amount in self.gbp.items():
            narrow = tuple(key[p] for p in positions)
            gbp[narrow] += amount
            counts[narrow] += self.counts.get(key, 0)
        return Sums(dict(gbp), dict(self.unconverted), dict(counts) if self.counts else {})


def sums(
    user_id: uuid.UUID,
    start: date | None,
    end: date | None,
    basis: str,
    *,
    codes: Iterable[str],
    keys: Sequence[Any] = (),
    extra: Sequence[Any] = (),
    sign: int = 1,
    count: bool = False,
) -> Sums:
    """The lines of *user_id* on *codes* dated *start*..*end* on *basis*, summed by *keys*
    (debit positive; ``sign=-1`` for income and liabilities); with *count*, how many
    documents each sum stands for too."""
    measures = [sa.func.sum(JournalLine.amount_pence)]
    if count:
        measures.append(documents(JournalLine.amount_pence))
    statement = (
        sa.select(JournalLine.currency, *keys, *measures)
        .where(
            *queries.lines_where(user_id, basis=basis, start=start, end=end, currency=None),
            JournalLine.account.in_(list(codes)),
            *extra,
        )
        .group_by(JournalLine.currency, *keys)
    )
    gbp: dict[tuple[Any, ...], int] = defaultdict(int)
    counts: dict[tuple[Any, ...], int] = defaultdict(int)
    unconverted: dict[str, int] = defaultdict(int)
    width = len(keys)
    for currency, *row in queries.fresh(db.session()).execute(statement):
        key, amount = tuple(row[:width]), sign * int(row[width] or 0)
        if currency != GBP:
            if amount:
                unconverted[currency] += amount
            continue
        gbp[key] += amount
        if count:
            counts[key] += int(row[width + 1] or 0)
    return Sums(dict(gbp), dict(unconverted), dict(counts))


@dataclass(frozen=True)
class PeriodRow:
    """The journal's sum on one account from one kind of document, in one currency (and one
    month when read by month), with the documents behind it (:func:`documents`)."""

    currency: str
    account: str
    kind: str
    year: int
    month: int
    amount: int
    documents: int


def period_rows(
    user_id: uuid.UUID,
    start: date,
    end: date,
    basis: str,
    *,
    codes: Iterable[str],
    by_month: bool = False,
) -> list[PeriodRow]:
    """The journal of *user_id* on *codes* dated *start*..*end* on *basis*, summed by
    currency, account and source kind (and month with *by_month*): one statement over the
    kept totals of the range's whole periods and the lines of the days that cut one
    (:func:`minimin.ledger.totals.rows`). A report reads several figures from one call
    (:func:`sums_of`)."""
    kept = totals.rows(user_id, start, end, READS[basis], codes)
    keys = [kept.c.currency, kept.c.account, kept.c.source_kind]
    if by_month:
        keys += [_year(kept.c.day), _month(kept.c.day)]
    statement = sa.select(
        *keys, sa.func.sum(kept.c.amount_pence), sa.func.sum(kept.c.documents)
    ).group_by(*keys)
    found = []
    for currency, account, kind, *rest in queries.fresh(db.session()).execute(statement):
        year, month = (int(rest[0]), int(rest[1])) if by_month else (0, 0)
        found.append(
            PeriodRow(currency, account, kind, year, month, int(rest[-2] or 0), int(rest[-1] or 0))
        )
    return found


def sums_of(
    rows: Iterable[PeriodRow],
    codes: Iterable[str],
    *,
    keys: Sequence[str] = ("account",),
    sign: int = 1,
    kinds: Iterable[str] | None = None,
    not_kinds: Iterable[str] = (),
) -> Sums:
    """The :class:`Sums` of the *rows* on *codes* by the :class:`PeriodRow` fields *keys*
    (of documents of *kinds* only when given, never of *not_kinds*), with the documents behind
    each: what :func:`sums` gives for the same lines and keys."""
    codes = set(codes)
    only = None if kinds is None else set(kinds)
    skipped = set(not_kinds)
    by_key: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.account not in codes or row.kind in skipped:
            continue
        if only is not None and row.kind not in only:
            continue
        found = by_key[(row.currency, *(getattr(row, name) for name in keys))]
        found[0] += row.amount
        found[1] += row.documents
    gbp: dict[tuple[Any, ...], int] = {}
    counts: dict[tuple[Any, ...], int] = {}
    unconverted: dict[str, int] = defaultdict(int)
    # As :func:`sums` adds up its rows (one per currency and key).
    for (currency, *key), (amount, documents) in by_key.items():
        amount *= sign
        if currency != GBP:
            if amount:
                unconverted[currency] += amount
            continue
        gbp[tuple(key)] = amount
        counts[tuple(key)] = documents
    return Sums(gbp, dict(unconverted), counts)


def of_kind(kind: str) -> Any:
    """SQL: the line belongs to an entry of a source document of *kind*
    (:func:`minimin.ledger.queries.of_kind`)."""
    return queries.of_kind(kind)


def not_of_kind(kind: str) -> Any:
    return sa.not_(of_kind(kind))


def box_of(account: str) -> tuple[int, bool]:
    """(SA103F box 17-30, allowable?) of an expense account code."""
    allowable = account.startswith(accounts.EXPENSE_BOX_PREFIX)
    return int(account.rsplit(":", 1)[1]), allowable


def documents(amount: Any) -> Any:
    """SQL: how many documents the lines summed stand for: a posting counts one, its reversal
    takes it back."""
    return sa.func.sum(sa.case((amount > 0, 1), (amount < 0, -1), else_=0))
