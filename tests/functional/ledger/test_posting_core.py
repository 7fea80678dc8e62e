"""Posting mechanics on a real database: one entry per version, reversal on change, nothing
posted twice, closed periods. A test kind of document (its postings held in a dict) stands
for the real ones, so these tests exercise only the mechanism."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.ledger import accounts, posting
from minimin.ledger.check import check, trial_balance
from minimin.ledger.entries import Line, Posting
from minimin.ledger.models import JournalEntry, JournalLine, LedgerAccount

KIND = "test_document"
WANTED: dict[uuid.UUID, Posting | None] = {}
OWNERS: dict[uuid.UUID, uuid.UUID] = {}


def _poster(session: Any, source_id: uuid.UUID) -> Posting | None:
    return WANTED.get(source_id)


def _lister(session: Any, user_id: uuid.UUID) -> list[uuid.UUID]:
    return [doc for doc, owner in OWNERS.items() if owner == user_id and WANTED.get(doc)]


@pytest.fixture
def test_kind() -> Iterator[None]:
    posting.source(KIND, _poster, _lister)
    yield
    posting._posters.pop(KIND, None)
    posting._listers.pop(KIND, None)
    WANTED.clear()
    OWNERS.clear()


def _sale(day: dt.date, net: int, vat: int) -> Posting:
    return Posting(
        day,
        "a sale",
        (
            Line(accounts.UNDEPOSITED, net + vat),
            Line(accounts.TURNOVER_DIRECT, -net, vat_code="standard"),
            Line(accounts.OUTPUT_VAT, -vat, vat_code="standard"),
        ),
    )


def _entries(db: Any, doc: uuid.UUID) -> list[JournalEntry]:
    return list(
        db.session.scalars(
            sa.select(JournalEntry)
            .where(JournalEntry.source_id == doc)
            .order_by(JournalEntry.version)
        )
    )


def _post(db: Any, user_id: uuid.UUID, doc: uuid.UUID, wanted: Posting | None) -> None:
    WANTED[doc] = wanted
    OWNERS[doc] = user_id
    posting.touch(db.session, user_id, KIND, doc)
    db.session.commit()  # the commit settles what was touched


def test_a_document_posts_once_then_reverses_and_reposts_on_change(
    db: Any, make_user: Any, test_kind: None
) -> None:
    user = make_user()
    doc = uuid.uuid4()
    _post(db, user.id, doc, _sale(dt.date(2026, 5, 1), 1000, 200))
    entries = _entries(db, doc)
    assert [(e.version, e.reverses_id) for e in entries] == [(1, None)]
    assert sorted(ln.amount_pence for ln in entries[0].lines) == [-1000, -200, 1200]

    # Saved again unchanged: nothing new.
    _post(db, user.id, doc, _sale(dt.date(2026, 5, 1), 1000, 200))
    assert len(_entries(db, doc)) == 1

    # Changed: the old entry is reversed (version 2) and the new figures posted (version 3).
    _post(db, user.id, doc, _sale(dt.date(2026, 5, 2), 1500, 300))
    entries = _entries(db, doc)
    assert [e.version for e in entries] == [1, 2, 3]
    assert entries[1].reverses_id == entries[0].id
    assert entries[1].date == dt.date(2026, 5, 1)  # the reversal takes back the old date
    assert entries[2].date == dt.date(2026, 5, 2)
    turnover = db.session.scalar(
        sa.select(sa.func.sum(JournalLine.amount_pence)).where(
            JournalLine.user_id == user.id, JournalLine.account == accounts.TURNOVER_DIRECT
        )
    )
    assert turnover == -1500

    # Removed: reversed alone; nothing is in force.
    _post(db, user.id, doc, None)
    entries = _entries(db, doc)
    assert [e.version for e in entries] == [1, 2, 3, 4]
    assert entries[3].reverses_id == entries[2].id
    assert posting.in_force(db.session, user.id, KIND, doc).entry is None
    assert all(v == 0 for v in trial_balance(db.session, user.id).values())
    assert check(db.session, [user.id]).ok


def test_the_chart_of_accounts_records_each_account_once(
    db: Any, make_user: Any, test_kind: None
) -> None:
    user = make_user()
    _post(db, user.id, uuid.uuid4(), _sale(dt.date(2026, 5, 1), 100, 20))
    _post(db, user.id, uuid.uuid4(), _sale(dt.date(2026, 5, 3), 300, 60))
    codes = db.session.scalars(
        sa.select(LedgerAccount.code)
        .where(LedgerAccount.user_id == user.id)
        .order_by(LedgerAccount.code)
    ).all()
    assert codes == [accounts.UNDEPOSITED, accounts.TURNOVER_DIRECT, accounts.OUTPUT_VAT]


def test_the_same_version_cannot_be_posted_twice(db: Any, make_user: Any, test_kind: None) -> None:
    user = make_user()
    doc = uuid.uuid4()
    _post(db, user.id, doc, _sale(dt.date(2026, 5, 1), 100, 20))
    db.session.add(
        JournalEntry(
            user_id=user.id, source_kind=KIND, source_id=doc, version=1, date=dt.date(2026, 5, 1)
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert len(_entries(db, doc)) == 1


def test_check_finds_a_missing_posting_and_a_tampered_line(
    db: Any, make_user: Any, test_kind: None
) -> None:
    user = make_user()
    doc = uuid.uuid4()
    _post(db, user.id, doc, _sale(dt.date(2026, 5, 1), 100, 20))
    assert check(db.session, [user.id]).ok
    db.session.execute(
        sa.update(JournalLine)
        .where(JournalLine.user_id == user.id, JournalLine.account == accounts.OUTPUT_VAT)
        .values(amount_pence=-21)
    )
    problems = check(db.session, [user.id]).problems
    assert any("does not balance" in p for p in problems)
    assert any("other figures" in p for p in problems)
    db.session.rollback()

    other = uuid.uuid4()
    WANTED[other] = _sale(dt.date(2026, 6, 1), 50, 10)
    OWNERS[other] = user.id  # a document that never posted (no touch)
    problems = check(db.session, [user.id]).problems
    assert problems == [f"user {user.id}: {KIND} {other} is not posted"]


def test_a_closed_period_is_refused_and_a_late_correction_lands_on_the_first_open_day(
    db: Any, make_user: Any, test_kind: None
) -> None:
    from minimin.core.db import utcnow
    from minimin.reports.tax_models import VATReturn

    user = make_user()
    db.session.add(
        VATReturn(
            user_id=user.id,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 3, 31),
            scheme="standard",
            filed_at=utcnow(),
        )
    )
    db.session.commit()
    with pytest.raises(posting.LedgerError) as refused:
        posting.ensure_open(db.session, user.id, dt.date(2026, 3, 31))
    assert refused.value.code == "period_locked"
    assert "31/03/2026" in str(refused.value.message)
    posting.ensure_open(db.session, user.id, dt.date(2026, 4, 1))  # open: no error

    doc = uuid.uuid4()
    _post(db, user.id, doc, _sale(dt.date(2026, 2, 10), 100, 20))
    (entry,) = _entries(db, doc)
    assert entry.date == dt.date(2026, 4, 1)
    assert {ln.date for ln in entry.lines} == {dt.date(2026, 4, 1)}


def test_a_rolled_back_change_posts_nothing(db: Any, make_user: Any, test_kind: None) -> None:
    user = make_user()
    doc = uuid.uuid4()
    WANTED[doc] = _sale(dt.date(2026, 5, 1), 100, 20)
    OWNERS[doc] = user.id
    posting.touch(db.session, user.id, KIND, doc)
    db.session.rollback()
    db.session.commit()
    assert _entries(db, doc) == []
