"""Background jobs of remittances: reading an imported PDF."""

from __future__ import annotations

import uuid

from minimin.core import db as core_db
from minimin.extensions import celery, db
from minimin.remittances.parsers.sandbox import WALL_SECONDS
from minimin.remittances.services.reading import read_import


# The reader has its own limits (sandbox.py); these only end a job stuck outside it (storage
# that hangs, a locked row), so that a worker is never held for good.
@celery.task(
    name="minimin.remittances.read_pdf",
    ignore_result=True,
    soft_time_limit=WALL_SECONDS + 30,
    time_limit=WALL_SECONDS + 60,
)
def read_remittance_pdf(import_id: str) -> str | None:
    """Read one imported remittance PDF and record the outcome. Safe to run twice."""
    try:
        job = read_import(uuid.UUID(import_id))
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return job.status if job is not None else None
