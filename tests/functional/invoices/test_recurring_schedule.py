"""Recurring invoices through the periodic task that beat (or the embedded scheduler) runs:
copies are made on their day and on no other, as drafts or issued, once each however often the
task runs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import time_machine

from tests.functional.invoices.conftest import draft_data, invoice_id_from


def _run_recurring_task(app: Any) -> int:
    """Run the "recurring-invoices" periodic job as the scheduler does: the registered Celery
    task, applied in a bare application context (no request)."""
    from minimin.core.tasks import PERIODIC
    from minimin.extensions import celery

    task_name, _every = PERIODIC["recurring-invoices"]
    with app.app_context():
        result = celery.tasks[task_name].apply()
    if not result.successful():
        raise AssertionError(f"the recurring task failed: {result.result!r}") from result.result
    return int(result.result)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _copies(app: Any, source_id: str) -> list[Any]:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        rows = db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.recurring_source_id == uuid.UUID(source_id))
            .order_by(Invoice.issue_date)
        ).all()
        for row in rows:
            _ = row.lines
        db.session.expunge_all()
        return list(rows)


def _source(app: Any, source_id: str) -> Any:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        row = db.session.get(Invoice, uuid.UUID(source_id))
        db.session.expunge_all()
        return row


def _next_invoice_number(app: Any, user: Any) -> int:
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    with app.app_context():
        return int(
            db.session.scalar(
                sa.select(BusinessProfile.next_invoice_number).where(
                    BusinessProfile.user_id == user.id
                )
            )
        )


def test_quarterly_draft_schedule_makes_a_draft_every_three_months_and_none_between(
    client: Any, business: Any, login: Any, app: Any, mailbox: Any
) -> None:
    user = business()
    with time_machine.travel(_at(date(2025, 1, 10)), tick=False) as traveller:
        login(client, user)
        r = client.submit(
            "/invoices/new",
            draft_data(
                user.client_id,
                [("Quarterly retainer", "1", "900", "standard"), ("Licence", "2", "50", "zero")],
                notes="Retainer for the quarter",
            ),
        )
        source_id = invoice_id_from(r)
        r = client.submit(
            f"/invoices/{source_id}/recurring",
            {"recurrence": "quarterly", "next_on": "2025-01-15"},
        )
        assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
        assert _source(app, source_id).recurrence_issue is False

        made_on: dict[date, int] = {}
        day = date(2025, 1, 10)
        while day <= date(2025, 7, 20):
            traveller.move_to(_at(day))
            made = _run_recurring_task(app)
            if made:
                made_on[day] = made
            day += timedelta(days=1)
        # The job runs every hour: a second run the same day makes nothing more.
        traveller.move_to(_at(date(2025, 7, 15), hour=23))
        assert _run_recurring_task(app) == 0

    assert made_on == {date(2025, 1, 15): 1, date(2025, 4, 15): 1, date(2025, 7, 15): 1}
    copies = _copies(app, source_id)
    assert [c.issue_date for c in copies] == [
        date(2025, 1, 15),
        date(2025, 4, 15),
        date(2025, 7, 15),
    ]
    for copy in copies:
        assert copy.status == "draft"
        assert copy.number is None and copy.sequence is None and copy.pdf_key is None
        assert copy.client_id == user.client_id
        assert copy.notes == "Retainer for the quarter"
        assert [
            (line.description, line.quantity, line.unit_price_pence) for line in copy.lines
        ] == [
            ("Quarterly retainer", 1, 90000),
            ("Licence", 2, 5000),
        ]
        assert (copy.net_pence, copy.vat_pence, copy.total_pence) == (100000, 18000, 118000)
        assert copy.due_date is None  # set when the user issues the draft
    source = _source(app, source_id)
    assert source.status == "draft"
    assert source.recurrence_next_on == date(2025, 10, 15)
    # Drafts take no invoice number and send nothing.
    assert _next_invoice_number(app, user) == 1
    assert mailbox.messages() == []


def test_quarterly_schedule_catches_up_a_missed_quarter_with_its_own_date(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    with time_machine.travel(_at(date(2025, 1, 10)), tick=False) as traveller:
        login(client, user)
        r = client.submit(
            "/invoices/new", draft_data(user.client_id, [("Retainer", "1", "300", "standard")])
        )
        source_id = invoice_id_from(r)
        r = client.submit(
            f"/invoices/{source_id}/recurring",
            {"recurrence": "quarterly", "next_on": "2025-02-01"},
        )
        assert r.status_code == 302
        # The scheduler was down from January to mid-May: both due copies are made at once.
        traveller.move_to(_at(date(2025, 5, 20)))
        assert _run_recurring_task(app) == 2
        assert _run_recurring_task(app) == 0
    assert [c.issue_date for c in _copies(app, source_id)] == [date(2025, 2, 1), date(2025, 5, 1)]
    assert _source(app, source_id).recurrence_next_on == date(2025, 8, 1)


def test_monthly_issuing_schedule_run_twice_the_same_day_issues_and_emails_once(
    client: Any, business: Any, login: Any, app: Any, mailbox: Any
) -> None:
    user = business()
    with time_machine.travel(_at(date(2025, 1, 20)), tick=False) as traveller:
        login(client, user)
        r = client.submit(
            "/invoices/new",
            draft_data(user.client_id, [("Monthly retainer", "1", "500", "standard")]),
        )
        source_id = invoice_id_from(r)
        r = client.submit(
            f"/invoices/{source_id}/recurring",
            {"recurrence": "monthly", "next_on": "2025-02-03", "issue_automatically": "y"},
        )
        assert r.status_code == 302

        traveller.move_to(_at(date(2025, 2, 2)))
        assert _run_recurring_task(app) == 0
        traveller.move_to(_at(date(2025, 2, 3), hour=7))
        assert _run_recurring_task(app) == 1
        traveller.move_to(_at(date(2025, 2, 3), hour=8))
        assert _run_recurring_task(app) == 0  # the same day again: nothing more
        traveller.move_to(_at(date(2025, 2, 3), hour=8))
        assert _run_recurring_task(app) == 0
        traveller.move_to(_at(date(2025, 2, 4)))
        assert _run_recurring_task(app) == 0

        [first] = _copies(app, source_id)
        assert first.status == "sent"
        assert first.number == "INV-0001" and first.sequence == 1
        assert first.issue_date == first.tax_point == date(2025, 2, 3)
        assert first.due_date == date(2025, 3, 5)  # 30 days' terms
        assert first.total_pence == 60000 and first.pdf_key
        assert _next_invoice_number(app, user) == 2
        messages = mailbox.to("accounts@acme.example")
        assert len(messages) == 1
        assert "INV-0001" in messages[0]["Subject"]
        assert [a.get_filename() for a in messages[0].iter_attachments()] == ["INV-0001.pdf"]
        assert "/pay/" in mailbox.text(messages[0])

        # A month later the next one, and again only once.
        traveller.move_to(_at(date(2025, 3, 3)))
        assert _run_recurring_task(app) == 1
        assert _run_recurring_task(app) == 0

    copies = _copies(app, source_id)
    assert [(c.number, c.issue_date) for c in copies] == [
        ("INV-0001", date(2025, 2, 3)),
        ("INV-0002", date(2025, 3, 3)),
    ]
    assert len(mailbox.to("accounts@acme.example")) == 2
    assert _next_invoice_number(app, user) == 3
    assert _source(app, source_id).recurrence_next_on == date(2025, 4, 3)


def test_a_schedule_from_the_31st_keeps_to_month_ends(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    """31 January, then the last day of each shorter month, and the 31st again when the month
    has one: the schedule keeps its day rather than drifting to the 28th."""
    user = business()
    with time_machine.travel(_at(date(2025, 1, 20)), tick=False) as traveller:
        login(client, user)
        r = client.submit(
            "/invoices/new", draft_data(user.client_id, [("Retainer", "1", "300", "standard")])
        )
        source_id = invoice_id_from(r)
        r = client.submit(
            f"/invoices/{source_id}/recurring", {"recurrence": "monthly", "next_on": "2025-01-31"}
        )
        assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
        day = date(2025, 1, 20)
        while day <= date(2025, 8, 5):
            traveller.move_to(_at(day))
            _run_recurring_task(app)
            day += timedelta(days=1)

    assert [c.issue_date for c in _copies(app, source_id)] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
        date(2025, 6, 30),
        date(2025, 7, 31),
    ]
    assert _source(app, source_id).recurrence_next_on == date(2025, 8, 31)
