"""Background jobs of banking: statement imports."""

from __future__ import annotations

import uuid

from minimin.banking.services.import_run import run_import
from minimin.core import db as core_db
from minimin.extensions import celery, db


@celery.task(name="minimin.banking.import_statement", ignore_result=True)
def import_statement(job_id: str) -> str | None:
    """Run one statement import, committing its progress batch by batch. Safe to run twice,
    even at once (a queue redelivering it while it runs): the run that holds the job runs it,
    another changes nothing; a job whose worker died is run again."""
    try:
        job = run_import(uuid.UUID(job_id), commit=lambda: core_db.commit(db.session))
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return job.status if job is not None else None
