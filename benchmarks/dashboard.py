"""Dashboard over 10 years of history, and the accountant export's peak memory.

Uses the reports benchmark's generator (benchmarks/reports.py: 20,000 invoices with payments,
50,000 expenses, 100,000 bank transactions, 5,000 jobs with agency remittances and matched
bank deposits, journeys, bulk-inserted), then posts the whole history to the journal.

Run: ``python -m benchmarks.dashboard [--backends postgresql,sqlite] [--repeat 20]``.
Measures GET / (the signed-in dashboard) and one VAT return page, then builds the accountant
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
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.contacts_list import PG_ADMIN_URL, _csrf, postgres_database
from benchmarks.reports import (
    PASSWORD,
    add_bench_user,
    bench_app,
    history_arguments,
    populate,
    post_history,
)

RESULTS = Path(__file__).parent / "results" / "dashboard.json"
EXPORT_YEAR = 2024


def _time(client: Any, path: str, repeat: int) -> dict[str, Any]:
    client.get(path)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    timings.sort()
    return {
        "path": path,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "max_ms": round(timings[-1], 2),
    }


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
    results["dashboard"] = _time(client, "/", args.repeat)
    results["vat_return_quarter"] = _time(client, "/reports/vat/2025-01-01/2025-03-31", args.repeat)
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
    args = history_arguments(__doc__, RESULTS).parse_args(argv)
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
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "postgresql":
            with postgres_database(pg_admin) as url:
                report["backends"][backend] = measure(url, args)
        else:
            path = Path(tempfile.mkdtemp(prefix="minimin-bench-")) / "bench.db"
            report["backends"][backend] = measure(f"sqlite:///{path}", args)
        print(backend, json.dumps(report["backends"][backend], indent=1))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
