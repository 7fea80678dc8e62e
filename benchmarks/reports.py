"""Tax-year report and ledger over 10 years of history (20,000 invoices with payments, 50,000
expenses, 100,000 bank transactions, 5,000 jobs with agency remittances and matched bank
deposits, journeys), bulk-inserted, then posted to the journal.

Run: ``python -m benchmarks.reports [--backends postgresql,sqlite] [--repeat 20]``. PostgreSQL
uses a throwaway database on ``MINIMIN_BENCH_PG_URL`` (default: the local test server).
Measures GET /reports/tax-year (page, cash and accruals), the profit and loss for ten years
and income by client; results in benchmarks/results/reports.json. Target: the tax-year report
under 300 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.contacts_list import PG_ADMIN_URL, _csrf
from benchmarks.dbtiming import per_backend

RESULTS = Path(__file__).parent / "results" / "reports.json"
# The banking and mileage sources' kinds, posted in bulk.
BANK_LINE, MILEAGE = "bank_line", "mileage"
PASSWORD = "correct horse battery staple"  # noqa: S105 - throwaway benchmark user
FIRST = date(2016, 4, 6)
DAYS = 3652
#: Jobs: agency jobs paid by remittances, agency jobs done and not yet paid, direct jobs.
REMITTED_JOBS, OPEN_AGENCY_JOBS, DIRECT_JOBS = 3000, 300, 1700
CATEGORIES = ("travel", "office", "advertising", "professional", "other", "premises", "clothing")


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Any:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def populate(db: Any, user_id: uuid.UUID, invoices: int, expenses: int, bank: int) -> None:
    from minimin.banking.models import BankAccount, BankTransaction
    from minimin.contacts.models import Agency, Client
    from minimin.expenses.models import Expense, Journey
    from minimin.invoices.models import Invoice, Payment

    rng = random.Random(11)
    clients = [uuid.uuid4() for _ in range(200)]
    agencies = [uuid.uuid4() for _ in range(10)]
    db.session.execute(
        sa.insert(Client),
        [
            {"id": c, "user_id": user_id, "name": f"Client {i}", "kind": "company"}
            for i, c in enumerate(clients)
        ],
    )
    db.session.execute(
        sa.insert(Agency),
        [{"id": a, "user_id": user_id, "name": f"Agency {i}"} for i, a in enumerate(agencies)],
    )
    inv_rows, pay_rows = [], []
    for n in range(invoices):
        issued = FIRST + timedelta(days=rng.randrange(DAYS))
        net = rng.randrange(10_000, 500_000)
        vat = net // 5
        iid = uuid.uuid4()
        inv_rows.append(
            {
                "id": iid,
                "user_id": user_id,
                "number": f"INV-{n:06d}",
                "sequence": n + 1,
                "status": "paid",
                "client_id": rng.choice(clients),
                "customer_name": "Client",
                "issue_date": issued,
                "currency": "GBP",
                "net_pence": net,
                "vat_pence": vat,
                "total_pence": net + vat,
                "paid_pence": net + vat,
            }
        )
        pay_rows.append(
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "invoice_id": iid,
                "amount_pence": net + vat,
                "paid_on": issued + timedelta(days=rng.randrange(60)),
                "currency": "GBP",
            }
        )
    for chunk in _chunks(inv_rows):
        db.session.execute(sa.insert(Invoice), chunk)
    for chunk in _chunks(pay_rows):
        db.session.execute(sa.insert(Payment), chunk)
    exp_rows = []
    for _ in range(expenses):
        amount = rng.randrange(500, 50_000)
        category = rng.choice(CATEGORIES)
        exp_rows.append(
            {
                "user_id": user_id,
                "date": FIRST + timedelta(days=rng.randrange(DAYS)),
                "supplier": "Supplier",
                "category": category,
                "amount_pence": amount,
                "vat_pence": 0,
                "business_percent": Decimal(100),
                "business_pence": amount,
                "allowable_pence": 0 if category == "clothing" else amount,
                "reclaimable_vat_pence": 0,
                "currency": "GBP",
                "source": "manual",
                "vat_treatment": "none",
            }
        )
    for chunk in _chunks(exp_rows):
        db.session.execute(sa.insert(Expense), chunk)
    account = uuid.uuid4()
    db.session.execute(
        sa.insert(BankAccount), [{"id": account, "user_id": user_id, "name": "Current"}]
    )
    bank_rows = [
        {
            "user_id": user_id,
            "bank_account_id": account,
            "posted_on": FIRST + timedelta(days=rng.randrange(DAYS)),
            "amount_pence": rng.randrange(-50_000, 50_000),
            "description": "Card payment",
            "fingerprint": uuid.uuid4().hex,
            "reconciliation": "unreconciled",
        }
        for _ in range(bank)
    ]
    for chunk in _chunks(bank_rows):
        db.session.execute(sa.insert(BankTransaction), chunk)
    # One payment in four was matched to its deposit on the bank statement.
    _matched_deposits(
        db,
        user_id,
        account,
        [(p["id"], p["paid_on"], p["amount_pence"], "payment") for p in pay_rows[::4]],
    )
    _agency_work(db, user_id, rng, agencies, clients, account)
    db.session.execute(
        sa.insert(Journey),
        [
            {
                "user_id": user_id,
                "date": FIRST + timedelta(days=rng.randrange(DAYS)),
                "origin": "A",
                "destination": "B",
                "purpose": "Job",
                "miles": Decimal(rng.randrange(5, 200)),
                "vehicle": "car_van",
            }
            for _ in range(5000)
        ],
    )


def _matched_deposits(
    db: Any, user_id: uuid.UUID, account: uuid.UUID, deposits: list[tuple[Any, date, int, str]]
) -> None:
    """A bank line for each (target id, day, amount, match kind), reconciled by a match."""
    from minimin.banking.models import BankMatch, BankTransaction

    lines, matches = [], []
    for target, day, amount, kind in deposits:
        line = uuid.uuid4()
        lines.append(
            {
                "id": line,
                "user_id": user_id,
                "bank_account_id": account,
                "posted_on": day + timedelta(days=1),
                "amount_pence": amount,
                "description": "Faster payment",
                "fingerprint": uuid.uuid4().hex,
                "reconciliation": "reconciled",
                "reconciled_pence": amount,
            }
        )
        match = {"user_id": user_id, "transaction_id": line, "kind": kind}
        match |= {"target_id": target, "amount_pence": amount}
        if kind == "payment":
            match["payment_id"] = target
        matches.append(match)
    for chunk in _chunks(lines):
        db.session.execute(sa.insert(BankTransaction), chunk)
    for chunk in _chunks(matches):
        db.session.execute(sa.insert(BankMatch), chunk)


def _agency_work(
    db: Any,
    user_id: uuid.UUID,
    rng: random.Random,
    agencies: list[uuid.UUID],
    clients: list[uuid.UUID],
    account: uuid.UUID,
) -> None:
    """5,000 jobs: 3,000 agency jobs paid by posted remittances (each with its commission
    expense, deducted by the agency, and its bank deposit matched), 300 agency jobs done and
    not yet remitted (what agencies owe), and 1,700 direct jobs for clients."""
    from minimin.expenses.models import Expense
    from minimin.jobs.models import Job
    from minimin.remittances.models import AgencyIncome, Remittance, RemittanceLine

    jobs, rem_rows, line_rows, income_rows, commission_rows, deposits = [], [], [], [], [], []
    for _ in range(REMITTED_JOBS):
        rid, lid, jid, eid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        day = FIRST + timedelta(days=rng.randrange(30, DAYS))
        agency = rng.choice(agencies)
        gross = rng.randrange(20_000, 300_000)
        commission = gross * 15 // 100
        net = gross - commission
        done = day - timedelta(days=rng.randrange(10, 30))
        jobs.append(_job(user_id, jid, done, gross, "paid", agency_id=agency))
        rem_rows.append(
            {
                "id": rid,
                "user_id": user_id,
                "agency_id": agency,
                "date": day,
                "status": "posted",
                "total_net_pence": net,
                "kind": "advice",
            }
        )
        line_rows.append(
            {
                "id": lid,
                "user_id": user_id,
                "remittance_id": rid,
                "job_id": jid,
                "gross_pence": gross,
                "commission_pence": commission,
                "net_pence": net,
            }
        )
        commission_rows.append(
            {
                "id": eid,
                "user_id": user_id,
                "date": day,
                "supplier": "Agency",
                "category": "professional",
                "amount_pence": commission,
                "vat_pence": 0,
                "business_percent": Decimal(100),
                "business_pence": commission,
                "allowable_pence": commission,
                "reclaimable_vat_pence": 0,
                "currency": "GBP",
                "source": "manual",
                "vat_treatment": "none",
                "payment_method": "deducted",
            }
        )
        income_rows.append(
            {
                "user_id": user_id,
                "remittance_id": rid,
                "remittance_line_id": lid,
                "agency_id": agency,
                "job_id": jid,
                "received_on": day,
                "income_pence": gross,
                "gross_fee_pence": gross,
                "commission_pence": commission,
                "net_pence": net,
                "currency": "GBP",
                "expense_id": eid,
            }
        )
        deposits.append((rid, day, net, "remittance"))
    last = FIRST + timedelta(days=DAYS - 1)
    for _ in range(OPEN_AGENCY_JOBS):
        done = last - timedelta(days=rng.randrange(120))
        gross = rng.randrange(20_000, 300_000)
        jobs.append(_job(user_id, uuid.uuid4(), done, gross, "completed", rng.choice(agencies)))
    for _ in range(DIRECT_JOBS):
        done = FIRST + timedelta(days=rng.randrange(DAYS))
        gross = rng.randrange(20_000, 300_000)
        jobs.append(_job(user_id, uuid.uuid4(), done, gross, "paid", client_id=rng.choice(clients)))
    for chunk in _chunks(jobs):
        db.session.execute(sa.insert(Job), chunk)
    for chunk in _chunks(commission_rows):
        db.session.execute(sa.insert(Expense), chunk)
    db.session.execute(sa.insert(Remittance), rem_rows)
    db.session.execute(sa.insert(RemittanceLine), line_rows)
    db.session.execute(sa.insert(AgencyIncome), income_rows)
    _matched_deposits(db, user_id, account, deposits)


def _job(
    user_id: uuid.UUID,
    job_id: uuid.UUID,
    done: date,
    gross: int,
    status: str,
    agency_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": job_id,
        "user_id": user_id,
        "title": "Shoot",
        "status": status,
        "agency_id": agency_id,
        "client_id": client_id,
        "starts_on": done,
        "ends_on": done,
        "gross_pence": gross,
        "currency": "GBP",
    }


def post_history(db: Any, user_id: uuid.UUID, batch: int = 2000) -> int:
    """Post every generated document to the journal, as ``minimin ledger post`` would (rows
    inserted in bulk touch nothing, so nothing posted them): each kind's poster builds the
    postings, written in bulk by :func:`minimin.ledger.posting.post_new`. Returns the number
    of entries."""
    from minimin.ledger import posting

    session = db.session()
    models = _document_models()
    written = _post_bank_lines(session, user_id) + _post_journeys(session, user_id)
    for kind in posting.registered_kinds():
        if kind in (BANK_LINE, MILEAGE):
            continue
        poster = posting.poster_for(kind)
        ids = list(posting.lister_for(kind)(session, user_id))
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            # One SELECT per batch: the posters' session.get() then finds each document loaded.
            loaded = _preload(session, models.get(kind), chunk)
            items = [(i, p) for i in chunk if (p := poster(session, i))]
            del loaded
            written += posting.post_new(session, user_id, kind, items)
            session.flush()
            session.expire_all()
    return written


def _post_bank_lines(session: Any, user_id: uuid.UUID) -> int:
    """The bank lines, as an import posts them (``post_imported``): what each line has matched
    summed in one query rather than one per line."""
    from minimin.banking.models import BankMatch, BankTransaction
    from minimin.ledger.sources import banking

    matched = dict(
        session.execute(
            sa.select(BankMatch.transaction_id, sa.func.sum(BankMatch.amount_pence))
            .where(BankMatch.user_id == user_id)
            .group_by(BankMatch.transaction_id)
        ).all()
    )
    lines = session.scalars(sa.select(BankTransaction).where(BankTransaction.user_id == user_id))
    facts = [banking.line_facts(txn, int(matched.get(txn.id, 0))) for txn in lines]
    return int(banking.post_imported(session, user_id, facts))


def _post_journeys(session: Any, user_id: uuid.UUID) -> int:
    """The mileage log: every journey's share valued in one pass over the log (the poster
    values a journey's tax year up to its day, once per journey)."""
    from minimin.expenses.mileage import JourneyIn
    from minimin.expenses.models import Journey
    from minimin.ledger import posting
    from minimin.ledger.rules.expenses import journey_posting, mileage_shares

    journeys = list(
        session.scalars(
            sa.select(Journey)
            .where(Journey.user_id == user_id)
            .order_by(Journey.date, Journey.created_at, Journey.id)
        )
    )
    shares = mileage_shares(
        JourneyIn(key=j.id, date=j.date, miles=Decimal(j.miles), vehicle=j.vehicle)
        for j in journeys
    )
    postings = (
        (j.id, journey_posting(j.date, f"Mileage: {j.origin} to {j.destination}", shares[j.id]))
        for j in journeys
    )
    return int(posting.post_new(session, user_id, MILEAGE, postings))


def _document_models() -> dict[str, Any]:
    """The model of each kind of source document the generator writes."""
    from minimin.banking.models import BankMatch
    from minimin.expenses.models import Expense
    from minimin.invoices.models import Invoice, Payment
    from minimin.jobs.models import Job
    from minimin.remittances.models import Remittance

    return {
        "agency_job": Job,
        "bank_match": BankMatch,
        "expense": Expense,
        "invoice": Invoice,
        "payment": Payment,
        "remittance": Remittance,
    }


def _preload(session: Any, model: Any, ids: list[uuid.UUID]) -> list[Any]:
    if model is None:
        return []
    return list(session.scalars(sa.select(model).where(model.id.in_(ids))))


def bench_app(url: str) -> Any:
    """A testing-mode application on *url*, its schema created."""
    from minimin.app import create_app
    from minimin.extensions import db

    instance = Path(tempfile.mkdtemp(prefix="minimin-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
    with app.app_context():
        db.create_all()
    return app


def add_bench_user(db: Any) -> Any:
    """The verified account the benchmarks sign in as (inside an app context)."""
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.core.db import utcnow

    user = User(
        email="bench@example.com",
        email_key=email_key("bench@example.com"),
        full_name="Bench Mark",
        password_hash=hash_password(PASSWORD),
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from minimin.extensions import db

    app = bench_app(url)
    with app.app_context():
        user = add_bench_user(db)
        started = time.perf_counter()
        populate(db, user.id, args.invoices, args.expenses, args.bank)
        db.session.commit()
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        entries = post_history(db, user.id)
        db.session.commit()
        post_s = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # As autovacuum leaves a table in steady use: the visibility map set, so
                # the journal's sums are index-only scans.
                conn.exec_driver_sql("VACUUM ANALYZE")
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
    pages = {
        "tax_year_cash": "/reports/tax-year?year=2024/25",
        "tax_year_accruals": "/reports/tax-year?year=2024/25&basis=accruals",
        "pnl_ten_years": "/reports/profit-and-loss?start=2016-04-06&end=2026-04-05",
        "income_by_client_year": "/reports/income-by-client?start=2024-04-06&end=2025-04-05",
    }
    results: dict[str, Any] = {
        "load_seconds": round(load_s, 1),
        "post_seconds": round(post_s, 1),
        "journal_entries": entries,
    }
    for name, path in pages.items():
        client.get(path)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
        timings.sort()
        results[name] = {
            "path": path,
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
            "max_ms": round(timings[-1], 2),
        }
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def history_arguments(doc: str | None, results: Path) -> argparse.ArgumentParser:
    """The options of the benchmarks that build the ten-year history (sizes, backends, output)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--expenses", type=int, default=50_000)
    parser.add_argument("--bank", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--output", type=Path, default=results)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = history_arguments(__doc__, RESULTS).parse_args(argv)
    pg_admin = os.environ.get("MINIMIN_BENCH_PG_URL", PG_ADMIN_URL)
    report: dict[str, Any] = {
        "benchmark": "reports",
        "invoices": args.invoices,
        "expenses": args.expenses,
        "bank_transactions": args.bank,
        "remittance_lines": 3000,
        "journeys": 5000,
        "repeat": args.repeat,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "backends": {},
    }
    report["backends"] = per_backend(args.backends, pg_admin, lambda url: measure(url, args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
