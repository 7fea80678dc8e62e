"""Background jobs of privacy: building exports, removing files of deleted rows, expiring
exports."""

from __future__ import annotations

import uuid
from datetime import timedelta

from minimin.core import db as core_db
from minimin.core.tasks import periodic
from minimin.extensions import celery, db


@celery.task(name="minimin.privacy.build_export", ignore_result=True)
def build_export(export_id: str) -> str | None:
    from minimin.privacy.export import run_export

    try:
        export = run_export(uuid.UUID(export_id), commit=lambda: core_db.commit(db.session))
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return export.status if export is not None else None


@periodic("privacy-sweep-files", timedelta(minutes=10))
@celery.task(name="minimin.privacy.sweep_files", ignore_result=True)
def sweep_files() -> int:
    """Finish removing the files of deleted rows (also after a crash part-way)."""
    from minimin.privacy.deletion import sweep_pending_files

    try:
        return sweep_pending_files()
    except Exception:
        core_db.rollback(db.session)
        raise


@periodic("privacy-expire-exports", timedelta(hours=1))
@celery.task(name="minimin.privacy.expire_exports", ignore_result=True)
def expire_exports() -> int:
    from minimin.privacy.export import expire_exports as expire

    try:
        count = expire()
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return count


@periodic("privacy-retention", timedelta(hours=6))
@celery.task(name="minimin.privacy.purge_expired", ignore_result=True)
def purge_expired() -> dict[str, int]:
    """Remove what the retention schedule no longer allows to keep (privacy/retention.py)."""
    from minimin.privacy.retention import purge

    try:
        # The batched rules (statement files, accountant ZIPs) commit each batch as they go.
        removed = purge(commit=lambda: core_db.commit(db.session))
        core_db.commit(db.session)
    except Exception:
        core_db.rollback(db.session)
        raise
    return removed
