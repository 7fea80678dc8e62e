"""Background jobs run under time limits, and in embedded mode a stuck periodic job does not
stop the others: the outbox keeps sending while it hangs."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from minimin.core import db as core_db
from minimin.core.db import utcnow
from minimin.core.mail import SENT, OutboundEmail, queue_email
from minimin.core.tasks import PERIODIC, start_embedded_scheduler, time_limits
from minimin.extensions import celery, db


def test_every_task_has_a_soft_and_a_hard_time_limit(app: Flask) -> None:
    ours = [task for name, task in celery.tasks.items() if name.startswith("minimin.")]
    assert len(ours) >= 10
    for task in ours:
        soft, hard = time_limits(task)
        assert 0 < soft < hard, task.name
    # Every periodic job is among them.
    assert {task_name for task_name, _every in PERIODIC.values()} <= {t.name for t in ours}


def _wait_until(predicate, what: str, limit: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def test_a_stuck_periodic_job_does_not_stop_the_outbox(app: Flask) -> None:
    started, release = threading.Event(), threading.Event()

    @celery.task(name=f"tests.stuck_{uuid.uuid4().hex[:8]}", ignore_result=True)
    def stuck() -> None:
        started.set()
        release.wait(60)

    with app.app_context():
        email = queue_email(
            to="client@example.com",
            template="password_changed",
            context={"user": {"full_name": "Jo"}},
        )
        db.session.info.pop("minimin_after_commit", None)  # only the sweep will send it
        email.next_attempt_at = utcnow() - timedelta(minutes=1)
        core_db.commit(db.session)
        email_id = email.id
        db.session.remove()

    def status() -> str | None:
        with app.app_context():
            value = db.session.scalar(
                sa.select(OutboundEmail.status).where(OutboundEmail.id == email_id)
            )
            db.session.remove()
            return value

    stop = threading.Event()
    # The stuck job comes first, as a hung reminders run would before the sweep.
    jobs = {
        "stuck": (stuck.name, timedelta(seconds=0.05)),
        "flush-outbox": ("minimin.mail.flush_outbox", timedelta(seconds=0.05)),
    }
    scheduler = start_embedded_scheduler(app, stop, tick=0.05, jobs=jobs)
    try:
        _wait_until(started.is_set, "the stuck job to start")
        _wait_until(lambda: status() == SENT, "the outbox to send while the job hangs")
        assert not release.is_set()  # it was still hanging the whole time
    finally:
        release.set()
        stop.set()
        scheduler.join(10)


def test_one_invoice_that_fails_does_not_stop_other_users_reminders(
    app: Flask, business: Any, login: Any, mailbox: Any
) -> None:
    from minimin.invoices import reminders
    from minimin.invoices.models import Invoice
    from tests.functional.invoices.conftest import draft_data, invoice_id_from

    def issued(email: str) -> uuid.UUID:
        user = business(email=email)
        client = app.test_client()
        login(client, user)
        r = client.submit(
            "/invoices/new",
            draft_data(
                user.client_id,
                [("Day", "1", "1000", "standard")],
                issue_date="2025-01-01",
                due_date="2025-01-31",
            ),
        )
        invoice_id = invoice_id_from(r)
        client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
        return uuid.UUID(invoice_id)

    broken = issued(f"broken-{uuid.uuid4().hex[:6]}@example.com")
    issued(f"fine-{uuid.uuid4().hex[:6]}@example.com")
    with app.app_context():
        invoice = db.session.get(Invoice, broken)
        assert invoice is not None
        # Data no reminder can be written from (an address that is not text).
        snapshot = dict(invoice.customer_snapshot or {})
        invoice.customer_snapshot = {**snapshot, "email": {"address": "x@y.z"}}
        core_db.commit(db.session)
    with app.test_request_context():
        assert reminders.send_due_reminders(date(2025, 2, 14)) == 1
        core_db.commit(db.session)
    [reminder] = mailbox.to("accounts@acme.example")
    assert "overdue" in mailbox.text(reminder)
