"""Reading the journal's kept totals (``journal_total``) and proving them.

The database keeps, for each user, the sum of the journal's lines by account, basis, currency,
period, source kind and VAT code (:class:`~minimin.ledger.models.JournalTotal`, kept by the
triggers of :mod:`minimin.ledger.totals_sql`), so a report over a tax year or a VAT quarter adds
up a few hundred rows instead of every line of the period, and what agencies owe is read from
one row per job instead of every line of their history:

- **Periods.** Each month is cut in two: days 1-5 and the 6th to its end. A tax year (6 April
  to 5 April) and a calendar month, quarter or year are whole periods, so the reports' usual
  ranges are sums of rows; the days of a range that cut a period are read from the lines
  (:func:`rows` does both in one statement).
- **Open items.** The agency debtor accounts and agency clearing are kept for all time
  (:data:`~minimin.ledger.totals_sql.ALL_TIME`) on the accruals basis (lines on both bases
  and on accruals only) whatever the kind of document and VAT code, the debtor accounts per
  job: a job paid in full is one row at nil, and what is owed on a day is the open rows
  (a partial index holds only those) less the lines dated after it.
- **Proved.** ``minimin ledger check`` proves each row equals the sum of its lines
  (:func:`problems`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH
from minimin.ledger.models import JournalEntry, JournalLine, JournalTotal
from minimin.ledger.totals_sql import (
    ALL_TIME,
    NO_JOB,
    is_open_item,
    period_end,
    period_of,
    periods_within,
)

__all__ = ["ALL_TIME", "NO_JOB", "problems", "rows"]


def _documents(amount: Any) -> Any:
    return sa.case((amount > 0, 1), (amount < 0, -1), else_=0)


def rows(
    user_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    bases: Iterable[str],
    codes: Iterable[str],
) -> Any:
    """SQL (a subquery): the journal of *user_id* on *codes* dated *start*..*end* on the line
    *bases*, as rows of (currency, account, basis, vat_code, source_kind, day, amount_pence,
    documents): the kept totals of the whole periods inside the range (``day`` the period's
    first) and the lines of the days that cut a period. Summed by any of these columns it gives
    what the lines give; ``documents`` sums as :func:`minimin.reports.ledger.journal.documents`
    counts."""
    codes, bases = list(codes), list(bases)
    whole = periods_within(start, end)
    line = JournalLine
    kind = (
        sa.select(JournalEntry.source_kind)
        .where(JournalEntry.id == line.entry_id)
        .correlate(line)
        .scalar_subquery()
    )
    if whole is None:
        dated: Any = sa.and_(line.date >= start, line.date <= end)
    else:
        dated = sa.or_(
            sa.and_(line.date >= start, line.date < whole[0]),
            sa.and_(line.date > period_end(whole[1]), line.date <= end),
        )
    parts = [
        sa.select(
            line.currency.label("currency"),
            line.account.label("account"),
            line.basis.label("basis"),
            line.vat_code.label("vat_code"),
            kind.label("source_kind"),
            line.date.label("day"),
            line.amount_pence.label("amount_pence"),
            _documents(line.amount_pence).label("documents"),
        ).where(line.user_id == user_id, line.account.in_(codes), line.basis.in_(bases), dated)
    ]
    if whole is not None:
        total = JournalTotal
        parts.append(
            sa.select(
                total.currency,
                total.account,
                total.basis,
                sa.func.nullif(total.vat_code, ""),
                total.source_kind,
                total.period_start,
                total.amount_pence,
                total.documents,
            ).where(
                total.user_id == user_id,
                total.account.in_(codes),
                total.period_start >= whole[0],
                total.period_start <= whole[1],
                total.basis.in_(bases),
            )
        )
    return sa.union_all(*parts).subquery("kept")


def job_key(line: Any = JournalLine) -> Any:
    """SQL: a line's job as the totals key it (agency debtors: its job or the nil id; agency
    clearing and every other account: the nil id)."""
    nil = sa.literal(NO_JOB, sa.Uuid)
    return sa.case(
        (
            line.account.startswith(accounts.DEBTOR_AGENCY_PREFIX),
            sa.func.coalesce(line.job_id, nil),
        ),
        else_=nil,
    )


# --------------------------------------------------------------------------- the proof

Key = tuple[str, dt.date, str, str, str, str, uuid.UUID]


def _expected(session: Session, user_id: uuid.UUID) -> dict[Key, list[Any]]:
    """What each row must hold, summed from the lines by day, then folded into periods."""
    line = JournalLine
    keys = (
        line.account,
        line.basis,
        line.currency,
        JournalEntry.source_kind,
        line.vat_code,
        job_key(line),
        line.date,
    )
    found: dict[Key, list[Any]] = {}
    for account, basis, currency, kind, vat_code, job, day, amount, documents in session.execute(
        sa.select(*keys, sa.func.sum(line.amount_pence), sa.func.sum(_documents(line.amount_pence)))
        .join(JournalEntry, JournalEntry.id == line.entry_id)
        .where(line.user_id == user_id)
        .group_by(*keys)
    ):
        if is_open_item(account):  # kept on accruals, whatever the kind and the VAT code
            kept_basis = ACCRUALS if basis in (BOTH, ACCRUALS) else basis
            key = (account, ALL_TIME, kept_basis, currency, "", "", job)
        else:
            key = (account, period_of(day), basis, currency, kind, vat_code or "", job)
        row = found.setdefault(key, [0, 0, day])
        row[0] += int(amount)
        row[1] += int(documents)
        row[2] = min(row[2], day)
    return found


def problems(session: Session, user_id: uuid.UUID) -> list[str]:
    """Each kept total equals the sum of its lines, with the day of the earliest (a proof of
    ``minimin ledger check``, registered by :mod:`minimin.ledger.sources`)."""
    expected = _expected(session, user_id)
    kept: dict[Key, list[Any]] = {}
    for row in session.scalars(sa.select(JournalTotal).where(JournalTotal.user_id == user_id)):
        key = (
            row.account,
            row.period_start,
            row.basis,
            row.currency,
            row.source_kind,
            row.vat_code,
            row.job_key,
        )
        kept[key] = [int(row.amount_pence), int(row.documents), row.first_date]
    found = []
    for key in sorted(set(expected) | set(kept), key=str):
        want, have = expected.get(key, [0, 0, None]), kept.get(key, [0, 0, None])
        if have != want:
            found.append(
                f"kept total of {key[0]} from {key[1]} ({key[4]}, basis {key[2]}, {key[3]}) is "
                f"{have[0]} for {have[1]} documents from {have[2]}; its lines: {want[0]} for "
                f"{want[1]} from {want[2]}"
            )
    return found
