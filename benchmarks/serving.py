"""Serving a benchmark's Minimin under gunicorn and loading it over HTTP, for the benchmarks
that measure pages or the API as a client sees them (``invoices_list.py``,
``api_invoices.py``).

- :func:`served`: the application in embedded mode on a database URL, under gunicorn with sync
  workers on 127.0.0.1 (the environment's other ``MINIMIN_*`` settings left out), ready when a
  path answers 200; the server's log is printed when the measuring fails.
- :func:`run_wrk`: one URL under ``wrk`` after a warm-up of the same load, with a Lua
  ``request`` function of the caller's (headers, a pause) and one report format: p50, p95,
  p99 and max in milliseconds, requests, seconds, non-2xx answers and socket errors (the
  serving benchmark, ``run.py``, loads its URLs with it too).
- :func:`get`: one GET on a fresh connection with ``http.client`` (the Python drivers').
- :func:`cpu_ms_per_request`: the application's own CPU time per request of each URL, in one
  process through the test client.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.run import PRODUCTION_CONFIG, free_port, start_gunicorn, stop, wait_ready

#: Seconds of the same load before each measured run.
WARM_UP_SECONDS = 3
#: The report every ``wrk`` run writes, one line after ``RESULT `` (appended to the caller's
#: Lua, which is not %-formatted with it).
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"requests": %d, "seconds": %.3f, "non_2xx": %d, "socket_errors": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests,
    summary.duration / 1000000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@contextmanager
def served(
    database_url: str,
    instance: Path,
    *,
    workers: int,
    ready_path: str,
    ready_timeout: float = 120,
    **settings: str,
) -> Iterator[int]:
    """Minimin in embedded mode on *database_url* under gunicorn (*workers* sync workers) on a
    free port of 127.0.0.1, once *ready_path* answers 200; yields the port. *settings* are
    more environment variables (``MINIMIN_API_RATE_LIMIT=...``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMIN_")}
    env.update(
        MINIMIN_ENV="embedded",
        MINIMIN_INSTANCE_PATH=str(instance),
        MINIMIN_DATABASE_URL=database_url,
        MINIMIN_LOG_LEVEL="WARNING",
        **settings,
    )
    port = free_port()
    log = instance.parent / "gunicorn.log"
    process = start_gunicorn(
        "minimin.wsgi:app", port, env, log, workers=workers, config=PRODUCTION_CONFIG
    )
    try:
        wait_ready(port, ready_path, timeout=ready_timeout)
        yield port
    except Exception:
        print(log.read_text()[-3000:] if log.exists() else "(no server log)", file=sys.stderr)
        raise
    finally:
        stop(process)


def run_wrk(
    url: str,
    request_lua: str = "",
    *,
    connections: int,
    seconds: float,
    threads: int = 2,
    warm_up_seconds: float = WARM_UP_SECONDS,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """*url* under ``wrk`` (*connections* connections on *threads* threads) for *seconds* after
    *warm_up_seconds* of the same load; *request_lua* may define ``request`` (and ``delay`` if
    it pauses), else every request is a GET with *headers*. Returns the report with
    ``requests_per_second``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(request_lua + WRK_REPORT)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-s", handle.name]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    try:
        subprocess.run(
            [*command, "-d", f"{warm_up_seconds:g}s", url], check=True, capture_output=True
        )
        out = subprocess.run(
            [*command, "-d", f"{seconds:g}s", url], check=True, capture_output=True, text=True
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["requests_per_second"] = round(result["requests"] / result["seconds"], 1)
    return result


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, float]:
    """One GET on a fresh connection (gunicorn's sync workers close after each response), as
    a browser would send it; returns the status and the milliseconds to the last byte."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status, (time.perf_counter() - started) * 1000


def cpu_ms_per_request(
    client: Any, urls: dict[str, str], repeat: int, headers: dict[str, str] | None = None
) -> dict[str, float]:
    """CPU milliseconds the application itself spends per request of each of *urls* (one
    process, the test *client*, no HTTP server or load generator; the database's own work is
    not counted), after 20 requests that warm caches and prepared statements."""
    result = {}
    for name, path in urls.items():
        for _ in range(20):
            client.get(path, headers=headers)
        started = time.process_time()
        for _ in range(repeat):
            client.get(path, headers=headers)
        result[name] = round((time.process_time() - started) / repeat * 1000, 2)
    print("application CPU ms per request", json.dumps(result), flush=True)
    return result


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
