"""Benchmark: ``GET /api/v1/invoices`` (50 per page) with 5,000 invoices, served by gunicorn,
on PostgreSQL.

Run: ``python -m benchmarks.api_invoices [--records 5000] [--users 8] [--seconds 15]
[--workers 4] [--driver auto|wrk|python] [--output PATH]``.

The account of :mod:`benchmarks.invoices_list` (``--records`` invoices with lines and
payments, and as many jobs) is made in a throwaway PostgreSQL database; eight personal access
tokens with ``invoices:read`` are made for it, one per simulated user. gunicorn serves the
application with ``--workers`` sync workers (default 4) on 127.0.0.1 in embedded mode (rate
limit counts in process memory; the per-token limit is raised for the run so that the load
itself is not refused, but every request still counts against it). Each of ``--users``
connections sends requests back to back, each with one of the tokens in turn, for
``--seconds`` per URL after a warm-up: the first page and the open invoices, 50 per page.

The load is driven by ``wrk`` (``--driver auto`` installs it with apt-get when missing and
running as root), else by a small Python generator (``http.client``, one thread per user); the
report says which. Results go to
``benchmarks/results/api_invoices.json``: per URL p50, p95, p99 in milliseconds, requests per
second, non-2xx answers and the machine's load average before and after; target: p95 at most
30 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.invoices_list import populate
from benchmarks.jobs_list import PG_ADMIN_URL, _percentile, postgres_database
from benchmarks.run import ensure_wrk
from benchmarks.serving import (
    WARM_UP_SECONDS,
    cpu_ms_per_request,
    get,
    load_average,
    run_wrk,
    served,
)

RESULTS = Path(__file__).parent / "results" / "api_invoices.json"
URLS = {
    "first_page": "/api/v1/invoices?limit=50",
    "open": "/api/v1/invoices?limit=50&status=open",
}
TARGET_P95_MS = 30.0
#: Each connection sends its requests with the next of the tokens in turn.
WRK_REQUEST = """
local tokens = {%(tokens)s}
local n = 0
request = function()
  n = n + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1]}
  return wrk.format("GET", "%(path)s", headers)
end
"""


def make_tokens(url: str, instance: Path, count: int) -> list[str]:
    """*count* personal access tokens of the benchmark account, reading invoices."""
    from minimin.accounts.models import User
    from minimin.api import tokens
    from minimin.api.inputs import TokenInput
    from minimin.app import create_app
    from minimin.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="embedded", instance_path=instance)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id))
        plain = [
            tokens.create(user_id, TokenInput(f"bench {i}", ("invoices:read",), 30))[1]
            for i in range(count)
        ]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return plain


def application_cpu(url: str, instance: Path, token: str, repeat: int = 100) -> dict[str, float]:
    """CPU milliseconds the application itself spends per request of each URL."""
    from minimin.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="embedded", instance_path=instance)
    app.config["MINIMIN_API_RATE_LIMIT"] = "1000000/minute"
    headers = {"Authorization": f"Bearer {token}"}
    return cpu_ms_per_request(app.test_client(), URLS, repeat, headers)


def drive_wrk(port: int, path: str, tokens: list[str], users: int, seconds: int) -> dict[str, Any]:
    script = WRK_REQUEST % {"tokens": ", ".join(f'"{t}"' for t in tokens), "path": path}
    return run_wrk(
        f"http://127.0.0.1:{port}{path}",
        script,
        connections=users,
        seconds=seconds,
        threads=min(users, os.cpu_count() or 1),
    )


def _get(port: int, path: str, token: str) -> tuple[int, float]:
    return get(port, path, {"Authorization": f"Bearer {token}"})


def drive_python(
    port: int, path: str, tokens: list[str], users: int, seconds: int
) -> dict[str, Any]:
    """One thread per user, back to back, for *seconds* (after a warm-up of the same load)."""

    def run(token: str, duration: float) -> list[tuple[int, float]]:
        until = time.perf_counter() + duration
        answers = []
        while time.perf_counter() < until:
            answers.append(_get(port, path, token))
        return answers

    chosen = [tokens[i % len(tokens)] for i in range(users)]
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(lambda t: run(t, WARM_UP_SECONDS), chosen))
    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        answers = [a for part in pool.map(lambda t: run(t, seconds), chosen) for a in part]
    wall = time.perf_counter() - wall
    timings = sorted(ms for _status, ms in answers)
    return {
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(_percentile(timings, 0.95), 3),
        "p99_ms": round(_percentile(timings, 0.99), 3),
        "max_ms": round(timings[-1], 3),
        "requests": len(timings),
        "seconds": round(wall, 3),
        "non_2xx": sum(1 for status, _ms in answers if not 200 <= status < 300),
        "socket_errors": 0,
        "requests_per_second": round(len(timings) / wall, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per URL")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 64 or not 1 <= args.seconds <= 300 or not 1 <= args.workers <= 32:
        parser.error("--users must be 1..64, --seconds 1..300 and --workers 1..32")
    driver = args.driver
    if driver == "auto":
        try:
            ensure_wrk()  # installs it with apt-get when it can
            driver = "wrk"
        except SystemExit as refusal:
            print(f"{refusal}; measuring with the Python generator instead", flush=True)
            driver = "python"
    elif driver == "wrk":
        ensure_wrk()
    drive = drive_wrk if driver == "wrk" else drive_python

    pg_admin = args.pg_url or os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "api_invoices",
        "records": {"invoices": args.records, "jobs": args.records},
        "concurrent_users": args.users,
        "seconds_per_url": args.seconds,
        "driver": driver,
        "server": f"gunicorn, {args.workers} sync workers, 127.0.0.1, embedded mode",
        "database": "postgresql",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "target": f"p95 at most {TARGET_P95_MS:g} ms",
    }
    with (
        tempfile.TemporaryDirectory(prefix="minimin-bench-") as tmp,
        postgres_database(pg_admin) as url,
    ):
        instance = Path(tmp) / "instance"
        print(f"generating {args.records} invoices...", flush=True)
        populate(url, instance, args.records)
        tokens = make_tokens(url, instance, args.users)
        report["application_cpu_ms_per_request"] = application_cpu(url, instance, tokens[0])
        # /healthz reports a schema behind the migrations while new tables await theirs.
        with served(
            url,
            instance,
            workers=args.workers,
            ready_path="/api/v1/openapi.json",
            ready_timeout=180,
            MINIMIN_API_RATE_LIMIT="1000000/minute",
        ) as port:
            status, _ms = _get(port, URLS["first_page"], tokens[0])
            if status != 200:
                raise RuntimeError(f"the API answered {status}")
            report["load_average_before"] = load_average()
            report["urls"] = {}
            for name, path in URLS.items():
                result = drive(port, path, tokens, args.users, args.seconds)
                report["urls"][name] = {"path": path, **result}
                print(name, json.dumps(report["urls"][name]), flush=True)
            report["load_average_after"] = load_average()
    report["p95_within_target"] = {
        name: result["p95_ms"] <= TARGET_P95_MS for name, result in report["urls"].items()
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    failed = any(r["non_2xx"] or r["socket_errors"] for r in report["urls"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
