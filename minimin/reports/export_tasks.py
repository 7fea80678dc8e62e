"""Background job building accountant exports."""

from __future__ import annotations

import uuid

from minimin.core import db as core_db
from minimin.extensions import celery, db


@celery.task(name="minimin.reports.build_export", ignore_result=True)
def build_export(job_id: str) -> str | None:
    """Build one export ZIP, committing progress as it goes. Safe to run twice."""
    from minimin.reports.export import run_export

    try:
        job = run_export(uuid.UUID(job_id), commit=lambda: core_db.commit(db.session))
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return job.status if job is not None else None
