"""Background jobs of banking: statement imports."""

from __future__ import annotations

import datetime as dt
import uuid

from minimin.banking.services.import_run import run_import
from minimin.core import db as core_db
from minimin.core.tasks import time_limits
from minimin.extensions import celery, db


@celery.task(name="minimin.banking.import_statement", ignore_result=True)
def import_statement(job_id: str) -> str | None:
    """Run one statement import, committing its progress batch by batch. Safe to run twice,
    even at once (a queue redelivering it while it runs): the copy that claims the job runs
    it, another changes nothing. A claim holds for the task's hard time limit, past which the
    worker that took it has been stopped."""
    _soft, hard = time_limits(import_statement)
    try:
        job = run_import(
            uuid.UUID(job_id),
            commit=lambda: core_db.commit(db.session),
            claim_holds=dt.timedelta(seconds=hard),
        )
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return job.status if job is not None else None
