"""Serving benchmark: Minimin under gunicorn against a bare Flask app, on loopback.

Run: ``make bench`` or ``python -m benchmarks.run [--seconds 5] [--threads 8]``.

Both applications run under gunicorn with 2 sync workers on 127.0.0.1 (Minimin in embedded
mode with a throwaway instance folder and SQLite database). For each of ``/healthz`` (JSON, one
database query) and ``/login`` (a full template with a CSRF token and a session cookie) a bounded
load generator (``--threads`` Python threads, each with its own ``http.client`` connection,
reconnecting when the server closes it, for ``--seconds``) measures requests per second and
p50/p99 latency. Results go to ``benchmarks/results/serving.json`` and are printed with the
Minimin/baseline ratio. Nothing is installed; only loopback is used.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "serving.json"
PATHS = ("/healthz", "/login")
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    app: str, port: int, env: dict[str, str], log: Path, workers: int = 2
) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer {path} within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def load(port: int, path: str, seconds: float, threads: int) -> dict[str, Any]:
    """Hammer ``path`` with *threads* connections for *seconds*; latencies in milliseconds."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    stop_at = time.monotonic() + seconds

    def run(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[i] += 1
                if response.will_close:  # gunicorn's sync workers close after each response
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            except OSError:
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            latencies[i].append((time.perf_counter() - started) * 1000)
        conn.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    samples = sorted(x for per_thread in latencies for x in per_thread)
    if not samples:
        return {"requests": 0, "errors": sum(errors)}
    quantiles = statistics.quantiles(samples, n=100)
    return {
        "requests": len(samples),
        "errors": sum(errors),
        "requests_per_second": round(len(samples) / elapsed, 1),
        "p50_ms": round(quantiles[49], 2),
        "p99_ms": round(quantiles[98], 2),
    }


def prepare_minimin(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMIN_")}
    env.update(
        MINIMIN_ENV="embedded", MINIMIN_INSTANCE_PATH=str(instance), MINIMIN_LOG_LEVEL="WARNING"
    )
    # Build the schema once, before the workers start (generates the instance keys too).
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from minimin.app import create_app\nfrom minimin.extensions import db\n"
            "app = create_app()\nwith app.app_context(): db.create_all()",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per URL and server")
    parser.add_argument("--threads", type=int, default=8, help="concurrent connections")
    args = parser.parse_args(argv)
    if not 1 <= args.threads <= 64 or not 0.5 <= args.seconds <= 120:
        parser.error("--threads must be 1..64 and --seconds 0.5..120")

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="minimin-bench-") as tmp:
        tmpdir = Path(tmp)
        servers = {
            "minimin": ("minimin.wsgi:app", prepare_minimin(tmpdir / "instance")),
            "flask_hello": ("benchmarks.hello_app:app", dict(os.environ)),
        }
        for name, (app, env) in servers.items():
            port = free_port()
            process = start_gunicorn(app, port, env, tmpdir / f"{name}.log")
            try:
                wait_ready(port, "/healthz")
                results[name] = {}
                for path in PATHS:
                    load(port, path, min(1.0, args.seconds), args.threads)  # warm up
                    results[name][path] = load(port, path, args.seconds, args.threads)
            except Exception:
                print((tmpdir / f"{name}.log").read_text()[-2000:], file=sys.stderr)
                raise
            finally:
                stop(process)

    ratios = {
        path: round(
            results["minimin"][path]["requests_per_second"]
            / results["flask_hello"][path]["requests_per_second"],
            3,
        )
        for path in PATHS
    }
    record = {
        "benchmark": "serving",
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "server": "gunicorn, 2 sync workers, 127.0.0.1",
        "load": {"threads": args.threads, "seconds_per_url": args.seconds},
        "results": results,
        "minimin_to_baseline_throughput": ratios,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")

    print(f"{'server':<12} {'path':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, per_path in results.items():
        for path, r in per_path.items():
            print(
                f"{name:<12} {path:<9} {r.get('requests_per_second', 0):>8} "
                f"{r.get('p50_ms', '-'):>8} {r.get('p99_ms', '-'):>8} {r['errors']:>7}"
            )
    for path, ratio in ratios.items():
        print(f"Minimin / bare Flask throughput on {path}: {ratio:.1%}")
    print(f"Recorded in {RESULTS.relative_to(ROOT)}")
    failed = any(r["errors"] for per_path in results.values() for r in per_path.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
