"""Background jobs of expenses: create the recurring expenses that have fallen due, and
remove receipts kept for a form that was never saved."""

from __future__ import annotations

from datetime import timedelta

from minimin.core.db import commit, rollback
from minimin.core.tasks import periodic
from minimin.expenses import services
from minimin.extensions import celery, db


@periodic("expenses-recurring", timedelta(days=1))
@celery.task(name="minimin.expenses.create_due_recurring")
def create_due_recurring() -> int:
    """Create every due recurring expense once (a period already created is skipped)."""
    try:
        created = services.create_due_expenses()
        commit(db.session)
    except Exception:
        rollback(db.session)
        raise
    return created


@periodic("expenses-pending-receipts", timedelta(hours=1))
@celery.task(name="minimin.expenses.purge_pending_receipts")
def purge_pending_receipts() -> int:
    """Delete receipts kept for an expense form that was never saved (pending.KEEP_FOR)."""
    from minimin.expenses import pending

    try:
        removed = pending.purge_expired()
        commit(db.session)
    except Exception:
        rollback(db.session)
        raise
    return removed
