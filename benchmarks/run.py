"""Serving benchmark: Minimin under gunicorn beside a bare Flask app and a "ceiling" app, on
loopback, driven by ``wrk``.

Run: ``make bench`` or ``python -m benchmarks.run [--seconds 10] [--connections 8]
[--workers 2] [--rows 50]``.

Three applications (Minimin in two configurations) run one after another under gunicorn with
the same number of sync workers on 127.0.0.1: the bare Flask app (``hello_app.py``:
``/healthz`` and ``/login`` doing nothing), the ceiling (``ceiling_app.py``: Flask-Login,
Flask-SQLAlchemy loading the user from SQLite and a Jinja page with a 50-row table), and
Minimin in embedded mode on SQLite with one account holding ``--rows`` invoices and jobs,
twice: as it runs (the lists and the sign-in page served from kept pages when nothing behind
them has changed, ``minimin/core/pagecache.py``) and with ``MINIMIN_KEEP_PAGES=0`` (every
request renders its page, as the first read after a change does; reported as the
``*_rendered_*`` ratios). Each URL is measured by ``wrk`` (a C load generator: a Python one
shares the two cores with the server and takes more of them the slower the server is, which
flatters the ratios), after a warm-up: the bare app's two URLs, the ceiling's signed-in
``/invoices``, Minimin's ``/healthz``, ``/login`` and signed-in ``/invoices`` and ``/jobs``.
Each server is run twice, with and without gunicorn's ``--preload``, and after each run the
resident and proportional set size (RSS, PSS) of every worker is read from ``/proc``. Then one
process profiles Minimin's signed-in ``/invoices`` with cProfile and reports the share spent
rendering templates. ``wrk`` is installed with ``apt-get`` when missing (as root), else the
benchmark says how and stops. Results go to ``benchmarks/results/serving.json`` with the load
average (``uptime``) before and after: the machine is shared, compare only quiet runs.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "serving.json"
#: Targets: what share of a reference app's throughput Minimin should reach.
TARGETS = {
    "login_vs_bare": 0.35,
    "signed_in_lists_vs_ceiling": 0.80,
}
WARM_UP_SECONDS = 2
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: The production settings (docs/deployment.md): Minimin's own application only.
PRODUCTION_CONFIG = ["-c", "python:minimin.gunicorn_conf"]


def start_gunicorn(
    app: str,
    port: int,
    env: dict[str, str],
    log: Path,
    workers: int = 2,
    preload: bool = False,
    config: list[str] | None = None,
) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        *(config or []),
        *(["--preload"] if preload else []),
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


def wait_ready(port: int, path: str, timeout: float = 120) -> None:
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


def ensure_wrk() -> str:
    """The path of ``wrk``, installing Debian's package when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing it with apt-get", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: run `sudo apt-get install wrk` and try again")
    return found


def load(
    port: int, path: str, seconds: float, connections: int, cookie: str | None = None
) -> dict[str, Any]:
    """Drive *path* with ``wrk`` (*connections* connections, two threads) for *seconds*."""
    from benchmarks.serving import run_wrk  # serving builds on this module's gunicorn helpers

    return run_wrk(
        f"http://127.0.0.1:{port}{path}",
        connections=connections,
        seconds=seconds,
        warm_up_seconds=WARM_UP_SECONDS,
        headers={"Cookie": cookie} if cookie else None,
    )


def worker_memory(master: int) -> dict[str, Any]:
    """RSS and PSS (MiB) of each worker of the gunicorn *master*: PSS divides shared pages
    between the processes sharing them, so it shows what ``--preload`` saves and RSS does not."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    workers = []
    for pid in children:
        fields = {}
        for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value = row.split(":", 1)
            fields[name] = int(value.split()[0])  # kB
        workers.append(
            {
                "rss_mib": round(fields["Rss"] / 1024, 1),
                "pss_mib": round(fields["Pss"] / 1024, 1),
                "shared_mib": round((fields["Shared_Clean"] + fields["Shared_Dirty"]) / 1024, 1),
            }
        )
    return {
        "workers": workers,
        "rss_mib_per_worker": round(sum(w["rss_mib"] for w in workers) / len(workers), 1),
        "pss_mib_per_worker": round(sum(w["pss_mib"] for w in workers) / len(workers), 1),
    }


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def signed_in_cookie(port: int, email: str, password: str) -> str:
    """Sign in to Minimin over HTTP once; the session cookies as one ``Cookie`` header."""
    jar: dict[str, str] = {}

    def request(method: str, body: str | None = None) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, "/login", body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                jar[key] = rest.split(";", 1)[0]
        text = response.read().decode()
        conn.close()
        if method == "POST" and response.status != 302:
            raise RuntimeError(f"sign-in answered {response.status}")
        return text

    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', request("GET"))
    if not match:
        raise RuntimeError("no CSRF token on /login")
    from urllib.parse import urlencode

    request("POST", urlencode({"email": email, "password": password, "csrf_token": match[1]}))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def ceiling_cookie(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/signin")
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie") or ""
    conn.close()
    return cookie.split(";", 1)[0]


def prepare_minimin(instance: Path, rows: int) -> tuple[dict[str, str], str]:
    """Embedded-mode environment and database: the schema by the migrations (so ``/healthz``
    answers 200), tables still waiting for theirs by ``create_all``, and one account with
    *rows* invoices and *rows* jobs (the generators of the list benchmarks)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMIN_")}
    url = f"sqlite:///{instance / 'bench.sqlite3'}"
    env.update(
        MINIMIN_ENV="embedded",
        MINIMIN_INSTANCE_PATH=str(instance),
        MINIMIN_DATABASE_URL=url,
        MINIMIN_LOG_LEVEL="WARNING",
    )
    subprocess.run([str(BIN / "minimin"), "db", "upgrade"], cwd=ROOT, env=env, check=True)
    code = (
        "import sqlalchemy as sa, sys\n"
        "from benchmarks.jobs_list import _populate\n"
        "from benchmarks.invoices_list import generate_invoices\n"
        "from minimin.app import create_app\n"
        "from minimin.extensions import db\n"
        "from minimin.contacts.models import Agency, Client\n"
        "from minimin.invoices.models import Invoice, InvoiceLine, Payment\n"
        "app = create_app()\n"
        "n = int(sys.argv[1])\n"
        "_populate(app, n)\n"
        "with app.app_context():\n"
        "    from minimin.accounts.models import User\n"
        "    user_id = db.session.scalar(sa.select(User.id))\n"
        "    clients = list(db.session.scalars(sa.select(Client.id)))\n"
        "    agencies = list(db.session.scalars(sa.select(Agency.id)))\n"
        "    made = generate_invoices(user_id, n, clients, agencies)\n"
        "    for model, rows in zip((Invoice, InvoiceLine, Payment), made):\n"
        "        db.session.execute(sa.insert(model), rows)\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(rows)], cwd=ROOT, env=env, check=True)
    return env, url


def profile_invoices(env: dict[str, str], repeat: int = 100) -> dict[str, Any]:
    """cProfile of signed-in ``/invoices`` in one process (the test client): the share of the
    request spent rendering templates, and the functions with the most time of their own."""
    from benchmarks.jobs_list import PASSWORD
    from minimin.app import create_app

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on /login")
    form = {"email": "bench@example.com", "password": PASSWORD, "csrf_token": match[1]}
    if client.post("/login", data=form).status_code != 302:
        raise RuntimeError("in-process sign-in failed")
    for _ in range(20):
        client.get("/invoices")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get("/invoices")
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.values())

    def cumulative(file_end: str, name: str) -> float:
        return sum(v[3] for k, v in stats.items() if k[0].endswith(file_end) and k[2] == name)

    render = cumulative("flask/templating.py", "_render")
    sql = cumulative("sqlalchemy/engine/base.py", "_execute_context")
    own = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:12]
    return {
        "requests": repeat,
        "ms_per_request_under_profiler": round(total / repeat * 1000, 2),
        "template_rendering_share": round(render / total, 3),
        "sql_execution_share": round(sql / total, 3),
        "top_own_time": [
            {
                "function": f"{Path(k[0]).name}:{k[1]} {k[2]}",
                "share": round(v[2] / total, 3),
            }
            for k, v in own
        ],
    }


def serve(
    app: str, env: dict[str, str], log: Path, workers: int, preload: bool
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # Minimin's preloaded run is its production command (minimin/gunicorn_conf.py).
    config = PRODUCTION_CONFIG if preload and app == "minimin.wsgi:app" else None
    process = start_gunicorn(app, port, env, log, workers=workers, preload=preload, config=config)
    try:
        wait_ready(port, "/healthz")
    except Exception:
        print(log.read_text()[-3000:], file=sys.stderr)
        stop(process)
        raise
    return process, port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per URL and server")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rows", type=int, default=50, help="invoices and jobs of the account")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not 2 <= args.connections <= 64 or not 1 <= args.seconds <= 120:
        parser.error("--connections must be 2..64 and --seconds 1..120")
    ensure_wrk()
    from benchmarks.jobs_list import PASSWORD

    record: dict[str, Any] = {
        "benchmark": "serving",
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "uptime_before": uptime(),
        "server": f"gunicorn, {args.workers} sync workers, 127.0.0.1",
        "driver": f"wrk, 2 threads, {args.connections} connections, {args.seconds:g} s per URL "
        f"after {WARM_UP_SECONDS} s of warm-up",
        "rows": args.rows,
    }
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="minimin-bench-") as tmp:
        tmpdir = Path(tmp)
        ceiling_env = dict(os.environ, CEILING_DATABASE=str(tmpdir / "ceiling.sqlite3"))
        subprocess.run(
            [sys.executable, "-m", "benchmarks.ceiling_app", str(args.rows)],
            cwd=ROOT,
            env=ceiling_env,
            check=True,
        )
        minimin_env, _url = prepare_minimin(tmpdir / "instance", args.rows)
        servers = {
            "bare": ("benchmarks.hello_app:app", dict(os.environ)),
            "ceiling": ("benchmarks.ceiling_app:app", ceiling_env),
            "minimin": ("minimin.wsgi:app", minimin_env),
            # The same lists with kept pages off: every request renders its page, as the first
            # read after a change does (core/pagecache.py).
            "minimin_rendered": ("minimin.wsgi:app", {**minimin_env, "MINIMIN_KEEP_PAGES": "0"}),
        }
        for preload in (False, True):
            label = "preload" if preload else "no_preload"
            runs[label] = {}
            for name, (app, env) in servers.items():
                log = tmpdir / f"{name}-{label}.log"
                process, port = serve(app, env, log, args.workers, preload)
                try:
                    paths: dict[str, str | None]
                    if name == "bare":
                        paths = {"/healthz": None, "/login": None}
                    elif name == "ceiling":
                        paths = {"/invoices": ceiling_cookie(port)}
                    elif name == "minimin_rendered":
                        cookie = signed_in_cookie(port, "bench@example.com", PASSWORD)
                        paths = {"/login": None, "/invoices": cookie, "/jobs": cookie}
                    else:
                        cookie = signed_in_cookie(port, "bench@example.com", PASSWORD)
                        paths = {
                            "/healthz": None,
                            "/login": None,
                            "/invoices": cookie,
                            "/jobs": cookie,
                        }
                    measured: dict[str, Any] = {}
                    for path, path_cookie in paths.items():
                        measured[path] = load(
                            port, path, args.seconds, args.connections, path_cookie
                        )
                        print(label, name, path, json.dumps(measured[path]), flush=True)
                    measured["memory"] = worker_memory(process.pid)
                    print(label, name, "memory", json.dumps(measured["memory"]), flush=True)
                    runs[label][name] = measured
                except Exception:
                    print(log.read_text()[-3000:], file=sys.stderr)
                    raise
                finally:
                    stop(process)
        record["profile_invoices"] = profile_invoices({**minimin_env, "MINIMIN_KEEP_PAGES": "0"})
    record["uptime_after"] = uptime()
    record["runs"] = runs
    ratios = {}
    for label, servers_run in runs.items():
        rps = {
            (name, path): r["requests_per_second"]
            for name, per in servers_run.items()
            for path, r in per.items()
            if path.startswith("/")
        }
        ceiling = rps[("ceiling", "/invoices")]
        ratios[label] = {
            "healthz_vs_bare": round(rps[("minimin", "/healthz")] / rps[("bare", "/healthz")], 3),
            "login_vs_bare": round(rps[("minimin", "/login")] / rps[("bare", "/login")], 3),
            "invoices_vs_ceiling": round(rps[("minimin", "/invoices")] / ceiling, 3),
            "jobs_vs_ceiling": round(rps[("minimin", "/jobs")] / ceiling, 3),
            "login_rendered_vs_bare": round(
                rps[("minimin_rendered", "/login")] / rps[("bare", "/login")], 3
            ),
            "invoices_rendered_vs_ceiling": round(
                rps[("minimin_rendered", "/invoices")] / ceiling, 3
            ),
            "jobs_rendered_vs_ceiling": round(rps[("minimin_rendered", "/jobs")] / ceiling, 3),
            "ceiling_vs_bare": round(ceiling / rps[("bare", "/login")], 3),
        }
    record["ratios"] = ratios
    # The production command preloads (docs/deployment.md); every server of that pass does too.
    headline = ratios["preload"]
    record["targets"] = {
        "login_vs_bare": {
            "target": TARGETS["login_vs_bare"],
            "met": headline["login_vs_bare"] >= TARGETS["login_vs_bare"],
        },
        "signed_in_lists_vs_ceiling": {
            "target": TARGETS["signed_in_lists_vs_ceiling"],
            "met": min(headline["invoices_vs_ceiling"], headline["jobs_vs_ceiling"])
            >= TARGETS["signed_in_lists_vs_ceiling"],
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({"ratios": ratios, "targets": record["targets"]}, indent=2))
    print(f"Recorded in {args.output}")
    failed = any(
        r["non_2xx"] or r["socket_errors"]
        for servers_run in runs.values()
        for per in servers_run.values()
        for path, r in per.items()
        if path.startswith("/")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
