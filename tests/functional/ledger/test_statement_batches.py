"""A statement import counts its lines' bank side in one entry per day of each batch (source
``bank_batch``), and each line's own entry carries only what explains it: the figures are
those of one entry per line, each line is counted once, a failed import leaves nothing, a
line that goes takes its bank side with it, closed periods hold, and ``minimin ledger check``
names a batch that is wrong. Figures are worked by hand in the comments."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.banking import services as banking
from minimin.banking.models import QUEUED, BankAccount, BankTransaction, CategoryRule, ImportJob
from minimin.ledger import accounts
from minimin.ledger.check import check
from minimin.ledger.models import JournalEntry, JournalLine, PeriodLock
from tests.functional.ledger.test_bank_postings import total
from tests.functional.ledger.test_ledger_pages import how_counted_block

BASES = ("accruals", "cash")
MAY_14, MAY_16 = dt.date(2025, 5, 14), dt.date(2025, 5, 16)
STATEMENT = (
    b"Date,Description,Amount\n"
    b"14/05/2025,TOP MODELS AGENCY RA-77,1152.00\n"
    b"14/05/2025,PRET A MANGER,-3.50\n"
    b"14/05/2025,TRAINLINE LONDON,-45.50\n"
    b"16/05/2025,ACME STUDIOS,600.00\n"
    b"16/05/2025,BOOTS,-12.00\n"
)
# 14 May: 1,152.00 - 3.50 - 45.50 = 1,103.00; 16 May: 600.00 - 12.00 = 588.00.
BANKED = {MAY_14: 110300, MAY_16: 58800}


@pytest.fixture
def owner(db: Any, make_business: Any) -> Any:
    """A business not registered for VAT (the journal tests' own), with a bank account."""
    from minimin.accounts.models import User

    user = db.session.get(User, make_business(vat_registered=False).user_id)
    account = banking.create_account(
        user.id, banking.BankAccountInput(name="Business current", last_four="1234")
    )
    db.session.commit()
    user.account_id = account.id
    return user


def problems(db: Any, owner: Any) -> list[str]:
    db.session.expire_all()
    return check(db.session, [owner.id]).problems


def said(db: Any, owner: Any) -> list[str]:
    """The check's problems without their "user <id>: " prefix."""
    prefix = f"user {owner.id}: "
    found = problems(db, owner)
    assert all(p.startswith(prefix) for p in found)
    return [p.removeprefix(prefix) for p in found]


def train_rule(db: Any, owner: Any) -> None:
    """A rule that makes the train fare travel (SA103F box 20) as the line goes in."""
    db.session.add(
        CategoryRule(user_id=owner.id, position=1, pattern="TRAINLINE", category="travel")
    )
    db.session.commit()


def import_statement(db: Any, account_id: uuid.UUID, data: bytes = STATEMENT) -> ImportJob:
    from minimin.core import db as core_db

    account = db.session.get(BankAccount, account_id)
    job, inspection = banking.start_import(account, data, "statement.csv")
    banking.confirm_mapping(job, inspection.options())
    core_db.commit(db.session)  # runs the import (eager in testing)
    db.session.expire_all()
    return db.session.get(ImportJob, job.id)


def entries(db: Any, owner: Any, kind: str) -> list[Any]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(JournalEntry)
            .where(JournalEntry.user_id == owner.id, JournalEntry.source_kind == kind)
            .order_by(JournalEntry.date, JournalEntry.version)
        )
    )


def in_force(found: list[Any]) -> list[Any]:
    cancelled = {e.reverses_id for e in found if e.reverses_id is not None}
    return [e for e in found if e.reverses_id is None and e.id not in cancelled]


def bank_lines_of(entry: Any) -> dict[str, int]:
    return {ln.account: ln.amount_pence for ln in entry.lines}


def line_id(db: Any, description: str) -> uuid.UUID:
    return db.session.scalar(
        sa.select(BankTransaction.id).where(BankTransaction.description == description)
    )


def test_an_import_counts_each_days_bank_side_once_in_one_entry(db: Any, owner: Any) -> None:
    train_rule(db, owner)
    job = import_statement(db, owner.account_id)
    assert job.added == 5
    bank = accounts.bank(owner.account_id)

    # One statement entry per day: Dr the bank the day's sum, Cr suspense the same.
    batches = entries(db, owner, "bank_batch")
    assert [(e.date, e.version, bank_lines_of(e)) for e in batches] == [
        (day, 1, {bank: amount, accounts.SUSPENSE: -amount}) for day, amount in BANKED.items()
    ]
    # Each line names its day's entry; lines of one day share it.
    by_day = {
        day: set(
            db.session.scalars(
                sa.select(BankTransaction.ledger_batch_id).where(BankTransaction.posted_on == day)
            )
        )
        for day in BANKED
    }
    assert by_day == {e.date: {e.source_id} for e in batches}
    # Only the categorised line has an entry of its own, and it carries no bank side (a bank
    # line there too would count the £45.50 twice): Dr box 20, Cr suspense.
    [own] = entries(db, owner, "bank_line")
    assert own.source_id == line_id(db, "TRAINLINE LONDON")
    assert bank_lines_of(own) == {accounts.SUSPENSE: -4550, accounts.expense_box(20): 4550}
    # The journal holds the bank side of the five lines once: two lines on the bank account.
    bank_rows = db.session.scalars(
        sa.select(JournalLine.amount_pence).where(JournalLine.account == bank)
    ).all()
    assert sorted(bank_rows) == sorted(BANKED.values())
    for basis in BASES:
        # The figures of one entry per line: 1,691.00 in the bank, the deposit, the coffee,
        # Acme and Boots unexplained (Cr 1,152.00 + 600.00, Dr 3.50 + 12.00), £45.50 travel.
        assert total(db, owner, basis, codes=[bank]) == 169100
        assert total(db, owner, basis, codes=[accounts.SUSPENSE]) == -173650
        assert total(db, owner, basis, codes=[accounts.expense_box(20)]) == 4550
    assert problems(db, owner) == []

    # The same statement again adds and posts nothing.
    assert import_statement(db, owner.account_id).added == 0
    assert len(entries(db, owner, "bank_batch")) == 2
    assert len(entries(db, owner, "bank_line")) == 1
    assert problems(db, owner) == []


def test_lines_that_go_take_their_bank_side_with_them(db: Any, owner: Any) -> None:
    train_rule(db, owner)
    other = banking.create_account(
        owner.id, banking.BankAccountInput(name="Savings", last_four="9876")
    )
    db.session.commit()
    import_statement(db, owner.account_id)
    import_statement(db, other.id, b"Date,Description,Amount\n14/05/2025,INTEREST,2.00\n")
    bank, savings = accounts.bank(owner.account_id), accounts.bank(other.id)

    # The coffee goes: the 14 May entry is reposted without it (its reversal, then 1,106.50).
    db.session.delete(db.session.get(BankTransaction, line_id(db, "PRET A MANGER")))
    db.session.commit()
    may_14 = [e for e in entries(db, owner, "bank_batch") if bank in bank_lines_of(e)]
    assert [(e.version, bank_lines_of(e)[bank]) for e in may_14 if e.date == MAY_14] == [
        (1, 110300),
        (2, -110300),
        (3, 110650),
    ]
    for basis in BASES:
        assert total(db, owner, basis, codes=[bank]) == 169450
        assert total(db, owner, basis, codes=[accounts.SUSPENSE]) == -174000 - 200
    assert problems(db, owner) == []

    # The categorised train fare goes: its own entry is reversed and its day reposted again.
    db.session.delete(db.session.get(BankTransaction, line_id(db, "TRAINLINE LONDON")))
    db.session.commit()
    assert in_force(entries(db, owner, "bank_line")) == []
    for basis in BASES:
        assert total(db, owner, basis, codes=[bank]) == 174000
        assert total(db, owner, basis, codes=[accounts.expense_box(20)]) == 0
    assert problems(db, owner) == []

    # The account goes with its lines: its statement entries are reversed, the savings
    # account's stays.
    banking.delete_account(db.session.get(BankAccount, owner.account_id))
    db.session.commit()
    assert [bank_lines_of(e) for e in in_force(entries(db, owner, "bank_batch"))] == [
        {savings: 200, accounts.SUSPENSE: -200}
    ]
    for basis in BASES:
        assert total(db, owner, basis, codes=[bank]) == 0
        assert total(db, owner, basis, codes=[savings]) == 200
        assert total(db, owner, basis, codes=[accounts.SUSPENSE]) == -200
    assert problems(db, owner) == []


def test_a_failed_import_leaves_no_statement_entries(
    db: Any, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit after the second batch fails (the database went away): the first batch was
    committed with its entries, and the import, all or nothing, takes them back."""
    from minimin.banking.services import import_run

    train_rule(db, owner)
    import_statement(db, owner.account_id, b"Date,Description,Amount\n01/05/2025,KEPT,-1.00\n")
    kept = [e.id for e in entries(db, owner, "bank_batch")]
    assert len(kept) == 1

    monkeypatch.setattr(import_run, "BATCH", 2)  # three batches: 2 + 2 + 1 lines
    account = db.session.get(BankAccount, owner.account_id)
    lines = STATEMENT.splitlines()
    # The train fare first: the first batch (committed) posts its category too.
    statement = b"\n".join([lines[0], lines[3], *lines[1:3], *lines[4:]]) + b"\n"
    job, inspection = banking.start_import(account, statement, "statement.csv")
    job.options, job.status = inspection.options(), QUEUED
    db.session.commit()
    commits: list[int] = []

    def commit() -> None:
        commits.append(1)
        if len(commits) == 4:  # running, parsed, first batch: the second batch's fails
            db.session.rollback()
            raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))
        db.session.commit()

    finished = import_run.run_import(job.id, commit=commit)
    assert finished is not None and finished.status == "failed"
    assert "nothing was added" in finished.errors[0]["message"]
    db.session.commit()
    # Only the earlier import is left: its line, its statement entry, nothing of the failed
    # one (its first batch had posted two 14 May lines and the train fare's category).
    assert [e.id for e in entries(db, owner, "bank_batch")] == kept
    assert entries(db, owner, "bank_line") == []
    for basis in BASES:
        assert total(db, owner, basis, codes=[accounts.bank(owner.account_id)]) == -100
        assert total(db, owner, basis, codes=[accounts.SUSPENSE]) == 100
        assert total(db, owner, basis, codes=[accounts.expense_box(20)]) == 0
    assert problems(db, owner) == []


def test_statement_entries_keep_out_of_closed_periods(db: Any, owner: Any) -> None:
    """The books are closed to 15 May: the 14 May lines are counted on 16 May (the first open
    day), marked as belonging to 14 May; a 14 May line that goes is taken out there too."""
    db.session.add(PeriodLock(user_id=owner.id, locked_through=dt.date(2025, 5, 15)))
    db.session.commit()
    import_statement(db, owner.account_id)
    bank = accounts.bank(owner.account_id)
    assert {(e.date, e.moved_from) for e in entries(db, owner, "bank_batch")} == {
        (MAY_16, MAY_14),
        (MAY_16, None),
    }
    assert problems(db, owner) == []

    db.session.delete(db.session.get(BankTransaction, line_id(db, "PRET A MANGER")))
    db.session.commit()
    found = entries(db, owner, "bank_batch")
    assert all(e.date > dt.date(2025, 5, 15) for e in found)
    [moved] = [e for e in in_force(found) if e.moved_from == MAY_14]
    assert bank_lines_of(moved)[bank] == 110650
    for basis in BASES:
        assert total(db, owner, basis, codes=[bank]) == 169450
    assert problems(db, owner) == []


def test_the_check_names_a_broken_statement_batch(app: Any, db: Any, owner: Any) -> None:
    from minimin.ledger.rules.banking import bank_line_posting
    from minimin.ledger.sources.banking import expense_accounts, line_facts

    import_statement(db, owner.account_id)
    bank = accounts.bank(owner.account_id)
    may_14, may_16 = entries(db, owner, "bank_batch")
    batch_14, batch_16 = may_14.source_id, may_16.source_id
    assert problems(db, owner) == []
    db.session.commit()
    lines = JournalLine.__table__

    # 1. The 14 May entry says £1 more than its lines (balanced: suspense £1 less).
    with db.engine.begin() as conn:
        for account, change in ((bank, 100), (accounts.SUSPENSE, -100)):
            conn.execute(
                sa.update(lines)
                .where(lines.c.entry_id == may_14.id, lines.c.account == account)
                .values(amount_pence=lines.c.amount_pence + change)
            )
    found = said(db, owner)
    assert f"bank_batch {batch_14} is posted with other figures than it has" in found
    for basis in BASES:
        assert (
            f"{bank} holds 169200 GBP on the {basis} basis, but its statement lines add up "
            "to 169100" in found
        )
    with db.engine.begin() as conn:
        for account, change in ((bank, -100), (accounts.SUSPENSE, 100)):
            conn.execute(
                sa.update(lines)
                .where(lines.c.entry_id == may_14.id, lines.c.account == account)
                .values(amount_pence=lines.c.amount_pence + change)
            )
    assert problems(db, owner) == []

    # 2. A line of the 16 May batch also posts its bank side in an entry of its own (a rule
    # that forgot the batch): the line's bank side is counted twice.
    boots = db.session.get(BankTransaction, line_id(db, "BOOTS"))
    whole = bank_line_posting(replace(line_facts(boots, 0), batch_id=None), expense_accounts())
    assert {ln.account: ln.amount for ln in whole.lines} == {
        bank: -1200,
        accounts.SUSPENSE: 1200,
    }
    entry_id = uuid.uuid4()
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(JournalEntry.__table__).values(
                id=entry_id,
                user_id=owner.id,
                source_kind="bank_line",
                source_id=boots.id,
                version=1,
                date=MAY_16,
                currency="GBP",
                description="BOOTS",
                posted_at=dt.datetime(2025, 5, 16, tzinfo=dt.UTC),
            )
        )
        for position, line in enumerate(whole.lines):
            conn.execute(
                sa.insert(lines).values(
                    id=uuid.uuid4(),
                    user_id=owner.id,
                    entry_id=entry_id,
                    position=position,
                    date=MAY_16,
                    currency="GBP",
                    account=line.account,
                    amount_pence=line.amount,
                    basis="B",
                    memo="",
                )
            )
    found = said(db, owner)
    assert f"bank_line {boots.id} has an entry but its document posts nothing" in found
    assert (
        f"{bank} holds 167900 GBP on the cash basis, but its statement lines add up to 169100"
        in found
    )
    with db.engine.begin() as conn:
        conn.execute(sa.delete(lines).where(lines.c.entry_id == entry_id))
        conn.execute(sa.delete(JournalEntry.__table__).where(JournalEntry.id == entry_id))
    assert problems(db, owner) == []

    # 3. A line deleted behind the application's back leaves its bank side in the books.
    acme = line_id(db, "ACME STUDIOS")
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.delete(BankTransaction.__table__).where(BankTransaction.id == acme))
    found = said(db, owner)
    assert f"bank_batch {batch_16} is posted with other figures than it has" in found
    assert (
        f"{bank} holds 169100 GBP on the accruals basis, but its statement lines add up to "
        "109100" in found
    )

    # 4. A line moved to another day stays in its batch: the batch spans two days.
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(BankTransaction.__table__)
            .where(BankTransaction.description == "PRET A MANGER")
            .values(posted_on=dt.date(2025, 5, 15))
        )
    assert f"bank_batch {batch_14} holds lines of more than one day or currency" in said(db, owner)

    # 5. The repair posts the batches as their lines say now; the books are whole again
    # once the coffee is back on its day.
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(BankTransaction.__table__)
            .where(BankTransaction.description == "PRET A MANGER")
            .values(posted_on=MAY_14)
        )
    result = app.test_cli_runner().invoke(args=["ledger", "post"])
    assert result.exit_code == 0, result.output
    assert problems(db, owner) == []
    for basis in BASES:
        assert total(db, owner, basis, codes=[bank]) == 109100


def test_a_lines_page_says_its_bank_side_is_in_the_statements_entry(
    db: Any, owner: Any, client: Any, login: Any
) -> None:
    train_rule(db, owner)
    import_statement(db, owner.account_id)
    login(client, owner, "correct horse battery staple")

    # An unexplained line: nothing of its own, its bank side in the day's entry (figures).
    block = how_counted_block(client.get(f"/banking/transactions/{line_id(db, 'BOOTS')}"))
    assert (
        "Its bank side, -£12.00 on Bank account: Business current ··1234, is counted in the "
        "statement's entry for 16 May 2025 below, which counts the 2 lines imported for that "
        "day together: £588.00 in all." in block
    )
    assert "Bank statement import, one day's lines · 16 May 2025" in block
    assert "£588.00 into Business current ··1234" in block
    assert "£588.00 waiting to be explained (matched to a record or categorised)" in block

    # The categorised train fare: its own entry explains it, the day's entry banks it.
    block = how_counted_block(
        client.get(f"/banking/transactions/{line_id(db, 'TRAINLINE LONDON')}")
    )
    assert "Its bank side, -£45.50 on Bank account: Business current ··1234" in block
    assert "the 3 lines imported for that day together: £1,103.00 in all." in block
    assert "Bank statement line · 14 May 2025 · TRAINLINE LONDON" in block
    assert "£45.50 of a bank line now explained" in block
    assert "£45.50 counted as an allowable expense (box 20" in block


def test_two_imports_of_the_same_rows_at_once_count_each_row_once(
    app: Any, db: Any, owner: Any
) -> None:
    """The second import waits on the first's rows (its INSERT ... ON CONFLICT) and skips
    them: its statement entries count only the rows it added."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a race between two writers needs PostgreSQL (SQLite has one writer)")
    from minimin.banking.services.import_run import run_import

    first = STATEMENT
    # The second statement repeats the 16 May lines and adds one of 17 May.
    second = (
        b"Date,Description,Amount\n"
        + b"".join(row + b"\n" for row in STATEMENT.splitlines()[4:])
        + b"17/05/2025,SHELL,-40.00\n"
    )
    account = db.session.get(BankAccount, owner.account_id)
    jobs = []
    for data in (first, second):
        job, inspection = banking.start_import(account, data, "statement.csv")
        job.options, job.status = inspection.options(), QUEUED
        jobs.append(job.id)
    db.session.commit()
    held = threading.Event()
    release = threading.Event()
    outcome: dict[int, Any] = {}

    def run(index: int) -> None:
        from minimin.extensions import db as database

        calls = []

        def commit() -> None:
            calls.append(1)
            if index == 0 and len(calls) == 3:  # the first import's batch, not yet committed
                held.set()
                release.wait(10)
            database.session.commit()

        with app.app_context():
            try:
                job = run_import(jobs[index], commit=commit)
                outcome[index] = (job.status, job.added)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=run, args=(0,))]
    threads[0].start()
    assert held.wait(20)
    threads.append(threading.Thread(target=run, args=(1,)))
    threads[1].start()
    time.sleep(0.5)  # the second import reaches the first's uncommitted rows and waits
    release.set()
    for thread in threads:
        thread.join(30)
    assert outcome == {0: ("done", 5), 1: ("done", 1)}
    bank = accounts.bank(owner.account_id)
    for basis in BASES:
        assert total(db, owner, basis, codes=[bank]) == 169100 - 4000
    # The second import's entries: the Shell line only.
    db.session.expire_all()
    second_batches = db.session.scalars(
        sa.select(BankTransaction.ledger_batch_id).where(BankTransaction.import_job_id == jobs[1])
    ).all()
    assert len(second_batches) == 1
    [shell] = [e for e in entries(db, owner, "bank_batch") if e.source_id == second_batches[0]]
    assert bank_lines_of(shell) == {bank: -4000, accounts.SUSPENSE: 4000}
    assert len(entries(db, owner, "bank_batch")) == 3
    assert problems(db, owner) == []
