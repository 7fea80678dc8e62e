"""Reminders around the due date, recurring invoices and invoices made from completed jobs."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tests.functional.invoices.conftest import draft_data, invoice_id_from


def _issued(client: Any, user: Any, **extra: Any) -> str:
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Day", "1", "1000", "standard")], **extra)
    )
    invoice_id = invoice_id_from(r)
    assert (
        client.submit(
            f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}"
        ).status_code
        == 302
    )
    return invoice_id


def test_reminders_follow_the_schedule_once_each_with_statutory_interest(
    client: Any, business: Any, login: Any, app: Any, mailbox: Any
) -> None:
    from minimin.core import db as core_db
    from minimin.extensions import db
    from minimin.invoices import reminders
    from minimin.invoices.models import Invoice, ReminderSent

    user = business()
    login(client, user)
    invoice_id = _issued(client, user, issue_date="2025-01-01", due_date="2025-01-31")
    with app.test_request_context():
        assert reminders.send_due_reminders(date(2025, 1, 20)) == 0
        assert reminders.send_due_reminders(date(2025, 1, 28)) == 1  # 3 days before
        assert reminders.send_due_reminders(date(2025, 1, 28)) == 0  # never twice
        core_db.commit(db.session)
        assert reminders.send_due_reminders(date(2025, 2, 14)) == 1  # 14 days late
        core_db.commit(db.session)
        sent = db.session.scalars(
            sa.select(ReminderSent.offset_days).order_by(ReminderSent.offset_days)
        ).all()
    assert sent == [-3, 14]
    messages = mailbox.to("accounts@acme.example")
    assert len(messages) == 2
    late = mailbox.text(messages[-1])
    assert "14 days overdue" in late
    # £1,200 debt, base rate 4.75% on 31 Dec 2024 -> 12.75% a year for 14 days = £5.87.
    assert "£5.87" in late and "£70.00" in late
    # Every claim names its reference rate and the day it was in force.
    assert "12.75% a year" in late and "4.75% on 31/12/2024" in late
    assert "/pay/" in late

    # Paused invoices get nothing more.
    client.submit(f"/invoices/{invoice_id}/reminders", form_page=f"/invoices/{invoice_id}")
    with app.test_request_context():
        assert db.session.get(Invoice, uuid.UUID(invoice_id)).reminders_paused is True
        assert reminders.send_due_reminders(date(2025, 3, 2)) == 0


def test_reminder_schedule_is_editable_and_refuses_broken_wording(
    client: Any, business: Any, login: Any
) -> None:
    user = business()
    login(client, user)
    page = client.get("/invoices/reminders").get_data(as_text=True)
    assert "3 days before the due date" in page
    r = client.submit(
        "/invoices/reminders", {"offset_days": "7", "subject": "Hi {{ number", "body": "x"}
    )
    assert r.status_code == 400 and "is not a placeholder" in r.get_data(as_text=True)
    r = client.submit("/invoices/reminders", {"offset_days": "999", "subject": "s", "body": "b"})
    assert r.status_code == 400 and "from -60 to 365" in r.get_data(as_text=True)
    r = client.submit(
        "/invoices/reminders",
        {
            "offset_days": "7",
            "subject": "Week late: {invoice_number}",
            "body": "Please pay {amount_due}",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    assert "7 days after the due date" in client.get("/invoices/reminders").get_data(as_text=True)
    r = client.submit(
        "/invoices/reminders",
        {"offset_days": "7", "subject": "{{ ''.__class__.__mro__ }}", "body": "{{ config }}"},
    )
    assert r.status_code == 400  # no expression language: only placeholder names
    assert (
        "__mro__" not in client.get("/invoices/reminders").get_data(as_text=True).split("<table")[1]
    )


def test_recurring_invoice_makes_drafts_or_issues(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.invoices import recurring
    from minimin.invoices.models import Invoice

    user = business()
    login(client, user)
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Retainer", "1", "500", "standard")])
    )
    source_id = invoice_id_from(r)
    next_on = (date.today() + timedelta(days=2)).isoformat()
    r = client.submit(
        f"/invoices/{source_id}/recurring",
        {"recurrence": "monthly", "next_on": next_on, "issue_automatically": "y"},
    )
    assert r.status_code == 302
    r = client.submit(
        f"/invoices/{source_id}/recurring", {"recurrence": "monthly", "next_on": "2000-01-01"}
    )
    assert r.status_code == 400
    with app.test_request_context():
        run_day = date.today() + timedelta(days=2)
        assert recurring.run_due(run_day) == 1
        db.session.commit()
        assert recurring.run_due(run_day) == 0
        copies = db.session.scalars(
            sa.select(Invoice).where(Invoice.recurring_source_id == uuid.UUID(source_id))
        ).all()
        assert len(copies) == 1
        assert copies[0].status == "sent" and copies[0].number == "INV-0001"
        source = db.session.get(Invoice, uuid.UUID(source_id))
        assert source.recurrence_next_on == recurring.add_months(run_day, 1)
    assert recurring.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert recurring.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_invoice_from_completed_jobs(client: Any, business: Any, login: Any, app: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice
    from minimin.jobs import services as jobs
    from minimin.jobs.models import Job

    user = business()
    login(client, user)
    with app.test_request_context():
        job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title="Catalogue shoot",
                client_id=user.client_id,
                dates=[jobs.DateInput(day=date(2025, 3, 3))],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate", quantity=Decimal(2), unit_amount_pence=50000
                    ),
                    jobs.FeeLineInput(
                        kind="expenses",
                        quantity=Decimal(1),
                        unit_amount_pence=4000,
                        vat_applies=False,
                        description="Taxi",
                    ),
                ],
            ),
        )
        job.status = "completed"
        db.session.commit()
        job_id = str(job.id)
    page = client.get("/invoices/from-jobs").get_data(as_text=True)
    assert "Catalogue shoot" in page
    r = client.submit("/invoices/from-jobs", {"job": job_id})
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    invoice_id = invoice_id_from(r)
    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        assert [(line.vat_treatment, line.net_pence) for line in invoice.lines] == [
            ("standard", 100000),
            ("outside_scope", 4000),
        ]
        assert db.session.get(Job, uuid.UUID(job_id)).status == "invoiced"
    assert "Catalogue shoot" not in client.get("/invoices/from-jobs").get_data(as_text=True)
    # Deleting the draft gives the job back to the "to invoice" list.
    client.submit(f"/invoices/{invoice_id}/delete", form_page=f"/invoices/{invoice_id}")
    with app.app_context():
        assert db.session.get(Job, uuid.UUID(job_id)).status == "completed"
