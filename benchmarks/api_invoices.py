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
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.invoices_list import populate
from benchmarks.jobs_list import PG_ADMIN_URL, _percentile, postgres_database
from benchmarks.run import ensure_wrk, free_port, start_gunicorn, stop, wait_ready

RESULTS = Path(__file__).parent / "results" / "api_invoices.json"
URLS = {
    "first_page": "/api/v1/invoices?limit=50",
    "open": "/api/v1/invoices?limit=50&status=open",
}
TARGET_P95_MS = 30.0
WARM_UP_SECONDS = 3

WRK_SCRIPT = """
local tokens = {%(tokens)s}
local n = 0
request = function()
  n = n + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1]}
  return wrk.format("GET", "%(path)s", headers)
end
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"p50_ms": %%.3f, "p95_ms": %%.3f, "p99_ms": %%.3f, "max_ms": %%.3f, ' ..
    '"requests": %%d, "seconds": %%.3f, "non_2xx": %%d, "socket_errors": %%d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests,
    summary.duration / 1000000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def make_tokens(url: str, instance: Path, count: int) -> list[str]:
    """*count* personal access tokens of the benchmark account, reading invoices."""
    from minimin.accounts.models import User
    from minimin.api import tokens
    from minimin.app import create_app
    from minimin.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="embedded", instance_path=instance)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id))
        plain = [
            tokens.create(user_id, f"bench {i}", ["invoices:read"], 30)[1] for i in range(count)
        ]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return plain


def application_cpu(url: str, instance: Path, token: str, repeat: int = 100) -> dict[str, float]:
    """CPU milliseconds the application itself spends per request of each URL (one process,
    the test client, no HTTP server or load generator; PostgreSQL's own work is not counted)."""
    from minimin.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="embedded", instance_path=instance)
    app.config["MINIMIN_API_RATE_LIMIT"] = "1000000/minute"
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    result = {}
    for name, path in URLS.items():
        for _ in range(20):  # warm caches and prepared statements
            client.get(path, headers=headers)
        started = time.process_time()
        for _ in range(repeat):
            client.get(path, headers=headers)
        result[name] = round((time.process_time() - started) / repeat * 1000, 2)
    print("application CPU ms per request", json.dumps(result), flush=True)
    return result


def drive_wrk(port: int, path: str, tokens: list[str], users: int, seconds: int) -> dict[str, Any]:
    script = WRK_SCRIPT % {"tokens": ", ".join(f'"{t}"' for t in tokens), "path": path}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        threads = str(min(users, os.cpu_count() or 1))
        base = ["wrk", "-t", threads, "-c", str(users), "-s", handle.name]
        subprocess.run(
            [*base, "-d", f"{WARM_UP_SECONDS}s", f"http://127.0.0.1:{port}{path}"],
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [*base, "-d", f"{seconds}s", f"http://127.0.0.1:{port}{path}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["requests_per_second"] = round(result["requests"] / result["seconds"], 1)
    return result


def _get(port: int, path: str, token: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status, (time.perf_counter() - started) * 1000


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
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMIN_")}
        env.update(
            MINIMIN_ENV="embedded",
            MINIMIN_INSTANCE_PATH=str(instance),
            MINIMIN_DATABASE_URL=url,
            MINIMIN_LOG_LEVEL="WARNING",
            MINIMIN_API_RATE_LIMIT="1000000/minute",
        )
        port = free_port()
        log = Path(tmp) / "gunicorn.log"
        process = start_gunicorn("minimin.wsgi:app", port, env, log, workers=args.workers)
        try:
            # /healthz reports a schema behind the migrations while new tables await theirs.
            wait_ready(port, "/api/v1/openapi.json", timeout=180)
            status, _ms = _get(port, URLS["first_page"], tokens[0])
            if status != 200:
                raise RuntimeError(f"the API answered {status}")
            report["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
            report["urls"] = {}
            for name, path in URLS.items():
                result = drive(port, path, tokens, args.users, args.seconds)
                report["urls"][name] = {"path": path, **result}
                print(name, json.dumps(report["urls"][name]), flush=True)
            report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        except Exception:
            print(log.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            stop(process)
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
