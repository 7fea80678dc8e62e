"""Deleting an account: every row in one transaction, then the files, surviving a crash.

Rows are deleted explicitly, dependents first (:func:`discovery.deletion_order`), rather than
left to ``ON DELETE CASCADE``: SQLite enforces foreign keys only when told to, and an explicit
delete of every discovered table is what the tests can prove. The storage keys of every file the
rows pointed at are written to ``pending_file_deletion`` in the same transaction; after the
commit the bytes are removed and the list emptied, and a periodic job finishes the list if the
process died part-way.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

import sqlalchemy as sa

from minimin.core import audit
from minimin.core import db as core_db
from minimin.core.storage import FileMissing, storage
from minimin.extensions import db
from minimin.privacy import discovery
from minimin.privacy.models import PendingFileDeletion

log = logging.getLogger(__name__)

#: HMRC: records must be kept at least 5 years after the 31 January filing deadline.
RETENTION_YEARS = 5


def retention_end(today: date) -> date:
    """The last day records of the latest finished tax year must be kept until.

    The tax year ending on 5 April Y has its filing deadline on 31 January Y+1; records are
    kept 5 years after that deadline.
    """
    ended_year = today.year if today >= date(today.year, 4, 6) else today.year - 1
    return date(ended_year + 1 + RETENTION_YEARS, 1, 31)


def storage_keys_of(user_id: uuid.UUID, tables: list[sa.Table] | None = None) -> list[str]:
    """Every storage key held in the user's rows (of *tables*, by default all personal ones)."""
    keys: set[str] = set()
    for column in discovery.storage_key_columns(tables):
        table = column.table
        assert isinstance(table, sa.Table)
        query = sa.select(column).where(
            discovery.owner_condition(table, user_id), column.is_not(None)
        )
        keys.update(str(k) for k in db.session.scalars(query))
    return sorted(keys)


def delete_rows(user_id: uuid.UUID, tables: list[sa.Table]) -> dict[str, int]:
    """Delete the user's rows of *tables* (given dependents first) and list their files for the
    sweep; returns rows deleted per table. Adds to the current transaction, never commits."""
    db.session.flush()
    keys = storage_keys_of(user_id, tables)
    names = {t.name for t in tables}
    for fkc in discovery.cyclic_foreign_keys():
        table = fkc.table
        if table.name not in names or not all(c.nullable for c in fkc.columns):
            continue
        db.session.execute(
            sa.update(table)
            .where(discovery.owner_condition(table, user_id))
            .values({c.name: None for c in fkc.columns})
        )
    counts: dict[str, int] = {}
    for table in tables:
        result = db.session.execute(
            sa.delete(table).where(discovery.owner_condition(table, user_id))
        )
        # A DML statement's result is a CursorResult (rowcount), typed as Result.
        counts[table.name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    schedule_file_deletions(keys)
    return counts


def schedule_file_deletions(keys: list[str]) -> None:
    """List *keys* for removal (in this transaction) and sweep them once it commits."""
    if not keys:
        return
    existing = set(
        db.session.scalars(
            sa.select(PendingFileDeletion.storage_key).where(
                PendingFileDeletion.storage_key.in_(keys)
            )
        )
    )
    for key in keys:
        if key not in existing:
            db.session.add(PendingFileDeletion(storage_key=key))
    db.session.flush()
    from minimin.core.tasks import enqueue
    from minimin.privacy import tasks

    enqueue(tasks.sweep_files)


def delete_account(user_id: uuid.UUID) -> dict[str, int]:
    """Delete every row of the user and the user, in the current transaction.

    The caller signs the browser out; objects loaded in the session are expunged because the
    deletes bypass the ORM.
    """
    from minimin.privacy import consent
    from minimin.privacy.models import AI_FEATURES

    for feature in AI_FEATURES:
        consent.delete_feature_data(user_id, feature)
    counts = delete_rows(user_id, discovery.deletion_order())
    user_table = discovery.metadata().tables[discovery.USER_TABLE]
    db.session.execute(sa.delete(user_table).where(user_table.c.id == user_id))
    db.session.expunge_all()
    # The record names no one: a hashed subject only, and no user_id (nothing left to own it).
    audit.record(
        "privacy.account_deleted",
        subject=user_id,
        detail={"rows": sum(counts.values()), "tables": len([n for n in counts if counts[n]])},
    )
    core_db.after_commit(db.session, checkpoint_sqlite)
    return counts


def checkpoint_sqlite() -> None:
    """Copy the write-ahead log into the database file and empty it (SQLite only).

    With ``secure_delete`` on, the deleted rows are zeroed in the database file, but the WAL
    still holds the pages as they were before the deletion until a checkpoint; TRUNCATE writes
    them back and cuts the log to nothing, so no copy of the account remains beside the
    database. A reader still holding an old snapshot makes it return early; the next automatic
    checkpoint then finishes the work.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
    if busy:
        log.info("write-ahead log checkpoint after deletion deferred: database busy")


def sweep_pending_files(limit: int = 500) -> int:
    """Remove listed files, deleting each entry once its file is gone; returns how many went.

    Each removal is committed on its own, so a crash leaves only unfinished entries behind.
    """
    from minimin.core import db as core_db

    removed = 0
    entries = list(
        db.session.scalars(
            sa.select(PendingFileDeletion).order_by(PendingFileDeletion.created_at).limit(limit)
        )
    )
    for entry in entries:
        try:
            storage().delete(entry.storage_key)
        except FileMissing:
            pass  # already gone: the goal is reached
        except Exception as exc:  # storage down: try again on the next sweep
            log.warning("could not remove stored file %s: %s", entry.storage_key, exc)
            entry.attempts += 1
            entry.last_error = str(exc)[:200]
            core_db.commit(db.session)
            continue
        db.session.delete(entry)
        core_db.commit(db.session)
        removed += 1
    return removed
