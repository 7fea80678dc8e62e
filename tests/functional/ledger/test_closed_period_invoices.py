"""Invoicing changes dated in a closed period (a filed VAT return's) are refused with a clear
message and change nothing; money that arrived by itself (Stripe) is still recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.core.db import utcnow
from minimin.invoices import refunds, services
from minimin.invoices.models import METHOD_BANK, METHOD_STRIPE
from minimin.ledger.check import check
from minimin.ledger.models import JournalEntry
from minimin.reports.tax_models import VATReturn
from tests.functional.ledger.test_invoice_postings import line, owner  # noqa: F401 - fixture

FILED_THROUGH = dt.date(2026, 3, 31)


def _file_quarter(db: Any, user: Any) -> None:
    db.session.add(
        VATReturn(
            user_id=user.id,
            period_start=dt.date(2026, 1, 1),
            period_end=FILED_THROUGH,
            scheme="standard",
            filed_at=utcnow(),
        )
    )
    db.session.commit()


def _issued(db: Any, user: Any, day: dt.date) -> Any:
    invoice = services.create_draft(
        user.id,
        services.DraftInput(
            client_id=user.client.id,
            issue_date=day,
            lines=[line("Shoot", "1", 50000, "standard")],
        ),
    )
    services.issue(invoice, today=day)
    db.session.commit()
    return invoice


def _entries(db: Any, user: Any) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.user_id == user.id)
        )
    )


def test_closed_period_refuses_issuing_paying_and_refunding_into_it(db: Any, owner: Any) -> None:  # noqa: F811
    user = owner
    paid_in_march = _issued(db, user, dt.date(2026, 3, 10))
    services.record_payment(
        paid_in_march,
        services.PaymentInput(amount_pence=60000, paid_on=dt.date(2026, 3, 20), method=METHOD_BANK),
    )
    db.session.commit()
    _file_quarter(db, user)
    before = _entries(db, user)

    draft = services.create_draft(
        user.id,
        services.DraftInput(
            client_id=user.client.id,
            issue_date=dt.date(2026, 3, 30),
            lines=[line("Late shoot", "1", 10000, "standard")],
        ),
    )
    with pytest.raises(services.InvoiceError) as refused:
        services.issue(draft, today=dt.date(2026, 4, 2))
    assert refused.value.code == "period_locked"
    assert "31/03/2026" in str(refused.value)
    db.session.rollback()

    open_invoice = _issued(db, user, dt.date(2026, 4, 2))
    with pytest.raises(services.InvoiceError) as refused:
        services.record_payment(
            open_invoice,
            services.PaymentInput(
                amount_pence=100,
                paid_on=dt.date(2026, 3, 31),
                method=METHOD_BANK,
            ),
        )
    assert refused.value.field == "paid_on"
    db.session.rollback()

    with pytest.raises(services.InvoiceError):
        services.delete_payment(paid_in_march.payments[0])
    db.session.rollback()

    # Money that arrived by itself is recorded: its posting lands on the first open day.
    services.record_payment(
        open_invoice,
        services.PaymentInput(amount_pence=100, paid_on=dt.date(2026, 3, 31), method=METHOD_STRIPE),
    )
    db.session.commit()
    stripe_entry = db.session.scalars(
        sa.select(JournalEntry)
        .where(JournalEntry.user_id == user.id, JournalEntry.source_kind == "payment")
        .order_by(JournalEntry.posted_at.desc())
    ).first()
    assert stripe_entry is not None
    assert (stripe_entry.date, stripe_entry.moved_from) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 3, 31),
    )

    # Nothing refused wrote anything: the two invoices and three payments' entries only
    # (the open invoice issued in April and the Stripe payment).
    assert _entries(db, user) == before + 2
    assert check(db.session, [user.id]).ok


def test_a_refund_dated_in_a_closed_period_is_refused(db: Any, owner: Any) -> None:  # noqa: F811
    from minimin.invoices import credit_notes

    user = owner
    invoice = _issued(db, user, dt.date(2026, 3, 2))
    services.record_payment(
        invoice,
        services.PaymentInput(amount_pence=60000, paid_on=dt.date(2026, 3, 5), method=METHOD_BANK),
    )
    credit_notes.create_credit_note(
        invoice,
        credit_notes.CreditNoteInput(full=True),
        today=dt.date(2026, 4, 3),
    )
    db.session.commit()
    _file_quarter(db, user)
    with pytest.raises(services.InvoiceError) as refused:
        refunds.record_refund(
            invoice,
            refunds.RefundInput(
                amount_pence=60000,
                refunded_on=dt.date(2026, 3, 31),
                method=METHOD_BANK,
            ),
            today=dt.date(2026, 4, 5),
        )
    assert refused.value.field == "refunded_on"
    db.session.rollback()
    assert invoice.refunded_pence == 0
    refunds.record_refund(
        invoice,
        refunds.RefundInput(
            amount_pence=60000,
            refunded_on=dt.date(2026, 4, 4),
            method=METHOD_BANK,
        ),
        today=dt.date(2026, 4, 5),
    )
    db.session.commit()
    assert check(db.session, [user.id]).ok
