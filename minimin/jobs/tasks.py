"""Background jobs of jobs: the daily usage / buyout expiry reminders."""

from __future__ import annotations

from datetime import timedelta

from minimin.core import db as core_db
from minimin.core.tasks import periodic
from minimin.extensions import celery, db
from minimin.jobs import services


@periodic("usage-expiry-reminders", timedelta(days=1))
@celery.task(name="minimin.jobs.usage_expiry_reminders", ignore_result=True)
def usage_expiry_reminders() -> int:
    """Daily: remind users of usage licences expiring within 30 days. Safe to run twice."""
    try:
        count = services.send_usage_expiry_reminders()
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return count
