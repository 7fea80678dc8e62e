"""A statement import runs once however many times its task starts: a second copy (a queue
redelivering the task) while the first holds the job, or after it has finished, changes
nothing; a job left running by a worker that died (its hold gone with it) is run again at
once. Both databases: PostgreSQL's hold is an advisory lock of the run's own connection."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask

STATEMENT = (
    b"Date,Description,Amount\n"
    b"01/03/2025,COFFEE,-3.50\n"
    b"01/03/2025,COFFEE,-3.50\n"
    b"02/03/2025,TRAIN,-12.00\n"
    b"05/03/2025,ACME STUDIOS,450.00\n"
)
LINES = 4


def queued_job(app: Flask, account: Any) -> uuid.UUID:
    """A CSV import with its columns confirmed, waiting for its task (not yet run)."""
    from minimin.banking import services
    from minimin.banking.models import QUEUED, BankAccount
    from minimin.extensions import db

    with app.app_context():
        job, inspection = services.start_import(
            db.session.get(BankAccount, account), STATEMENT, "statement.csv"
        )
        job.options, job.status = inspection.options(), QUEUED
        db.session.commit()
        return job.id


def state(app: Flask, job_id: uuid.UUID) -> dict[str, Any]:
    """The job's figures, its lines, its journal entries and what the ledger check finds."""
    from minimin.banking.models import BankTransaction, ImportJob
    from minimin.extensions import db
    from minimin.ledger.check import check
    from minimin.ledger.models import JournalEntry

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job is not None
        lines = db.session.scalars(
            sa.select(BankTransaction).where(BankTransaction.user_id == job.user_id)
        ).all()
        found = {
            "status": job.status,
            "added": job.added,
            "duplicates": job.duplicates,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "lines": sorted((t.posted_on, t.amount_pence, t.import_job_id) for t in lines),
            "entries": db.session.scalar(
                sa.select(sa.func.count(JournalEntry.id)).where(JournalEntry.user_id == job.user_id)
            ),
            "problems": list(check(db.session, [job.user_id]).problems),
        }
        db.session.rollback()
        return found


def run_task(app: Flask, job_id: uuid.UUID) -> Any:
    """The import task as a worker runs it: in its own application context and session."""
    from minimin.banking.tasks import import_statement
    from minimin.extensions import db

    with app.app_context():
        try:
            return import_statement(str(job_id))
        finally:
            db.session.remove()


def expected_lines(job_id: uuid.UUID) -> list[Any]:
    return [
        (dt.date(2025, 3, 1), -350, job_id),
        (dt.date(2025, 3, 1), -350, job_id),
        (dt.date(2025, 3, 2), -1200, job_id),
        (dt.date(2025, 3, 5), 45000, job_id),
    ]


def test_a_second_copy_while_the_first_holds_the_job_changes_nothing(
    app: Flask, owner: Any, account: Any
) -> None:
    from minimin.banking.services.import_run import run_import
    from minimin.extensions import db

    job_id = queued_job(app, account)
    seen: dict[str, Any] = {}

    def second_copy() -> None:
        seen["returned"] = run_task(app, job_id)
        seen["state"] = state(app, job_id)

    def commit() -> None:
        db.session.commit()
        if "returned" not in seen:
            # The first copy has claimed the job (its first commit); the queue delivers the
            # task again, to another worker, before any line is added.
            worker = threading.Thread(target=second_copy)
            worker.start()
            worker.join(30)
            assert not worker.is_alive()

    with app.app_context():
        try:
            first = run_import(job_id, commit=commit)
            assert first is not None
            assert (first.status, first.added) == ("done", LINES)
            db.session.commit()
        finally:
            db.session.remove()

    # The second copy found the job taken and left it as it was: running, nothing added.
    assert seen["returned"] == "running"
    assert seen["state"]["status"] == "running"
    assert seen["state"]["lines"] == []
    assert seen["state"]["entries"] == 0
    after = state(app, job_id)
    assert after["started_at"] == seen["state"]["started_at"]
    assert (after["status"], after["added"], after["duplicates"]) == ("done", LINES, 0)
    assert after["lines"] == expected_lines(job_id)
    assert after["problems"] == []


def test_a_finished_import_started_again_changes_nothing(
    app: Flask, owner: Any, account: Any
) -> None:
    job_id = queued_job(app, account)
    assert run_task(app, job_id) == "done"
    done = state(app, job_id)
    assert (done["added"], done["duplicates"]) == (LINES, 0)
    assert done["lines"] == expected_lines(job_id)

    assert run_task(app, job_id) == "done"
    assert state(app, job_id) == done


def test_a_job_left_running_by_a_dead_worker_is_run_again_at_once(
    app: Flask, owner: Any, account: Any
) -> None:
    """A worker killed mid-run leaves its job running, and its hold went with its connection;
    the queue delivers the task again: the import runs, each line once."""
    from minimin.banking.models import RUNNING, ImportJob
    from minimin.core.db import utcnow
    from minimin.extensions import db

    job_id = queued_job(app, account)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job is not None
        job.status, job.started_at = RUNNING, utcnow()
        db.session.commit()

    assert run_task(app, job_id) == "done"
    after = state(app, job_id)
    assert (after["added"], after["duplicates"]) == (LINES, 0)
    assert after["lines"] == expected_lines(job_id)
    assert after["problems"] == []


def test_a_live_run_in_another_process_keeps_the_import_to_itself(
    app: Flask, database_url: str, owner: Any, account: Any
) -> None:
    """PostgreSQL: while another process's connection holds the import's advisory lock (a live
    worker running it), a delivery leaves the job alone; once that connection ends (the worker
    killed), the next delivery runs it."""
    import pytest

    if not database_url.startswith("postgresql"):
        pytest.skip("embedded mode runs every copy in one process; the lock is the process's own")
    from minimin.core.locks import lock_key

    job_id = queued_job(app, account)
    holder = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with holder.connect() as conn:
            conn.scalar(sa.select(sa.func.pg_advisory_lock(lock_key(job_id))))
            conn.commit()
            assert run_task(app, job_id) == "queued"
            assert state(app, job_id)["lines"] == []
        assert run_task(app, job_id) == "done"
        after = state(app, job_id)
        assert after["lines"] == expected_lines(job_id)
        assert after["problems"] == []
    finally:
        holder.dispose()
