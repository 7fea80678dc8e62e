"""Background jobs of contacts."""

from __future__ import annotations

from datetime import timedelta

from minimin.contacts import services
from minimin.core import db as core_db
from minimin.core.tasks import periodic
from minimin.extensions import celery, db


@periodic("self-billing-review-reminders", timedelta(days=1))
@celery.task(name="minimin.contacts.self_billing_review_reminders", ignore_result=True)
def self_billing_review_reminders() -> int:
    """Daily: remind users whose self-billing agreement is due for its review. Safe to rerun."""
    try:
        count = services.send_review_reminders()
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return count
