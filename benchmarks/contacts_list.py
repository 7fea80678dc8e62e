"""Benchmark: the /clients list page with 10,000 clients, on SQLite and PostgreSQL.

Run: ``python -m benchmarks.contacts_list [--records 10000] [--repeat 30]
[--backends sqlite,postgresql]``.
Results are written to ``benchmarks/results/contacts_list.json``: per backend and per list
variant (first page, sorted, deep page, search) the median and 95th percentile response time in
milliseconds, and the number of SQL statements per page.

PostgreSQL is reached at ``MINIMIN_BENCH_PG_URL`` (default: the local server the tests use); a
throwaway database is created and dropped. A backend that is not available is reported as
skipped rather than failing the run.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

RESULTS = Path(__file__).parent / "results" / "contacts_list.json"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark horse battery staple"  # noqa: S105 - a throwaway local account

FIRST = ["Amber", "Blake", "Cleo", "Dev", "Esme", "Finn", "Gia", "Hari", "Isla", "Jon", "Kai"]
LAST = ["Adeyemi", "Brown", "Chen", "Davies", "Evans", "Fox", "Gill", "Hughes", "Iqbal", "Jones"]
WORDS = ["Studio", "Pictures", "Media", "Creative", "Films", "Agency", "Works", "House", "Lab"]
TOWNS = ["London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast", "Brighton"]

VARIANTS = {
    "first_page": "/clients",
    "sorted_created_desc": "/clients?sort=created&dir=desc",
    "sorted_terms": "/clients?sort=terms",
    "deep_page_100": "/clients?page=100",
    "search_name": "/clients?q=studio",
    "search_email_no_match": "/clients?q=nobody-here",
}


def generate_clients(user_id: uuid.UUID, n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """*n* plausible client rows for *user_id* (deterministic for a given *seed*)."""
    rng = random.Random(seed)
    start = datetime(2022, 4, 6, tzinfo=UTC)
    for i in range(n):
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        company = rng.random() < 0.7
        name = f"{rng.choice(LAST)} {rng.choice(WORDS)} {i}" if company else f"{person} {i}"
        created = start + timedelta(minutes=17 * i)
        yield {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "name": name,
            "kind": "company" if company else "individual",
            "contact_name": person if company else None,
            "email": f"{person.split()[0].lower()}.{i}@example.com",
            "phone": "+44 20 7946 0000",
            "address_line1": f"{rng.randint(1, 300)} High Street",
            "town": rng.choice(TOWNS),
            "postcode": "SW1A 1AA",
            "country": "GB",
            "payment_terms_days": rng.choice([None, 7, 14, 30, 30, 30, 45, 60]),
            "created_at": created,
            "updated_at": created,
        }


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


def _csrf(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if not match:
        raise RuntimeError(f"no CSRF token on {path}")
    return match.group(1)


def measure(url: str, records: int, repeat: int) -> dict[str, Any]:
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.app import create_app
    from minimin.contacts.models import Client
    from minimin.core.db import utcnow
    from minimin.extensions import db

    instance = Path(tempfile.mkdtemp(prefix="minimin-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
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
        rows = list(generate_clients(user.id, records))
        for i in range(0, len(rows), 2000):
            db.session.execute(sa.insert(Client), rows[i : i + 2000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        engine = db.engine

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

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    results: dict[str, Any] = {}
    for variant, path in VARIANTS.items():
        client.get(path)  # warm up
        timings = []
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        timings.sort()
        results[variant] = {
            "path": path,
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
            "max_ms": round(timings[-1], 2),
            "sql_statements_per_page": len(statements) // repeat,
        }
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import os

    pg_admin = args.pg_url or os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "contacts_list",
        "records": args.records,
        "repeat": args.repeat,
        "page_size": 50,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "backends": {},
    }
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        print(f"{backend}: generating {args.records} clients and measuring...", flush=True)
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                report["backends"]["sqlite"] = measure(
                    f"sqlite:///{tmp}/bench.sqlite3", args.records, args.repeat
                )
        elif backend == "postgresql":
            try:
                with postgres_database(pg_admin) as url:
                    report["backends"]["postgresql"] = measure(url, args.records, args.repeat)
            except sa.exc.OperationalError as exc:
                report["backends"]["postgresql"] = {"skipped": f"not available: {exc.orig}"}
        else:
            print(f"unknown backend {backend}", file=sys.stderr)
            return 2
        print(json.dumps(report["backends"][backend], indent=2), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
