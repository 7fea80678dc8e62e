"""Benchmark: the database time of posting one document to the journal.

Run: ``python -m benchmarks.posting [--invoices 5000] [--expenses 5000] [--bank 10000]
[--sample 200] [--backends postgresql]``.

Builds the reports benchmark's history (benchmarks/reports.py: invoices with payments,
expenses, bank lines, 5,000 jobs with 3,000 remittances; smaller than its default, the cost of
one posting does not grow with the history), posts all of it to the journal, then takes
*sample* invoices and *sample* remittances back out of the journal (their entries deleted) and
posts each again, one document per transaction, as a page's commit does
(:func:`minimin.ledger.posting.sync`: the poster reads the document, the entry in force is
looked up, the period lock checked, the entry and its lines written). Each statement's time is
taken between SQLAlchemy's ``before_cursor_execute`` and ``after_cursor_execute`` events and
summed per posting; the commit is timed apart. Reported per kind: median and p95 of the
database time per posting, statements per posting, and the posting's wall time in Python.
Then the same documents are settled again unchanged (what every later commit that touches them
costs: the posting compared with the entry in force, nothing written).

Target: one invoice or one remittance posted in 5 ms of database time or less (PostgreSQL).
Results in ``benchmarks/results/posting.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.contacts_list import PG_ADMIN_URL
from benchmarks.dbtiming import StatementClock, per_backend
from benchmarks.reports import add_bench_user, bench_app, populate, post_history

RESULTS = Path(__file__).parent / "results" / "posting.json"
TARGET_MS = 5.0


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 3),
        "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3),
        "max": round(ordered[-1], 3),
    }


def _sample(db: Any, user_id: uuid.UUID, kind: str, size: int) -> list[uuid.UUID]:
    from minimin.ledger.models import JournalEntry

    ids = db.session.scalars(
        sa.select(JournalEntry.source_id)
        .where(JournalEntry.user_id == user_id, JournalEntry.source_kind == kind)
        .order_by(JournalEntry.source_id)
        .limit(size)
    ).all()
    return list(ids)


def _take_out(db: Any, user_id: uuid.UUID, kind: str, ids: list[uuid.UUID]) -> None:
    """Delete the entries of *ids* (their lines go with them): those documents are unposted
    again, as a document just issued is."""
    from minimin.ledger.models import JournalEntry

    db.session.execute(
        sa.delete(JournalEntry).where(
            JournalEntry.user_id == user_id,
            JournalEntry.source_kind == kind,
            JournalEntry.source_id.in_(ids),
        )
    )


def _post_each(
    db: Any, clock: StatementClock, user_id: uuid.UUID, kind: str, ids: list[uuid.UUID]
) -> dict[str, Any]:
    from minimin.core import db as core_db
    from minimin.ledger import posting

    db_ms: list[float] = []
    wall_ms: list[float] = []
    commit_ms: list[float] = []
    statements: list[int] = []
    written = 0
    for source_id in ids:
        db.session.expire_all()  # each document read afresh, as in a new request
        clock.start()
        started = time.perf_counter()
        written += posting.sync(db.session(), user_id, kind, source_id)
        wall_ms.append((time.perf_counter() - started) * 1000)
        spent, count = clock.stop()
        started = time.perf_counter()
        core_db.commit(db.session)
        commit_ms.append((time.perf_counter() - started) * 1000)
        db_ms.append(spent)
        statements.append(count)
    return {
        "documents": len(ids),
        "entries_written": written,
        "db_ms": _summary(db_ms),
        "statements": _summary([float(n) for n in statements]),
        "sync_wall_ms": _summary(wall_ms),
        "commit_ms": _summary(commit_ms),
        "under_target": statistics.median(db_ms) <= TARGET_MS,
    }


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from minimin.extensions import db

    app = bench_app(url)
    with app.app_context():
        user = add_bench_user(db)
        started = time.perf_counter()
        populate(db, user.id, args.invoices, args.expenses, args.bank)
        db.session.commit()
        entries = post_history(db, user.id)
        db.session.commit()
        build_s = time.perf_counter() - started
        user_id = user.id
        samples = {kind: _sample(db, user_id, kind, args.sample) for kind in args.kinds}
        for kind, ids in samples.items():
            _take_out(db, user_id, kind, ids)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        clock = StatementClock(db.engine)
        results: dict[str, Any] = {
            "build_seconds": round(build_s, 1),
            "journal_entries": entries,
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        }
        for kind, ids in samples.items():
            results[kind] = {
                "first_posting": _post_each(db, clock, user_id, kind, ids),
                "settled_unchanged": _post_each(db, clock, user_id, kind, ids),
            }
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        db.session.remove()
        db.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--invoices", type=int, default=5_000)
    parser.add_argument("--expenses", type=int, default=5_000)
    parser.add_argument("--bank", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--kinds", default="invoice,remittance")
    parser.add_argument("--backends", default="postgresql")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    pg_admin = os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "posting",
        "invoices": args.invoices,
        "expenses": args.expenses,
        "bank_transactions": args.bank,
        "sample": args.sample,
        "target_db_ms": TARGET_MS,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "backends": {},
    }
    report["backends"] = per_backend(args.backends, pg_admin, lambda url: measure(url, args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
