"""Benchmark: /invoices and /jobs with 5,000 records each, served by gunicorn, on PostgreSQL.

Run: ``python -m benchmarks.invoices_list [--records 5000] [--users 8] [--seconds 15]
[--workers 4] [--think-ms 0] [--driver wrk|python] [--requests 30] [--output PATH]``.

A throwaway PostgreSQL database (at ``MINIMIN_BENCH_PG_URL``, default: the local server the
tests use) gets one account with ``--records`` jobs (the generator of
:mod:`benchmarks.jobs_list`) and ``--records`` invoices, bulk inserted: drafts and issued, sent,
part-paid and paid invoices with one to four lines each and payments on the part-paid and paid
ones, then vacuumed and analysed (the state autovacuum reaches shortly after such a load).
The application is then served by gunicorn with ``--workers`` sync workers (default 4, as in
the README's production command) on 127.0.0.1 in embedded mode. By default ``wrk`` drives it
(installed with apt-get when missing, else the run stops and says so): ``--users`` connections
of the signed-in account for ``--seconds`` per page after a 3-second warm-up, each pausing
``--think-ms`` on average between requests (default 0: no pause, so the server is saturated).
``--driver python`` keeps the former generator (one ``http.client`` thread per user,
``--requests`` each after five warm-up requests); it shares the two cores with the server.
Before serving, the application's own CPU time per request of each page is measured in one
process through the test client. Results go to
``benchmarks/results/invoices_list.json``: per page the median (p50) and 95th percentile
response time in milliseconds under that load, the throughput, and the machine's load average
before and after (figures taken on a busy machine are not comparable with a quiet one).
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
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from benchmarks.jobs_list import PASSWORD, PG_ADMIN_URL, _percentile, _populate, postgres_database
from benchmarks.run import ensure_wrk
from benchmarks.serving import cpu_ms_per_request, get, load_average, run_wrk, served

RESULTS = Path(__file__).parent / "results" / "invoices_list.json"
PAGES = {
    "invoices_first_page": "/invoices",
    "invoices_open": "/invoices?status=open",
    "jobs_first_page": "/jobs",
}
#: status -> share of invoices (no void invoices: those need credit notes, not list rows).
STATUS_MIX = (("draft", 10), ("issued", 20), ("sent", 30), ("part_paid", 15), ("paid", 25))
#: Requests per user per page before measuring.
WARM_UP = 5
LINE_TEXTS = ("Shoot day", "Half day", "Usage: online 12 months", "Travel at cost", "Fitting")
METHODS = ("bank_transfer", "bank_transfer", "card", "cheque")


def _vat(net: int, rate: Decimal) -> int:
    return int((Decimal(net) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def generate_invoices(
    user_id: uuid.UUID,
    n: int,
    client_ids: list[uuid.UUID],
    agency_ids: list[uuid.UUID],
    seed: int = 23,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for *n* plausible invoices: (invoices, lines, payments)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    statuses = [s for s, share in STATUS_MIX for _ in range(share)]
    invoices, lines, payments = [], [], []
    sequence = 0
    first = date(2024, 4, 6)
    for i in range(n):
        invoice_id = uuid.uuid4()
        status = rng.choice(statuses)
        agency = rng.random() < 0.5
        issue = first + timedelta(days=rng.randint(0, 800))
        net = vat = 0
        for position in range(rng.randint(1, 4)):
            quantity = Decimal(rng.choice(["1", "1", "2", "0.5", "3"]))
            unit = rng.choice([45000, 80000, 120000, 250000, 4500])
            line_net = int((quantity * unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            rate = Decimal(20) if rng.random() < 0.85 else Decimal(0)
            line_vat = _vat(line_net, rate)
            net, vat = net + line_net, vat + line_vat
            lines.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "invoice_id": invoice_id,
                    "position": position,
                    "description": rng.choice(LINE_TEXTS),
                    "quantity": quantity,
                    "unit_price_pence": unit,
                    "vat_treatment": "standard" if rate else "zero",
                    "vat_rate": rate,
                    "net_pence": line_net,
                    "vat_pence": line_vat,
                }
            )
        total = net + vat
        issued = status != "draft"
        if issued:
            sequence += 1
        paid = 0
        if status in ("part_paid", "paid"):
            amounts = [total] if status == "paid" else [total // rng.choice([2, 3, 4])]
            if status == "paid" and total > 100 and rng.random() < 0.3:
                amounts = [total // 2, total - total // 2]
            for k, amount in enumerate(amounts):
                payments.append(
                    {
                        "id": uuid.uuid4(),
                        "user_id": user_id,
                        "invoice_id": invoice_id,
                        "paid_on": issue + timedelta(days=10 + 7 * k),
                        "amount_pence": amount,
                        "currency": "GBP",
                        "method": rng.choice(METHODS),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                paid += amount
        invoices.append(
            {
                "id": invoice_id,
                "user_id": user_id,
                "number": f"INV-{sequence:05d}" if issued else None,
                "sequence": sequence if issued else None,
                "status": status,
                "client_id": None if agency else rng.choice(client_ids),
                "agency_id": rng.choice(agency_ids) if agency else None,
                "customer_name": f"{'Agency' if agency else 'Client'} {i % 60}",
                "issue_date": issue if issued else None,
                "tax_point": issue if issued else None,
                "due_date": issue + timedelta(days=30) if issued else None,
                "payment_terms_days": 30,
                "currency": "GBP",
                "net_pence": net,
                "vat_pence": vat,
                "total_pence": total,
                "paid_pence": paid,
                "credited_pence": 0,
                "issued_at": now if issued else None,
                "paid_at": now if status == "paid" else None,
                "created_at": now - timedelta(minutes=i),
                "updated_at": now,
            }
        )
    return invoices, lines, payments


def populate(url: str, instance: Path, records: int) -> None:
    """The account, its contacts, *records* jobs and *records* invoices (bulk inserts)."""
    from minimin.accounts.models import User
    from minimin.app import create_app
    from minimin.contacts.models import Agency, Client
    from minimin.extensions import db
    from minimin.invoices.models import Invoice, InvoiceLine, Payment

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="embedded", instance_path=instance)
    _populate(app, records)  # the user, 60 clients, 12 agencies and the jobs
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id))
        client_ids = list(db.session.scalars(sa.select(Client.id)))
        agency_ids = list(db.session.scalars(sa.select(Agency.id)))
        invoices, lines, payments = generate_invoices(user_id, records, client_ids, agency_ids)
        for model, rows in ((Invoice, invoices), (InvoiceLine, lines), (Payment, payments)):
            for i in range(0, len(rows), 2000):
                db.session.execute(sa.insert(model), rows[i : i + 2000])
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        counts = {
            "invoices": len(invoices),
            "invoice_lines": len(lines),
            "payments": len(payments),
        }
        print("generated", json.dumps(counts), flush=True)
        db.session.remove()
        db.engine.dispose()


def signed_in_sessions(base: str, users: int) -> list[requests.Session]:
    """*users* HTTP sessions of the account: one sign-in (the sign-in throttle is not what is
    measured), its cookies copied into each session."""
    first = requests.Session()
    page = first.get(f"{base}/login", timeout=30).text
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on /login")
    response = first.post(
        f"{base}/login",
        data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": match.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code}")
    sessions = [first]
    for _ in range(users - 1):
        session = requests.Session()
        session.cookies.update(first.cookies)
        sessions.append(session)
    return sessions


def application_cpu(url: str, instance: Path, repeat: int = 200) -> dict[str, float]:
    """CPU milliseconds the application itself spends per request of each page, signed in."""
    from minimin.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="embedded", instance_path=instance)
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
        client.get("/login").get_data(as_text=True),
    )
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    form = {"email": "bench@example.com", "password": PASSWORD, "csrf_token": token.group(1)}
    if client.post("/login", data=form).status_code != 302:
        raise RuntimeError("in-process sign-in failed")
    return cpu_ms_per_request(client, PAGES, repeat)


def _get(port: int, path: str, cookie: str) -> tuple[int, float]:
    return get(port, path, {"Cookie": cookie})


def measure(base: str, users: int, per_user: int, think_ms: int = 0) -> dict[str, Any]:
    """Each page in turn under *users* concurrent signed-in users, each sending its next
    request *think_ms* after the last one is answered (0: at once, which saturates the
    server: the harshest reading of "concurrent users"). The load generator uses ``http.client``
    rather than ``requests``: it shares the machine's cores with the server, and ``requests``
    spends several times as much CPU per request."""
    sessions = signed_in_sessions(base, users)
    cookies = ["; ".join(f"{c.name}={c.value}" for c in s.cookies) for s in sessions]
    port = int(base.rsplit(":", 1)[1])
    results: dict[str, Any] = {}
    for name, path in PAGES.items():

        def run(cookie: str, path: str = path, repeat: int = per_user) -> list[float]:
            timings = []
            for _ in range(repeat):
                status, elapsed = _get(port, path, cookie)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                timings.append(elapsed)
                if think_ms:
                    time.sleep(think_ms / 1000 * random.uniform(0.5, 1.5))
            return timings

        # Warm up under the same load, so that every worker has compiled its templates and
        # opened its database connections: the steady state is what is measured.
        with ThreadPoolExecutor(max_workers=users) as pool:
            list(pool.map(lambda cookie: run(cookie, repeat=WARM_UP), cookies))
        wall = time.perf_counter()
        with ThreadPoolExecutor(max_workers=users) as pool:
            timings = sorted(t for part in pool.map(run, cookies) for t in part)
        wall = time.perf_counter() - wall
        results[name] = {
            "path": path,
            "requests": len(timings),
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(_percentile(timings, 0.95), 2),
            "max_ms": round(timings[-1], 2),
            "requests_per_second": round(len(timings) / wall, 1),
        }
        print(name, json.dumps(results[name]), flush=True)
    return results


#: Every connection sends the signed-in cookie, pausing *think* ms on average (0.5 to 1.5 times).
WRK_REQUEST = """
math.randomseed(os.time())
local think = %(think_ms)d
request = function()
  return wrk.format("GET", "%(path)s", {["Cookie"] = "%(cookie)s"})
end
delay = function()
  if think == 0 then return 0 end
  return math.floor(think * (0.5 + math.random()))
end
"""


def measure_wrk(base: str, users: int, seconds: int, think_ms: int = 0) -> dict[str, Any]:
    """Each page in turn under ``wrk`` with *users* connections of one signed-in session for
    *seconds* after a warm-up of the same load, each connection pausing *think_ms* on average
    (0.5 to 1.5 times) between requests. ``wrk`` is C and spends a small fraction of the CPU a
    Python generator does, so it takes less of the two cores away from the server."""
    session = signed_in_sessions(base, 1)[0]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    results: dict[str, Any] = {}
    for name, path in PAGES.items():
        script = WRK_REQUEST % {"think_ms": think_ms, "path": path, "cookie": cookie}
        result = run_wrk(base + path, script, connections=users, seconds=seconds)
        if result["non_2xx"] or result["socket_errors"]:
            raise RuntimeError(f"{path}: {result}")
        results[name] = {"path": path, **result}
        print(name, json.dumps(results[name]), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--requests", type=int, default=30, help="requests per user per page")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--think-ms",
        type=int,
        default=0,
        help="mean pause of each user between requests (0: none, the server is saturated)",
    )
    parser.add_argument(
        "--driver",
        choices=("wrk", "python"),
        default="wrk",
        help="wrk (default; installed with apt-get when missing) or the Python generator",
    )
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per page (wrk)")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.driver == "wrk":
        ensure_wrk()
    if not 1 <= args.users <= 64 or not 1 <= args.requests <= 1000:
        parser.error("--users must be 1..64 and --requests 1..1000")
    if not 0 <= args.think_ms <= 60_000:
        parser.error("--think-ms must be 0..60000")
    if not 1 <= args.workers <= 32:
        parser.error("--workers must be 1..32")

    pg_admin = args.pg_url or os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "invoices_list",
        "records": {"invoices": args.records, "jobs": args.records},
        "concurrent_users": args.users,
        "think_time_ms": args.think_ms,
        "driver": args.driver,
        "requests_per_user_per_page": args.requests if args.driver == "python" else None,
        "seconds_per_page": args.seconds if args.driver == "wrk" else None,
        "server": f"gunicorn, {args.workers} sync workers, 127.0.0.1, embedded mode",
        "database": "postgresql",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "target": "p95 under 50 ms at 8 concurrent users (issue 5)",
    }
    with (
        tempfile.TemporaryDirectory(prefix="minimin-bench-") as tmp,
        postgres_database(pg_admin) as url,
    ):
        instance = Path(tmp) / "instance"
        print(f"generating {args.records} jobs and {args.records} invoices...", flush=True)
        populate(url, instance, args.records)
        report["application_cpu_ms_per_request"] = application_cpu(url, instance)
        # /healthz answers 503 while tables made by create_all await their migration.
        with served(url, instance, workers=args.workers, ready_path="/login") as port:
            report["load_average_before"] = load_average()
            base = f"http://127.0.0.1:{port}"
            if args.driver == "wrk":
                report["pages"] = measure_wrk(base, args.users, args.seconds, args.think_ms)
            else:
                report["pages"] = measure(base, args.users, args.requests, args.think_ms)
            report["load_average_after"] = load_average()
    report["p95_under_50_ms"] = {
        name: page["p95_ms"] < 50 for name, page in report["pages"].items()
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
