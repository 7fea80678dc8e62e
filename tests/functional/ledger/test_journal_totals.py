"""The journal's kept totals (``journal_total``, kept by database triggers): every line posted
is in its row, an entry deleted takes its lines back out, and the reports read the same figures
from the totals as from the lines, for ranges that cut a half month and for what agencies owe
with lines dated after today."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.ledger import accounts, posting, totals
from minimin.ledger.check import check
from minimin.ledger.entries import ACCRUALS, CASH, Line, Posting
from minimin.ledger.models import JournalEntry, JournalLine, JournalTotal

KIND = "test_document"
WANTED: dict[uuid.UUID, Posting | None] = {}
OWNERS: dict[uuid.UUID, uuid.UUID] = {}


@pytest.fixture
def test_kind() -> Iterator[None]:
    posting.source(
        KIND,
        lambda session, source_id: WANTED.get(source_id),
        lambda session, user_id: [d for d, u in OWNERS.items() if u == user_id and WANTED.get(d)],
    )
    yield
    posting._posters.pop(KIND, None)
    posting._listers.pop(KIND, None)
    WANTED.clear()
    OWNERS.clear()


def _post(db: Any, user_id: uuid.UUID, doc: uuid.UUID, wanted: Posting | None) -> None:
    WANTED[doc] = wanted
    OWNERS[doc] = user_id
    posting.touch(db.session, user_id, KIND, doc)
    db.session.commit()


def _sale(day: dt.date, net: int, *, vat_code: str | None = "standard") -> Posting:
    return Posting(
        day,
        "a sale",
        (
            Line(accounts.UNDEPOSITED, net + net // 5),
            Line(accounts.TURNOVER_DIRECT, -net, vat_code=vat_code),
            Line(accounts.OUTPUT_VAT, -(net // 5), vat_code=vat_code),
        ),
    )


def _cost(day: dt.date, amount: int, box: int = 20) -> Posting:
    return Posting(
        day,
        "a cost",
        (
            Line(accounts.expense_box(box), amount, basis=ACCRUALS),
            Line(accounts.disallowable(box), amount, basis=CASH),
            Line(accounts.OWNER_CAPITAL, -amount),
        ),
    )


def _agency_job(day: dt.date, agency_id: uuid.UUID, job_id: uuid.UUID, gross: int) -> Posting:
    return Posting(
        day,
        "an agency job",
        (
            Line(accounts.debtor(agency_id=agency_id), gross, ACCRUALS, job_id=job_id),
            Line(accounts.TURNOVER_AGENCY, -gross, ACCRUALS, agency_id=agency_id, job_id=job_id),
        ),
    )


def _proved(db: Any, user_id: uuid.UUID) -> None:
    assert totals.problems(db.session, user_id) == []
    assert check(db.session, [user_id]).ok


def test_each_line_is_kept_in_its_half_month_and_taken_back_when_its_entry_goes(
    db: Any, make_user: Any, test_kind: None
) -> None:
    user = make_user()
    first, second = uuid.uuid4(), uuid.uuid4()
    _post(db, user.id, first, _sale(dt.date(2025, 4, 5), 1000))
    _post(db, user.id, second, _sale(dt.date(2025, 4, 1), 500))
    _post(db, user.id, uuid.uuid4(), _sale(dt.date(2025, 4, 6), 300, vat_code=None))
    rows = {
        (r.period_start, r.vat_code): (r.amount_pence, r.documents, r.first_date)
        for r in db.session.scalars(
            sa.select(JournalTotal).where(
                JournalTotal.user_id == user.id, JournalTotal.account == accounts.TURNOVER_DIRECT
            )
        )
    }
    assert rows == {
        (dt.date(2025, 4, 1), "standard"): (-1500, -2, dt.date(2025, 4, 1)),
        (dt.date(2025, 4, 6), ""): (-300, -1, dt.date(2025, 4, 6)),
    }
    _proved(db, user.id)

    # Changed: the reversal and the new version are added like any lines.
    _post(db, user.id, second, _sale(dt.date(2025, 4, 20), 700))
    _proved(db, user.id)

    # An entry deleted (as a failed import's are) takes its lines out of its rows, and the
    # earliest day of a row is found again among the lines left.
    db.session.execute(sa.delete(JournalEntry).where(JournalEntry.source_id == second))
    db.session.commit()
    assert totals.problems(db.session, user.id) == []
    db.session.execute(sa.delete(JournalEntry).where(JournalEntry.source_id == first))
    db.session.commit()
    assert totals.problems(db.session, user.id) == []
    left = db.session.scalar(
        sa.select(JournalTotal.first_date).where(
            JournalTotal.user_id == user.id,
            JournalTotal.account == accounts.TURNOVER_DIRECT,
            JournalTotal.period_start == dt.date(2025, 4, 1),
        )
    )
    assert left is None


def test_the_check_finds_a_total_that_is_not_its_lines(
    db: Any, make_user: Any, test_kind: None
) -> None:
    user = make_user()
    _post(db, user.id, uuid.uuid4(), _sale(dt.date(2025, 6, 10), 1000))
    db.session.execute(
        sa.update(JournalTotal)
        .where(JournalTotal.user_id == user.id, JournalTotal.account == accounts.OUTPUT_VAT)
        .values(amount_pence=-1)
    )
    (problem,) = totals.problems(db.session, user.id)
    assert "kept total of liability:vat:output from 2025-06-06" in problem
    assert any("kept total" in p for p in check(db.session, [user.id]).problems)
    db.session.rollback()


RANGES = [
    (dt.date(2024, 4, 6), dt.date(2025, 4, 5)),  # a tax year: whole periods
    (dt.date(2025, 1, 1), dt.date(2025, 3, 31)),  # a VAT quarter: whole periods
    (dt.date(2024, 4, 6), dt.date(2024, 12, 7)),  # a year so far: the last days from lines
    (dt.date(2024, 5, 3), dt.date(2024, 5, 4)),  # inside one period: lines only
    (dt.date(2024, 4, 7), dt.date(2025, 4, 4)),  # both ends cut a period
]


def test_reports_read_the_same_figures_from_the_totals_as_from_the_lines(
    db: Any, make_user: Any, test_kind: None
) -> None:
    from minimin.reports import vat_return
    from minimin.reports.ledger import journal

    user = make_user()
    day = dt.date(2024, 4, 1)
    for n in range(60):
        vat_code = ("standard", None, "outside_scope")[n % 3]
        _post(db, user.id, uuid.uuid4(), _sale(day, 1000 + n, vat_code=vat_code))
        _post(db, user.id, uuid.uuid4(), _cost(day, 100 + n, box=(20, 28)[n % 2]))
        day += dt.timedelta(days=7)
    codes = (*journal.TURNOVER_ACCOUNTS, accounts.OUTPUT_VAT, *journal.EXPENSE_ACCOUNTS)
    for start, end in RANGES:
        for basis in ("cash", "accruals"):
            by_lines = journal.sums(
                user.id, start, end, basis, codes=codes, keys=[JournalLine.account], count=True
            )
            rows = journal.period_rows(user.id, start, end, basis, codes=codes, by_month=True)
            kept = journal.sums_of(rows, codes)
            assert kept.gbp == by_lines.gbp, (start, end, basis)
            assert kept.counts == by_lines.counts, (start, end, basis)
            vat_kept = vat_return.kept_line_totals(user.id, basis, start, end)
            dated = [JournalLine.date >= start, JournalLine.date <= end]
            assert vat_kept == vat_return.line_totals(user.id, basis, dated, goods=False)


def test_what_an_agency_owes_counts_the_lines_up_to_today_only(
    db: Any, make_user: Any, test_kind: None
) -> None:
    from minimin.contacts.models import Agency
    from minimin.reports import ledger

    user = make_user()
    agency = Agency(user_id=user.id, name="North Agency")
    db.session.add(agency)
    db.session.commit()
    today = dt.date(2025, 6, 30)
    done, paid, later = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    _post(db, user.id, uuid.uuid4(), _agency_job(dt.date(2025, 5, 2), agency.id, done, 800))
    _post(db, user.id, uuid.uuid4(), _agency_job(dt.date(2025, 5, 9), agency.id, paid, 500))
    # Paid in full, but only after today: still owed today.
    payment = (
        Line(accounts.AGENCY_CLEARING, 500, ACCRUALS),
        Line(accounts.debtor(agency_id=agency.id), -500, ACCRUALS, job_id=paid),
    )
    _post(db, user.id, uuid.uuid4(), Posting(dt.date(2025, 7, 3), "paid", payment))
    # A job done after today is not owed yet.
    _post(db, user.id, uuid.uuid4(), _agency_job(dt.date(2025, 7, 1), agency.id, later, 300))
    position = ledger.agency_position(user.id, today)
    (owed,) = position.owed
    assert owed.totals == {"GBP": 1300}
    assert sorted(owed.jobs) == sorted([done, paid])
    assert owed.oldest_days == (today - dt.date(2025, 5, 2)).days
    assert position.clearing == {}
    # After the payment: only the first job.
    position = ledger.agency_position(user.id, dt.date(2025, 7, 3))
    (owed,) = position.owed
    assert owed.totals == {"GBP": 1100}
    assert sorted(owed.jobs) == sorted([done, later])
    assert position.clearing == {"GBP": 500}
    _proved(db, user.id)
