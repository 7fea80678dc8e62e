"""A worker killed with SIGKILL in the middle of a statement import: the job, delivered again
(tasks are acknowledged only once finished), completes with every row once and every row's
bank side posted to the journal once (in its statement batch's entry for the day).

The job runs in a real separate process (what a Celery pool process does with it), which is
killed once the first batch has been committed; the job is then run again. The broker's part,
handing the unacknowledged job out again, is Celery's (``task_acks_late`` with
``task_reject_on_worker_lost``); docs/deployment.md ("Resilience") gives the manual check with
a real worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROWS = 12_000  # above one batch (5,000): the kill falls between two commits


def statement(rows: int) -> bytes:
    lines = ["Date,Description,Amount"]
    first = date(2025, 4, 6)
    for n in range(rows):
        day = first + timedelta(days=n % 360)
        pence = (n * 7919) % 200_000 - 100_000 or 1  # never zero: a zero line posts nothing
        lines.append(f"{day.isoformat()},Card payment {n},{pence / 100:.2f}")
    return ("\n".join(lines) + "\n").encode()


def counts(app: Any, job_id: Any) -> tuple[str, int, int, int]:
    """The job's status, its rows, its rows whose bank side a statement entry counts, and how
    many times those entries count them (each row once: as many as the rows)."""
    from minimin.banking.models import BankTransaction, ImportJob
    from minimin.extensions import db
    from minimin.ledger import accounts
    from minimin.ledger.models import JournalEntry, JournalLine
    from minimin.ledger.sources.banking import BANK_BATCH

    with app.app_context():
        # One snapshot for every count: read while the import commits batch after batch, each
        # statement would otherwise see a different moment (rows counted before a batch's
        # commit, its entries after).
        if db.engine.dialect.name == "postgresql":
            db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        job = db.session.get(ImportJob, job_id)
        status = job.status if job else "missing"
        of_job = BankTransaction.import_job_id == job_id
        lines = db.session.scalar(sa.select(sa.func.count()).where(of_job))
        batch_entry = sa.and_(
            JournalEntry.source_kind == BANK_BATCH,
            JournalEntry.source_id == BankTransaction.ledger_batch_id,
        )
        posted = db.session.scalar(
            sa.select(sa.func.count()).where(of_job, sa.exists().where(batch_entry))
        )
        counted = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(BankTransaction)
            .join(JournalEntry, batch_entry)
            .where(of_job)
        )
        banked = statement_sum = 0
        if job is not None:
            account = job.bank_account_id
            banked = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(JournalLine.amount_pence), 0)).where(
                    JournalLine.account == accounts.bank(account)
                )
            )
            statement_sum = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(BankTransaction.amount_pence), 0)).where(
                    BankTransaction.bank_account_id == account
                )
            )
        db.session.remove()
    assert posted == counted, "a line was posted twice"
    assert banked == statement_sum, "the bank account is not the sum of its lines"
    return status, int(lines or 0), int(posted or 0), int(counted or 0)


def test_an_import_killed_mid_way_completes_once_when_run_again(
    app: Any, database_url: str, make_user: Any
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("production runs its worker on PostgreSQL")
    from minimin.banking import services
    from minimin.banking.models import DONE, QUEUED
    from minimin.banking.tasks import import_statement
    from minimin.core import db as core_db
    from minimin.extensions import db

    user = make_user()
    with app.app_context():
        account = services.create_account(
            user.id, services.BankAccountInput(name="Business current", last_four="1234")
        )
        job, inspection = services.start_import(account, statement(ROWS), "statement.csv")
        # As the mapping page's confirmation leaves it: queued, its job in the broker.
        job.options = inspection.options()
        job.status = QUEUED
        core_db.commit(db.session)
        job_id = job.id
        db.session.remove()

    script = textwrap.dedent(
        f"""
        from minimin.app import create_app
        from minimin.banking.tasks import import_statement
        app = create_app({{"SQLALCHEMY_DATABASE_URI": {database_url!r}}}, mode="testing",
                         instance_path={app.instance_path!r})
        with app.app_context():
            import_statement({str(job_id)!r})
        """
    )
    worker = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and worker.poll() is None:
            status, lines, _, _ = counts(app, job_id)
            if 0 < lines < ROWS:
                break
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        worker.wait()
    status, lines, entries, _ = counts(app, job_id)
    assert worker.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    assert status == "running" and 0 < lines < ROWS and entries == lines

    # Delivered again (to a restarted worker): it completes, once.
    with app.app_context():
        assert import_statement(str(job_id)) == DONE
        db.session.remove()
    assert counts(app, job_id) == (DONE, ROWS, ROWS, ROWS)
    with app.app_context():
        assert import_statement(str(job_id)) == DONE  # a third delivery changes nothing
        db.session.remove()
    assert counts(app, job_id) == (DONE, ROWS, ROWS, ROWS)
