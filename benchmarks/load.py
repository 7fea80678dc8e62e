"""Load benchmark: the production stack under a realistic mix of signed-in users.

Run: ``python -m benchmarks.load [--steps 10,25,50,100] [--step-seconds 300] [--workers 4]
[--output PATH]``.

The stack is the one docs/deployment.md describes, on loopback: gunicorn with ``--workers``
sync workers (default 4) running ``minimin.wsgi:app`` in production mode, PostgreSQL (a
throwaway database at ``MINIMIN_BENCH_PG_URL``), Redis (database 14 of
``MINIMIN_BENCH_REDIS_URL``, emptied first: rate limits and the job queue) and one Celery
worker (``minimin worker --concurrency 1``) for the bank imports. As many accounts as the
largest step has users are created, each with a business profile, a client, 30 invoices and a
bank account. Locust (``benchmarks/locustfile.py``) then runs headless for ``--step-seconds``
per step with 10, 25, 50… simulated users, each signed in to its own account, pausing one to
five seconds between actions: dashboard, invoice, job and client lists, creating jobs and
invoices, downloading an invoice PDF, two reports and a small bank import.

Rate limits stay on (every user signs in once, from 127.0.0.1, at the start of a step: the
sign-in limits are per account and per failed attempt, so they are not reached).

Results: ``benchmarks/results/load.json``: per step the users, requests/s, median and 95th
percentile response time (ms) over all requests and per action, and the errors; then **users
held** (the largest step with p95 <= 300 ms and no error) and the **saturation point** (the
first step whose throughput grew by less than a tenth over the step before, or whose p95 went
past 300 ms). The load average before and after is recorded: the figures of a busy machine
are not comparable with a quiet one's.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.invoices_list import generate_invoices
from benchmarks.jobs_list import PASSWORD, PG_ADMIN_URL, postgres_database
from benchmarks.run import BIN, PRODUCTION_CONFIG, ROOT, free_port, start_gunicorn, stop, wait_ready

RESULTS = Path(__file__).parent / "results" / "load.json"
REDIS_URL = os.environ.get("MINIMIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
P95_TARGET_MS = 300
INVOICES_PER_ACCOUNT = 30


def production_env(database_url: str, instance: Path) -> dict[str, str]:
    from minimin.config import new_data_key_spec

    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMIN_")}
    env.update(
        {
            "MINIMIN_ENV": "production",
            "MINIMIN_SECRET_KEY": uuid.uuid4().hex * 2,
            "MINIMIN_DATA_KEYS": new_data_key_spec("k1"),
            "MINIMIN_HMAC_KEY": uuid.uuid4().hex * 2,
            "MINIMIN_DATABASE_URL": database_url,
            "MINIMIN_REDIS_URL": REDIS_URL,
            "MINIMIN_BASE_URL": "https://minimin.example",
            "MINIMIN_TRUSTED_PROXIES": "1",
            "MINIMIN_INSTANCE_PATH": str(instance),
            # No action of the mix sends an email; any that did would wait in the outbox.
            "MINIMIN_MAIL_BACKEND": "smtp",
            "MINIMIN_SMTP_PORT": str(free_port()),
            "MINIMIN_WORKER_CONCURRENCY": "1",
            "MINIMIN_LOG_LEVEL": "WARNING",
        }
    )
    return env


def populate(env: dict[str, str], accounts: int) -> list[dict[str, Any]]:
    """*accounts* users with a profile, a client, invoices and a bank account (bulk inserts)."""
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.app import create_app
    from minimin.banking import services as banking
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency, Client
    from minimin.core.db import utcnow
    from minimin.extensions import db
    from minimin.invoices import services as invoicing
    from minimin.invoices.models import Invoice, InvoiceLine, Payment

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = create_app(mode="production")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    password_hash = hash_password(PASSWORD)  # one hash for all: hashing is not what is measured
    listed = []
    with app.test_request_context():
        db.create_all()
        for n in range(accounts):
            email = f"load-{n}@example.com"
            user = User(
                email=email,
                email_key=email_key(email),
                full_name=f"Load Tester {n}",
                password_hash=password_hash,
                email_verified_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
            profile = BusinessProfile(
                user_id=user.id,
                business_name=f"Studio {n}",
                address_line1="1 High Street",
                town="Bristol",
                postcode="BS1 1AA",
                vat_registered=False,
                onboarding_step="done",
            )
            db.session.add(profile)
            client = Client(user_id=user.id, name=f"Client {n}")
            agency = Agency(user_id=user.id, name=f"Agency {n}")
            db.session.add_all([client, agency])
            db.session.flush()
            invoices, lines, payments = generate_invoices(
                user.id, INVOICES_PER_ACCOUNT, [client.id], [agency.id], seed=n
            )
            for model, rows in ((Invoice, invoices), (InvoiceLine, lines), (Payment, payments)):
                if rows:
                    db.session.execute(sa.insert(model), rows)
            account = banking.create_account(
                user.id, banking.BankAccountInput(name="Business current", last_four="1234")
            )
            # A PDF exists for an invoice issued through the application (rendered and stored
            # at issue), so one is, after the bulk ones' numbers.
            profile.next_invoice_number = 1 + max(i["sequence"] or 0 for i in invoices)
            draft = invoicing.create_draft(
                user.id,
                invoicing.DraftInput(
                    client_id=client.id,
                    lines=[invoicing.LineInput("Shoot day", Decimal(1), 80000, "standard")],
                ),
            )
            invoicing.issue(draft)
            issued = [str(draft.id)]
            listed.append(
                {
                    "email": email,
                    "password": PASSWORD,
                    "client_id": str(client.id),
                    "invoice_ids": issued,
                    "bank_account_id": str(account.id),
                }
            )
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return listed


def start_worker(env: dict[str, str], log: Path, schedule: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                str(BIN / "minimin"),
                "worker",
                "--without-mingle",
                "--without-gossip",
                "--schedule",
                str(schedule),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run_step(
    users: int, seconds: int, port: int, accounts_file: Path, work: Path
) -> dict[str, Any]:
    prefix = work / f"step-{users}"
    env = {**os.environ, "MINIMIN_LOAD_ACCOUNTS": str(accounts_file)}
    command = [
        str(BIN / "locust"),
        "-f",
        str(Path(__file__).parent / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 10)),
        "--run-time",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    load_before = os.getloadavg()
    subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True)
    with open(f"{prefix}_stats.csv") as fh:
        rows = list(csv.DictReader(fh))
    actions = {}
    total: dict[str, Any] = {}
    for row in rows:
        figures = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "rps": round(float(row["Requests/s"] or 0), 2),
        }
        if row["Name"] == "Aggregated":
            total = figures
        else:
            actions[f"{row['Type']} {row['Name']}"] = figures
    failures_file = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
    return {
        "users": users,
        "seconds": seconds,
        **total,
        "actions": actions,
        "failure_kinds": [
            {"name": f["Name"], "error": f["Error"][:200], "count": int(f["Occurrences"])}
            for f in failures
        ],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def summarise(steps: list[dict[str, Any]]) -> dict[str, Any]:
    held = [s["users"] for s in steps if s["p95_ms"] <= P95_TARGET_MS and s["failures"] == 0]
    saturation = None
    for before, step in itertools.pairwise(steps):
        if step["rps"] < before["rps"] * 1.1 or step["p95_ms"] > P95_TARGET_MS:
            saturation = {"users": step["users"], "rps": step["rps"], "p95_ms": step["p95_ms"]}
            break
    return {
        "users_held_at_p95_300ms_no_errors": max(held) if held else 0,
        "saturation": saturation,
        "peak_rps": max(s["rps"] for s in steps),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="10,25,50,100")
    parser.add_argument("--step-seconds", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]
    work = Path(tempfile.mkdtemp(prefix="minimin-load-"))
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with postgres_database(os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)) as url:
        env = production_env(url, work / "instance")
        started = time.monotonic()
        accounts = populate(env, max(steps))
        print(f"{len(accounts)} accounts in {time.monotonic() - started:.0f} s", flush=True)
        accounts_file = work / "accounts.json"
        accounts_file.write_text(json.dumps(accounts))
        port = free_port()
        server = start_gunicorn(
            "minimin.wsgi:app",
            port,
            env,
            work / "gunicorn.log",
            args.workers,
            config=PRODUCTION_CONFIG,
        )
        worker = start_worker(env, work / "worker.log", work / "beat-schedule")
        results = []
        try:
            wait_ready(port, "/login")
            for users in steps:
                step = run_step(users, args.step_seconds, port, accounts_file, work)
                results.append(step)
                print(
                    f"{users:4d} users: {step['rps']:7.1f} req/s, p50 {step['p50_ms']:.0f} ms, "
                    f"p95 {step['p95_ms']:.0f} ms, {step['failures']} errors, "
                    f"load {step['load_average_after'][0]}",
                    flush=True,
                )
        finally:
            stop(worker)
            stop(server)
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "stack": f"gunicorn {args.workers} sync workers, PostgreSQL, Redis, 1 Celery worker",
        "step_seconds": args.step_seconds,
        "steps": results,
        **summarise(results),
        "run_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("users_held_at_p95_300ms_no_errors", "saturation")}))
    print(f"logs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
