"""What the ledger pages read, in the request's session: the trial balance at a date, the
general ledger of an account (a page at a time), the journal and the ledger as rows for a
download, the whole ledger in beancount format, and the posted entries as the JSON API pages
them. The statements themselves are in
:mod:`minimin.ledger.export`, which the accountant export and the command line share."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from minimin.extensions import db
from minimin.ledger import export
from minimin.ledger.models import JournalEntry


def trial_balance(user_id: uuid.UUID, day: dt.date, basis: str) -> export.TrialBalance:
    return export.trial_balance(db.session(), user_id, day, basis)


def trial_balance_rows(
    user_id: uuid.UUID, day: dt.date, bases: tuple[str, ...]
) -> Iterator[tuple[Any, ...]]:
    return export.trial_balance_rows(db.session(), user_id, day, bases)


def account_names(user_id: uuid.UUID) -> dict[str, str]:
    return export.account_names(db.session(), user_id)


def general_ledger(
    user_id: uuid.UUID, code: str, start: dt.date, end: dt.date, basis: str, page: int
) -> export.LedgerPage:
    return export.general_ledger(db.session(), user_id, code, start, end, basis, page)


def general_ledger_rows(
    user_id: uuid.UUID, start: dt.date, end: dt.date, basis: str
) -> Iterator[tuple[Any, ...]]:
    return export.general_ledger_rows(db.session(), user_id, start, end, basis)


def journal_rows(
    user_id: uuid.UUID, start: dt.date | None, end: dt.date | None
) -> Iterator[tuple[Any, ...]]:
    return export.journal_rows(db.session(), user_id, start, end)


def beancount_text(user_id: uuid.UUID, *, title: str, today: dt.date) -> str:
    return export.beancount_text(db.session(), user_id, title=title, today=today)


def entries(
    user_id: uuid.UUID, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> sa.Select[tuple[JournalEntry]]:
    """The user's posted entries dated *date_from* to *date_to* (either end open), their
    lines loaded in one more statement whatever the page size; the caller orders and pages."""
    statement = (
        sa.select(JournalEntry)
        .where(JournalEntry.user_id == user_id)
        .options(selectinload(JournalEntry.lines))
    )
    if date_from:
        statement = statement.where(JournalEntry.date >= date_from)
    if date_to:
        statement = statement.where(JournalEntry.date <= date_to)
    return statement
