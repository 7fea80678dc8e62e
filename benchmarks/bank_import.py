"""Benchmark: importing a 100,000-row bank statement CSV, on SQLite and PostgreSQL.

Run: ``python -m benchmarks.bank_import [--rows 100000] [--backends sqlite,postgresql]``.
The import goes the way the pages take it: upload (the file is kept), inspection, confirmed
mapping, then the background job (run in-process after the commit, as in embedded mode), which
parses every row, fingerprints it and adds it in batches, posting each day of each batch to
the journal in one entry. Reported per backend: seconds for the first import, seconds for
importing the same file again (which must add 0), the journal entries and lines the first
import wrote, the Python peak memory of an import measured by tracemalloc, and the process's
peak resident set (maxrss).

Results go to ``benchmarks/results/bank_import.json``. PostgreSQL is reached at
``MINIMIN_BENCH_PG_URL`` (default: the local server the tests use) in a throwaway database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.contacts_list import PG_ADMIN_URL, postgres_database

RESULTS = Path(__file__).parent / "results" / "bank_import.json"
PAYEES = [
    "TESCO STORES",
    "PRET A MANGER",
    "TFL TRAVEL CHARGE",
    "SPOTLIGHT",
    "AMAZON MKTPLACE",
    "ACME STUDIOS LTD",
    "TOP MODELS AGENCY",
    "EQUITY",
    "BOOTS",
    "UBER TRIP",
    "SHELL",
]


def statement(rows: int, seed: int = 11) -> bytes:
    """A Barclays-layout CSV with *rows* rows, including genuine same-day duplicates."""
    rng = random.Random(seed)
    lines = ["Number,Date,Account,Amount,Subcategory,Memo"]
    day = date(2015, 1, 1)
    for i in range(rows):
        if i % 40 == 0:
            day += timedelta(days=1)
        payee = rng.choice(PAYEES)
        if i % 97 == 1:  # the same coffee twice the same day
            amount = "-3.50"
            payee = "PRET A MANGER"
        elif rng.random() < 0.1:
            amount = f"{rng.randint(100, 500000) / 100:.2f}"
        else:
            amount = f"-{rng.randint(50, 30000) / 100:.2f}"
        lines.append(f",{day:%d/%m/%Y},20-00-00 12345678,{amount},Payment,{payee} {i % 13}")
        if i % 97 == 1:
            lines.append(f",{day:%d/%m/%Y},20-00-00 12345678,-3.50,Payment,PRET A MANGER 1")
    return ("\n".join(lines[: rows + 1]) + "\n").encode("utf-8")


def _import(account_id: uuid.UUID, data: bytes) -> tuple[float, Any]:
    from minimin.banking import services
    from minimin.banking.models import BankAccount, ImportJob
    from minimin.core import db as core_db
    from minimin.extensions import db

    started = time.perf_counter()
    account = db.session.get(BankAccount, account_id)
    job, inspection = services.start_import(account, data, "statement.csv")
    services.confirm_mapping(job, inspection.options())
    core_db.commit(db.session)  # runs the import job (eager in embedded/testing mode)
    elapsed = time.perf_counter() - started
    job_id = job.id
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    return elapsed, {"status": job.status, "added": job.added, "errors": job.errors}


def measure(url: str, rows: int) -> dict[str, Any]:
    from minimin.accounts.models import User
    from minimin.app import create_app
    from minimin.banking import services
    from minimin.banking.models import BankTransaction
    from minimin.extensions import db
    from minimin.ledger.models import JournalEntry, JournalLine

    instance = Path(tempfile.mkdtemp(prefix="minimin-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
    data = statement(rows)
    with app.app_context():
        db.create_all()
        user = User(
            email="bench@example.com",
            email_key="bench@example.com",
            full_name="Bench",
            password_hash="!unusable",  # noqa: S106 - a throwaway local account
        )
        db.session.add(user)
        db.session.flush()
        first = services.create_account(user.id, services.BankAccountInput("Main", "1234"))
        second = services.create_account(user.id, services.BankAccountInput("Second", "5678"))
        db.session.commit()
        first_id, second_id = first.id, second.id

        elapsed, job = _import(first_id, data)
        assert job["status"] == "done", job["errors"]
        maxrss_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        count = db.session.scalar(
            sa.select(sa.func.count(BankTransaction.id)).where(
                BankTransaction.bank_account_id == first_id
            )
        )
        entries, lines = (
            db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in (JournalEntry, JournalLine)
        )
        again, job2 = _import(first_id, data)
        assert job2["status"] == "done" and job2["added"] == 0, job2

        tracemalloc.start()
        traced, job3 = _import(second_id, data)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert job3["added"] == count
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "rows_in_file": rows,
        "file_bytes": len(data),
        "added": job["added"],
        "rows_in_table": count,
        "journal_entries": entries,
        "journal_lines": lines,
        "first_import_seconds": round(elapsed, 2),
        "reimport_seconds": round(again, 2),
        "reimport_added": job2["added"],
        "traced_import_seconds": round(traced, 2),
        "python_peak_mb": round(peak / 1024 / 1024, 1),
        "process_maxrss_after_first_import_mb": round(maxrss_first / 1024, 1),
        "process_maxrss_with_tracemalloc_mb": round(maxrss / 1024, 1),
        "under_10_s": elapsed < 10,
        "under_300_mb": maxrss_first / 1024 < 300 and peak / 1024 / 1024 < 300,
    }


def _one(backend: str, rows: int, pg_admin: str) -> dict[str, Any]:
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="minimin-bench-")) / "bench.sqlite3"
        return measure(f"sqlite:///{path}", rows)
    try:
        with postgres_database(pg_admin) as url:
            return measure(url, rows)
    except sa.exc.OperationalError as exc:
        return {"skipped": f"not available: {exc.orig}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    pg_admin = args.pg_url or os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "bank_import",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "backends": {},
    }
    if args.one:
        print(json.dumps(_one(args.one, args.rows, pg_admin)))
        return 0
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        # Each backend in its own process, so that peak memory is that import's alone.
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bank_import",
                "--one",
                backend,
                "--rows",
                str(args.rows),
                "--pg-url",
                pg_admin,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        report["backends"][backend] = json.loads(done.stdout.strip().splitlines()[-1])
        print(backend, json.dumps(report["backends"][backend], indent=2), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
