"""Two sessions posting the same document at the same moment leave it posted exactly once:
the journal's unique key (user, source kind, source id, version) lets one of them write the
version and the other fails cleanly (its transaction rolls back) or finds the work done.

PostgreSQL only: SQLite serialises writers for the whole file, so there is no race to lose.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
import stripe

STRIPE_KEY = "rk_test_51LedgerConcurrencyKey"
STRIPE_WHSEC = "whsec_ledgerconcurrencysecret12"


@pytest.fixture(autouse=True)
def _postgresql_only(app: Any) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a race between two writers needs PostgreSQL (SQLite has one writer)")


def issue(db: Any, user_id: uuid.UUID, client_id: uuid.UUID, day: dt.date) -> Any:
    """An issued invoice of £100 + £20 VAT (committed)."""
    from minimin.invoices import services as invoices

    invoice = invoices.create_draft(
        user_id,
        invoices.DraftInput(
            client_id=client_id,
            issue_date=day,
            lines=[invoices.LineInput("Half-day shoot", Decimal(1), 10_000, "standard")],
        ),
    )
    invoices.issue(invoice, today=day)
    db.session.commit()
    return invoice


def entries_of(db: Any, kind: str, source_id: uuid.UUID) -> list[Any]:
    from minimin.ledger.models import JournalEntry

    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(JournalEntry)
            .where(JournalEntry.source_kind == kind, JournalEntry.source_id == source_id)
            .order_by(JournalEntry.version)
        )
    )


def at_once(count: int, work: Callable[[], str]) -> list[str]:
    """Run *work* in *count* threads released together; their outcomes, sorted."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.append(work())
        except BaseException as exc:  # reported below, with the thread's own error
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return sorted(outcomes)


def test_the_same_payment_synced_by_two_sessions_at_once_is_posted_once(
    app: Any, db: Any, make_business: Any, books_whole: Any
) -> None:
    from minimin.invoices import services as invoices
    from minimin.ledger import posting
    from minimin.ledger.models import JournalEntry, JournalLine

    business = make_business()
    day = dt.date(2025, 6, 2)
    invoice = issue(db, business.user_id, business.client_id, day)
    payment = invoices.record_payment(
        invoice,
        invoices.PaymentInput(amount_pence=6_000, paid_on=day, method="bank_transfer"),
    )
    db.session.commit()
    payment_id = payment.id
    # The payment's entry is removed behind the application's back, so that both sessions
    # find the payment unposted and race to post version 1 of it.
    (entry,) = entries_of(db, "payment", payment_id)
    entry_id = entry.id
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.delete(JournalLine.__table__).where(JournalLine.entry_id == entry_id))
        conn.execute(sa.delete(JournalEntry.__table__).where(JournalEntry.id == entry_id))

    def sync_in_own_session() -> str:
        with app.app_context():  # a session (and a connection) of its own
            from minimin.extensions import db as database

            session = database.session()
            try:
                wrote = posting.sync(session, business.user_id, "payment", payment_id)
                session.commit()
                return "posted" if wrote else "found it done"
            except sa.exc.IntegrityError:
                session.rollback()
                return "refused by the unique key"
            finally:
                database.session.remove()

    outcomes = at_once(2, sync_in_own_session)

    assert outcomes in (
        ["posted", "refused by the unique key"],
        ["found it done", "posted"],
    ), outcomes
    (entry,) = entries_of(db, "payment", payment_id)
    assert (entry.version, entry.reverses_id) == (1, None)
    # Dr undeposited £60; Cr the client's debtor £60; cash basis: Dr unpaid sales £60, Cr
    # turnover £50 and output VAT £10 (60 × 20/120).
    assert sorted((ln.account, ln.basis, ln.amount_pence) for ln in entry.lines) == sorted(
        [
            ("asset:undeposited", "B", 6_000),
            (f"asset:debtors:client:{business.client_id}", "B", -6_000),
            ("liability:unpaid-sales", "C", 6_000),
            ("income:turnover:direct", "C", -5_000),
            ("liability:vat:output", "C", -1_000),
        ]
    )
    books_whole(db.session, business.user_id)


def test_a_stripe_event_delivered_twice_at_once_posts_one_payment(
    app: Any, db: Any, make_business: Any, books_whole: Any
) -> None:
    from minimin.core.dates import uk_today
    from minimin.invoices.models import Payment
    from minimin.ledger import queries
    from minimin.payments import services as payments

    business = make_business()
    today = uk_today()
    invoice = issue(db, business.user_id, business.client_id, today)
    invoice_id = invoice.id
    webhook_id = payments.connect(
        business.user_id, secret_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC
    ).webhook_id
    db.session.commit()
    now = int(time.time())
    payload = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": now,
            "data": {
                "object": {
                    "id": f"cs_test_{uuid.uuid4().hex[:20]}",
                    "object": "checkout.session",
                    "amount_total": 12_000,
                    "currency": "gbp",
                    "payment_status": "paid",
                    "payment_intent": f"pi_{uuid.uuid4().hex[:20]}",
                    "client_reference_id": str(invoice_id),
                    "metadata": {"invoice_id": str(invoice_id)},
                    "created": now,
                }
            },
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(payload, STRIPE_WHSEC)

    def deliver() -> str:
        response = app.test_client().post(
            f"/payments/stripe/webhook/{webhook_id}",
            data=payload,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        if response.status_code == 503:  # the database said "try again": Stripe retries
            return "retry"
        assert response.status_code == 200, response.get_data(as_text=True)
        return "duplicate" if response.get_json()["duplicate"] else "recorded"

    outcomes = at_once(2, deliver)

    assert outcomes in (["duplicate", "recorded"], ["recorded", "retry"]), outcomes
    db.session.expire_all()
    (payment,) = db.session.scalars(sa.select(Payment).where(Payment.invoice_id == invoice_id))
    (entry,) = entries_of(db, "payment", payment.id)
    assert entry.reverses_id is None

    # Paid in full by card: cash-basis turnover £100 and output VAT £20, counted once.
    def cash_credit(**accounts: Any) -> int:
        return queries.total(
            db.session, business.user_id, basis="cash", start=today, end=today, sign=-1, **accounts
        )

    assert cash_credit(prefixes=["income:turnover:"]) == 10_000
    assert cash_credit(codes=["liability:vat:output"]) == 2_000
    books_whole(db.session, business.user_id)
