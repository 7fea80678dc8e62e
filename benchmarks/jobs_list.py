"""Benchmark: the /jobs list with 5,000 jobs on PostgreSQL, 8 concurrent users over HTTP.

Run: ``python -m benchmarks.jobs_list [--records 5000] [--users 8] [--requests 50]``.

The application is served by Werkzeug's threaded server on 127.0.0.1 (a random port); eight
users (eight sessions of the same account, each in its own thread) request each list variant
``--requests`` times. Results go to ``benchmarks/results/jobs_list.json``: per variant the
median (p50) and 95th percentile response time in milliseconds under that load, the
throughput, and the number of SQL statements one page needs.

PostgreSQL is reached at ``MINIMIN_BENCH_PG_URL`` (default: the local server the tests use); a
throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

RESULTS = Path(__file__).parent / "results" / "jobs_list.json"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark horse battery staple"  # noqa: S105 - a throwaway local account

TITLES = [
    "Campaign",
    "Editorial",
    "Lookbook",
    "Catalogue",
    "Runway",
    "Commercial",
    "Event",
    "Music video",
    "Fitting",
    "Casting",
]
BRANDS = ["Aurora", "Bexley", "Corvid", "Dune", "Ember", "Fable", "Gilt", "Harbour", "Indigo"]
STATUSES = [
    "enquiry",
    "option_first",
    "option_second",
    "confirmed",
    "completed",
    "invoiced",
    "paid",
    "cancelled",
]
KINDS = [
    ("day_rate", 80000),
    ("half_day", 45000),
    ("hourly", 9000),
    ("fixed", 150000),
    ("usage", 250000),
    ("overtime", 12000),
    ("expenses", 4500),
    ("per_diem", 3500),
]


def generate_jobs(
    user_id: uuid.UUID,
    n: int,
    client_ids: list[uuid.UUID],
    agency_ids: list[uuid.UUID],
    seed: int = 11,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for *n* plausible jobs: (jobs, dates, fee lines, status changes)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    jobs, dates, lines, changes = [], [], [], []
    first_day = date(2024, 4, 6)
    for i in range(n):
        job_id = uuid.uuid4()
        start = first_day + timedelta(days=rng.randint(0, 900))
        days = rng.choice([1, 1, 1, 2, 3])
        agency = rng.random() < 0.6
        status = rng.choice(STATUSES)
        jobs.append(
            {
                "id": job_id,
                "user_id": user_id,
                "title": f"{rng.choice(BRANDS)} {rng.choice(TITLES)} {i}",
                "client_id": rng.choice(client_ids) if not agency or rng.random() < 0.3 else None,
                "agency_id": rng.choice(agency_ids) if agency else None,
                "location": "London",
                "kind_of_work": rng.choice(["commercial", "editorial", "catalogue", None]),
                "status": status,
                "currency": "GBP",
                "starts_on": start,
                "ends_on": start + timedelta(days=days - 1),
                "commission_percent": Decimal(rng.choice(["10", "15", "20"])) if agency else None,
                "commission_vat": agency and rng.random() < 0.8,
                "quoting": "fee_plus_agency_fee"
                if agency and rng.random() < 0.2
                else "fee_inclusive",
                "created_at": now - timedelta(minutes=i),
                "updated_at": now,
            }
        )
        for d in range(days):
            dates.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "job_id": job_id,
                    "position": d,
                    "day": start + timedelta(days=d),
                }
            )
        for position in range(rng.randint(1, 3)):
            kind, pence = rng.choice(KINDS)
            quantity = Decimal(rng.choice(["1", "1", "2", "0.5", "7.5"]))
            pass_through = kind in ("expenses", "per_diem")
            lines.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "job_id": job_id,
                    "position": position,
                    "kind": kind,
                    "quantity": quantity,
                    "unit_amount_pence": pence,
                    "amount_pence": int((quantity * pence).to_integral_value()),
                    "commissionable": not pass_through,
                    "vat_applies": not pass_through,
                }
            )
        _store_totals(jobs[-1], [line for line in lines if line["job_id"] == job_id])
        changes.append(
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "job_id": job_id,
                "from_status": None,
                "to_status": status,
                "at": now,
            }
        )
    return jobs, dates, lines, changes


def _store_totals(job: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """The totals the app stores when a job is saved, by the same pure commission rules."""
    from minimin.core.money import Money
    from minimin.jobs.commission import CommissionLine, CommissionTerms, LineKind, calculate

    agency = job["agency_id"] is not None
    terms = CommissionTerms(
        commission_percent=job["commission_percent"] if agency else Decimal(0),
        agency_vat_registered=bool(job["commission_vat"]) if agency else False,
        quoting=job["quoting"] if agency else "fee_inclusive",
    )
    totals = calculate(
        [
            CommissionLine(
                Money.from_pence(line["amount_pence"]),
                line["commissionable"],
                line["vat_applies"],
                LineKind.EXPENSE if line["kind"] in ("expenses", "per_diem") else LineKind.FEE,
            )
            for line in lines
        ],
        terms,
        tax_point=job["starts_on"],
    )
    job.update(
        gross_pence=totals.gross.pence,
        commission_pence=totals.commission.pence,
        vat_on_commission_pence=totals.vat_on_commission.pence,
        net_pence=totals.net_paid.pence,
        totals_vat_registered=False,
    )


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"minimin_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _populate(app: Any, records: int) -> dict[str, str]:
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.contacts.models import Agency, Client
    from minimin.core.db import utcnow
    from minimin.extensions import db
    from minimin.jobs.models import FeeLine, Job, JobDate, JobStatusChange

    with app.app_context():
        db.create_all()
        user = User(
            email="bench@example.com",
            email_key=email_key("bench@example.com"),
            full_name="Bench Mark",
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        clients = [Client(user_id=user.id, name=f"Client {i}") for i in range(60)]
        agencies = [
            Agency(user_id=user.id, name=f"Agency {i}", default_commission_percent=Decimal(20))
            for i in range(12)
        ]
        db.session.add_all(clients + agencies)
        db.session.flush()
        jobs, dates, lines, changes = generate_jobs(
            user.id, records, [c.id for c in clients], [a.id for a in agencies]
        )
        for model, rows in (
            (Job, jobs),
            (JobDate, dates),
            (FeeLine, lines),
            (JobStatusChange, changes),
        ):
            for i in range(0, len(rows), 2000):
                db.session.execute(sa.insert(model), rows[i : i + 2000])
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        return {"client": str(clients[3].id), "agency": str(agencies[2].id)}


def _session(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30).text
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on /login")
    response = session.post(
        f"{base}/login",
        data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": match.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code}")
    return session


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def measure(url: str, records: int, users: int, per_user: int) -> dict[str, Any]:
    from werkzeug.serving import make_server

    from minimin.app import create_app
    from minimin.extensions import db

    instance = Path(tempfile.mkdtemp(prefix="minimin-bench-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url},
        mode="testing",
        instance_path=instance,
    )
    ids = _populate(app, records)
    variants = {
        "first_page": "/jobs",
        "status_confirmed": "/jobs?status=confirmed",
        "agency_filter": f"/jobs?agency={ids['agency']}",
        "date_range_sorted_title": "/jobs?from=2025-01-01&to=2025-06-30&sort=title",
        "deep_page_60": "/jobs?page=60",
        "to_invoice": "/jobs/to-invoice",
        "calendar_month": "/jobs/calendar?month=2025-03",
    }
    with app.app_context():
        engine = db.engine
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    results: dict[str, Any] = {}
    try:
        sessions = [_session(base) for _ in range(users)]
        for variant, path in variants.items():
            for s in sessions:
                s.get(base + path, timeout=30)  # warm up
            statements.clear()
            sa.event.listen(engine, "before_cursor_execute", count)
            sessions[0].get(base + path, timeout=30)
            sa.event.remove(engine, "before_cursor_execute", count)
            per_page = len(statements)

            def run(session: requests.Session, path: str = path) -> list[float]:
                timings = []
                for _ in range(per_user):
                    started = time.perf_counter()
                    response = session.get(base + path, timeout=60)
                    timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} answered {response.status_code}")
                return timings

            wall = time.perf_counter()
            with ThreadPoolExecutor(max_workers=users) as pool:
                timings = sorted(t for part in pool.map(run, sessions) for t in part)
            wall = time.perf_counter() - wall
            results[variant] = {
                "path": path.replace(ids["agency"], "<agency>"),
                "requests": len(timings),
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(_percentile(timings, 0.95), 2),
                "max_ms": round(timings[-1], 2),
                "requests_per_second": round(len(timings) / wall, 1),
                "sql_statements_per_page": per_page,
            }
            print(variant, json.dumps(results[variant]), flush=True)
    finally:
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--requests", type=int, default=50, help="requests per user per page")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    pg_admin = args.pg_url or os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "jobs_list",
        "records": args.records,
        "concurrent_users": args.users,
        "requests_per_user_per_page": args.requests,
        "page_size": 50,
        "server": "werkzeug threaded, 127.0.0.1, one process",
        "database": "postgresql",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    print(f"generating {args.records} jobs and measuring with {args.users} users...", flush=True)
    # The machine's load matters: figures taken while other work runs are not comparable.
    report["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    with postgres_database(pg_admin) as url:
        report["variants"] = measure(url, args.records, args.users, args.requests)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
