"""The journal (read): every posted entry with its lines."""

from __future__ import annotations

import datetime as dt
import uuid

from flask_login import current_user
from pydantic import Field

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.schemas import ListQuery, Money, Out, Page
from minimin.ledger import listing
from minimin.ledger.models import JournalEntry


class EntryQuery(ListQuery):
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class JournalLineOut(Out):
    account: str
    amount: Money
    basis: str = Field(description="B both bases, A accruals only, C cash only.")
    vat_code: str | None
    memo: str


class JournalEntryOut(Out):
    id: uuid.UUID
    date: dt.date
    description: str
    source_kind: str
    source_id: uuid.UUID
    reverses_id: uuid.UUID | None
    posted_at: dt.datetime
    lines: list[JournalLineOut]


def _entry_out(entry: JournalEntry) -> JournalEntryOut:
    return JournalEntryOut(
        id=entry.id,
        date=entry.date,
        description=entry.description,
        source_kind=entry.source_kind,
        source_id=entry.source_id,
        reverses_id=entry.reverses_id,
        posted_at=entry.posted_at,
        lines=[
            JournalLineOut(
                account=line.account,
                amount=Money.of(line.amount_pence, line.currency),
                basis=line.basis,
                vat_code=line.vat_code,
                memo=line.memo,
            )
            for line in entry.lines
        ],
    )


@operation(
    "GET",
    "/ledger/entries",
    summary="List journal entries",
    tag="ledger",
    scope="ledger:read",
    query=EntryQuery,
    response=Page[JournalEntryOut],
)
def list_entries(query: EntryQuery) -> Page[JournalEntryOut]:
    """Newest posted first. Debits are positive amounts, credits negative."""
    statement = listing.entries(current_user.id, query.date_from, query.date_to)
    return paging.page(statement, JournalEntry, query, _entry_out, at="posted_at")
