"""Dashboard over 10 years of history, and the accountant export's peak memory.

Uses the reports benchmark's generator (benchmarks/reports.py: 20,000 invoices with payments,
50,000 expenses, 100,000 bank transactions, 5,000 jobs with agency remittances and matched
bank deposits, journeys, bulk-inserted), then posts the whole history to the journal.

Run: ``python -m benchmarks.dashboard [--backends postgresql,sqlite] [--repeat 20]
[--skip-export]``. Measures GET / (the signed-in dashboard), one VAT return page and the
tax-year report (cash and accruals), each read again (the journal's figures kept,
minimin/reports/ledger/kept.py) and read first after a posting (the journal's change counter
raised before each request: computed afresh), with SQL statements and their database time per
request (SQLAlchemy cursor events); then builds the accountant
export of the busiest complete tax year in-process and records its Python heap peak
(tracemalloc) and the process's peak RSS. Targets: the dashboard 30 ms median on PostgreSQL
(5,000 jobs, 10 years of history: every money figure is a sum of journal lines); the export
under 300 MB. Results in benchmarks/results/dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.contacts_list import PG_ADMIN_URL, _csrf
from benchmarks.dbtiming import StatementClock, per_backend
from benchmarks.reports import (
    PASSWORD,
    add_bench_user,
    bench_app,
    history_arguments,
    populate,
    post_history,
)

RESULTS = Path(__file__).parent / "results" / "dashboard.json"
TAX_YEAR_PAGES = {
    "tax_year_cash": "/reports/tax-year?year=2024/25",
    "tax_year_accruals": "/reports/tax-year?year=2024/25&basis=accruals",
}
EXPORT_YEAR = 2024


def _time(
    client: Any,
    path: str,
    repeat: int,
    clock: StatementClock | None = None,
    before: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Median, p95 and max of *repeat* requests for *path* (after one unmeasured), and with
    *clock* the SQL statements and their database time per request; *before* runs before each
    request, untimed."""
    client.get(path)
    timings, db_ms, statements = [], [], []
    for _ in range(repeat):
        if before is not None:
            before()
        if clock is not None:
            clock.start()
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if clock is not None:
            spent, count = clock.stop()
            db_ms.append(spent)
            statements.append(count)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    timings.sort()
    result: dict[str, Any] = {
        "path": path,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "max_ms": round(timings[-1], 2),
    }
    if clock is not None:
        result["db_ms_median"] = round(statistics.median(db_ms), 2)
        result["statements"] = statements[len(statements) // 2]
    return result


def _ledger_changed(app: Any, user_id: Any) -> Callable[[], None]:
    """Raises the user's journal change counter, as any posting does: the next page computes
    its journal figures afresh (what the first visit after a change costs)."""
    from minimin.core.changes import ChangeCounter
    from minimin.extensions import db
    from minimin.ledger.models import LEDGER_CHANGED

    def bump() -> None:
        with app.app_context():
            db.session.execute(
                sa.update(ChangeCounter)
                .where(ChangeCounter.user_id == user_id, ChangeCounter.kind == LEDGER_CHANGED)
                .values(value=ChangeCounter.value + 1)
            )
            db.session.commit()

    return bump


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db
    from minimin.reports.tax_models import ExportJob

    app = bench_app(url)
    with app.app_context():
        user = add_bench_user(db)
        db.session.add(
            BusinessProfile(
                user_id=user.id,
                onboarding_step="done",
                vat_registered=True,
                vat_scheme="standard",
                vat_stagger="1",
                vat_number="GB123456789",
            )
        )
        started = time.perf_counter()
        populate(db, user.id, args.invoices, args.expenses, args.bank)
        db.session.commit()
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        entries = post_history(db, user.id)
        db.session.commit()
        post_s = time.perf_counter() - started
        user_id = user.id
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # As autovacuum leaves a table in steady use: the visibility map set, so
                # the journal's sums are index-only scans.
                conn.exec_driver_sql("VACUUM ANALYZE")
    client = app.test_client()
    response = client.post(
        "/login",
        data={
            "email": "bench@example.com",
            "password": PASSWORD,
            "csrf_token": _csrf(client, "/login"),
        },
    )
    if response.status_code != 302:
        raise RuntimeError("benchmark user could not sign in")
    results: dict[str, Any] = {
        "load_seconds": round(load_s, 1),
        "post_seconds": round(post_s, 1),
        "journal_entries": entries,
    }
    with app.app_context():
        clock = StatementClock(db.engine)
    bump = _ledger_changed(app, user_id)
    vat_path = "/reports/vat/2025-01-01/2025-03-31"
    results["load_average_before_pages"] = [round(x, 2) for x in os.getloadavg()]
    # Journal figures are kept until the journal changes (minimin/reports/ledger/kept.py):
    # "dashboard" is a page read again, "dashboard_after_posting" the first read after a
    # posting, computed afresh.
    results["dashboard"] = _time(client, "/", args.repeat, clock)
    results["dashboard_after_posting"] = _time(client, "/", args.repeat, clock, bump)
    results["vat_return_quarter"] = _time(client, vat_path, args.repeat, clock)
    results["vat_return_quarter_after_posting"] = _time(client, vat_path, args.repeat, clock, bump)
    for name, path in TAX_YEAR_PAGES.items():
        results[name] = _time(client, path, args.repeat, clock)
        results[f"{name}_after_posting"] = _time(client, path, args.repeat, clock, bump)
    results["load_average_after_pages"] = [round(x, 2) for x in os.getloadavg()]
    if args.skip_export:
        return results
    # The accountant export, built in this process as the worker would.
    with app.app_context():
        from minimin.reports.export import run_export

        job = ExportJob(user_id=user_id, tax_year=EXPORT_YEAR)
        db.session.add(job)
        db.session.commit()
        tracemalloc.start()
        started = time.perf_counter()
        done = run_export(job.id, commit=db.session.commit)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert done is not None and done.status == "done", done and done.error
        results["export"] = {
            "tax_year": f"{EXPORT_YEAR}/{(EXPORT_YEAR + 1) % 100:02d}",
            "seconds": round(elapsed, 1),
            "zip_bytes": done.size_bytes,
            "files": done.files_count,
            "python_heap_peak_mb": round(peak / 1_048_576, 1),
            "process_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        }
        db.session.remove()
        db.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = history_arguments(__doc__, RESULTS)
    parser.add_argument("--skip-export", action="store_true", help="pages only")
    args = parser.parse_args(argv)
    pg_admin = os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "dashboard",
        "invoices": args.invoices,
        "expenses": args.expenses,
        "bank_transactions": args.bank,
        "repeat": args.repeat,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "note": "process_peak_rss_mb includes loading the generated history in the same "
        "process; python_heap_peak_mb is the export's own peak.",
        "backends": {},
    }
    report["backends"] = per_backend(args.backends, pg_admin, lambda url: measure(url, args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.output.exists():
        # Earlier runs are kept, newest last, so a change can be compared with them.
        earlier = json.loads(args.output.read_text())
        report["earlier_runs"] = [*earlier.pop("earlier_runs", []), earlier]
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
