"""``minimin ledger check`` proves the books whole or says what is wrong (exit 1);
``minimin ledger post`` posts the documents whose entries are missing."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

DAY = dt.date(2025, 6, 2)


def issue_and_pay(db: Any, user_id: uuid.UUID, client_id: uuid.UUID) -> uuid.UUID:
    """An issued invoice of £100 + £20 VAT, paid £60 by hand; returns the payment's id."""
    from minimin.invoices import services as invoices

    invoice = invoices.create_draft(
        user_id,
        invoices.DraftInput(
            client_id=client_id,
            issue_date=DAY,
            lines=[invoices.LineInput("Half-day shoot", Decimal(1), 10_000, "standard")],
        ),
    )
    invoices.issue(invoice, today=DAY)
    payment = invoices.record_payment(
        invoice,
        invoices.PaymentInput(amount_pence=6_000, paid_on=DAY, method="bank_transfer"),
    )
    db.session.commit()
    return payment.id


def run(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["ledger", *args])


def test_check_passes_on_good_books_and_fails_on_a_tampered_line(
    app: Any, db: Any, make_business: Any
) -> None:
    from minimin.ledger.models import JournalEntry, JournalLine

    business = make_business()
    issue_and_pay(db, business.user_id, business.client_id)

    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert "books balance" in result.output

    # Someone adds £1 to the first line of the invoice's entry behind the application's back
    # (SQL on the table, past the ORM and its events).
    line_id = db.session.scalar(
        sa.select(JournalLine.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.user_id == business.user_id, JournalEntry.source_kind == "invoice")
        .order_by(JournalLine.position)
        .limit(1)
    )
    db.session.commit()
    lines = JournalLine.__table__
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(lines)
            .where(lines.c.id == line_id)
            .values(amount_pence=lines.c.amount_pence + 100)
        )

    result = run(app, "check")
    assert result.exit_code == 1, result.output
    # The entry no longer sums to zero, so neither does the trial balance (£1 out on both
    # bases: the debtor line is on both), and the invoice is posted with other figures.
    assert "does not balance" in result.output
    assert "trial balance accruals/GBP is 100, not 0" in result.output
    assert "trial balance cash/GBP is 100, not 0" in result.output
    assert "posted with other figures than it has" in result.output
    assert result.output.rstrip().endswith("problems")


def test_post_restores_entries_deleted_behind_the_applications_back(
    app: Any, db: Any, make_business: Any, books_whole: Any
) -> None:
    from minimin.ledger.models import JournalEntry, JournalLine

    business = make_business()
    payment_id = issue_and_pay(db, business.user_id, business.client_id)
    payment_entries = sa.select(JournalEntry.id).where(
        JournalEntry.source_kind == "payment", JournalEntry.source_id == payment_id
    )
    (entry_id,) = db.session.scalars(payment_entries).all()

    # The payment's entry is deleted with raw SQL: the books no longer balance on the cash
    # basis' turnover, and the check names the payment as not posted.
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.delete(JournalLine.__table__).where(JournalLine.entry_id == entry_id))
        conn.execute(sa.delete(JournalEntry.__table__).where(JournalEntry.id == entry_id))
    result = run(app, "check")
    assert result.exit_code == 1, result.output
    assert f"payment {payment_id} is not posted" in result.output

    result = run(app, "post")
    assert result.exit_code == 0, result.output
    assert "1 documents posted" in result.output
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert "books balance" in result.output
    db.session.expire_all()
    assert len(db.session.scalars(payment_entries).all()) == 1
    books_whole(db.session, business.user_id)

    # Posting again finds nothing to do.
    result = run(app, "post")
    assert result.exit_code == 0, result.output
    assert "0 documents posted" in result.output


def test_check_finds_a_document_posted_twice_though_the_books_balance(
    app: Any, db: Any, make_business: Any
) -> None:
    """A second copy of the payment's entry (as a worker posting it again without the
    unique key's protection would write: version 2, not a reversal) keeps the trial balance
    at zero, yet counts the £50 of cash-basis turnover twice: the check names it."""
    from minimin.ledger.models import JournalEntry, JournalLine

    business = make_business()
    payment_id = issue_and_pay(db, business.user_id, business.client_id)
    entry = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.source_id == payment_id))
    copy_id = uuid.uuid4()
    entry_row = {c.name: getattr(entry, c.key) for c in JournalEntry.__table__.columns}
    line_rows = [
        {c.name: getattr(line, c.key) for c in JournalLine.__table__.columns}
        for line in entry.lines
    ]
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(JournalEntry.__table__).values(**{**entry_row, "id": copy_id, "version": 2})
        )
        for line in line_rows:
            conn.execute(
                sa.insert(JournalLine.__table__).values(
                    **{**line, "id": uuid.uuid4(), "entry_id": copy_id}
                )
            )

    result = run(app, "check")
    assert result.exit_code == 1, result.output
    assert f"payment {payment_id} has 2 entries in force (posted more than once)" in result.output
    assert "trial balance" not in result.output  # balanced: only this check sees it
