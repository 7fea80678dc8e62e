"""Periodic invoice jobs: reminders and recurring invoices. Each is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from minimin.core import db as core_db
from minimin.core.tasks import periodic
from minimin.extensions import celery, db


@periodic("invoice-reminders", timedelta(hours=1))
@celery.task(name="minimin.invoices.send_reminders", ignore_result=True)
def send_reminders() -> int:
    from minimin.invoices.reminders import send_due_reminders

    sent = send_due_reminders()
    core_db.commit(db.session)
    return sent


@periodic("recurring-invoices", timedelta(hours=1))
@celery.task(name="minimin.invoices.recurring", ignore_result=True)
def make_recurring_invoices() -> int:
    from minimin.invoices.recurring import run_due

    made = run_due()
    core_db.commit(db.session)
    return made
