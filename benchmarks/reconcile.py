"""Benchmark: reconciliation suggestions for 10,000 unmatched bank transactions against 5,000
open invoices (plus agency jobs and expenses), on SQLite and PostgreSQL.

Run: ``python -m benchmarks.reconcile [--transactions 10000] [--invoices 5000]``.
Reported per backend: seconds for :func:`minimin.banking.services.candidates.suggestions`
(loading the open transactions, invoices, expected agency payments, expenses and rejected
suggestions from the database, then matching), and seconds for the pure matching alone
(:func:`minimin.banking.reconcile.suggest`), with how many transactions got a suggestion.
Matching is indexed by amount, invoice-number key and payer-name token: no quadratic scan.

Results go to ``benchmarks/results/reconcile.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.contacts_list import PG_ADMIN_URL, postgres_database

RESULTS = Path(__file__).parent / "results" / "reconcile.json"
NAMES = ["Acme", "Blue Door", "Cobalt", "Dune", "Echo", "Fable", "Granite", "Harbour", "Iris"]


def measure(url: str, n_txns: int, n_invoices: int) -> dict[str, Any]:
    from minimin.accounts.models import User
    from minimin.app import create_app
    from minimin.banking import reconcile
    from minimin.banking.inputs import BankAccountInput
    from minimin.banking.models import BankTransaction
    from minimin.banking.services import accounts, candidates
    from minimin.contacts.models import Client
    from minimin.core.db import utcnow
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    rng = random.Random(5)
    instance = Path(tempfile.mkdtemp(prefix="minimin-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
    with app.app_context():
        db.create_all()
        user = User(
            email="bench@example.com",
            email_key="bench@example.com",
            full_name="Bench",
            password_hash="!unusable",  # noqa: S106 - a throwaway local account
        )
        db.session.add(user)
        db.session.flush()
        client = Client(user_id=user.id, name="Acme Studios Ltd", kind="company")
        db.session.add(client)
        account = accounts.create_account(user.id, BankAccountInput(name="Main", last_four="1234"))
        db.session.flush()
        now = utcnow()
        start = date(2024, 4, 6)
        invoices = []
        for i in range(n_invoices):
            total = rng.randint(5_000, 500_000)
            invoices.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": user.id,
                    "status": "issued",
                    "number": f"INV-{i + 1:05d}",
                    "sequence": i + 1,
                    "client_id": client.id,
                    "customer_name": f"{rng.choice(NAMES)} {rng.choice(NAMES)} Ltd",
                    "issue_date": start + timedelta(days=i % 300),
                    "currency": "GBP",
                    "net_pence": total,
                    "vat_pence": 0,
                    "total_pence": total,
                    "paid_pence": 0,
                    "credited_pence": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(sa.insert(Invoice), invoices)
        txns = []
        for i in range(n_txns):
            inv = invoices[i % n_invoices]
            incoming = i % 3 != 2
            amount = inv["total_pence"] if incoming and i % 2 == 0 else rng.randint(100, 400_000)
            txns.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": user.id,
                    "bank_account_id": account.id,
                    "posted_on": inv["issue_date"] + timedelta(days=20),
                    "amount_pence": amount if incoming else -amount,
                    "currency": "GBP",
                    "description": "FASTER PAYMENT",
                    "counterparty": inv["customer_name"].upper() if incoming else "SHOP",
                    "reference": inv["number"] if i % 4 == 0 else "",
                    "fingerprint": uuid.uuid4().hex,
                    "payee_key": "",
                    "reconciliation": "unreconciled",
                    "reconciled_pence": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(sa.insert(BankTransaction), txns)
        db.session.commit()

        started = time.perf_counter()
        found = candidates.suggestions(user.id)
        with_db = time.perf_counter() - started

        plain = candidates._open_plain(user.id)
        open_invoices = candidates.open_invoices(user.id)
        started = time.perf_counter()
        pure = reconcile.suggest(plain, open_invoices)
        pure_seconds = time.perf_counter() - started
    return {
        "transactions": n_txns,
        "open_invoices": n_invoices,
        "with_suggestions": len(found),
        "suggestions_seconds_including_database": round(with_db, 3),
        "matching_seconds_pure": round(pure_seconds, 3),
        "pure_with_suggestions": len(pure),
        "under_2_s": with_db < 2,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=5_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    pg_admin = args.pg_url or os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "reconcile",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "backends": {},
    }
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            path = Path(tempfile.mkdtemp(prefix="minimin-bench-")) / "bench.sqlite3"
            report["backends"]["sqlite"] = measure(
                f"sqlite:///{path}", args.transactions, args.invoices
            )
        elif backend == "postgresql":
            try:
                with postgres_database(pg_admin) as url:
                    report["backends"]["postgresql"] = measure(
                        url, args.transactions, args.invoices
                    )
            except sa.exc.OperationalError as exc:
                report["backends"]["postgresql"] = {"skipped": f"not available: {exc.orig}"}
        print(backend, json.dumps(report["backends"][backend], indent=2), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
