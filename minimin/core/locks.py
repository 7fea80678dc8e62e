"""One run at a time of a piece of background work (an email's delivery, a statement import),
whichever worker the queue hands it to, and free again the moment the run's process dies.

On PostgreSQL: a session advisory lock on a connection of its own, which the server drops as
soon as that connection ends, so a killed worker frees its work at once (a machine that
vanished, once the server notices the connection is gone). Elsewhere (SQLite, embedded mode:
every run in one process): a set of what this process is running.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from minimin.extensions import db

#: Milliseconds a run waits for another's lock on the same work before leaving it: a worker
#: killed an instant ago may still have a server process holding its lock while the queue
#: already hands its job to another.
LOCK_WAIT_MS = 3000

_RUNNING_HERE: set[uuid.UUID] = set()
_RUNNING_HERE_LOCK = threading.Lock()


def lock_key(item_id: uuid.UUID) -> int:
    """The PostgreSQL advisory lock key of *item_id*."""
    return int.from_bytes(item_id.bytes[:8], "big", signed=True)


@contextmanager
def exclusive(item_id: uuid.UUID, wait_ms: int = LOCK_WAIT_MS) -> Iterator[bool]:
    """Hold the right to run the work of *item_id* (a random id: an email's, an import's):
    yields False if a live run holds it already."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        with _RUNNING_HERE_LOCK:
            held = item_id not in _RUNNING_HERE
            _RUNNING_HERE.add(item_id)
        try:
            yield held
        finally:
            if held:
                with _RUNNING_HERE_LOCK:
                    _RUNNING_HERE.discard(item_id)
        return
    key = lock_key(item_id)
    with engine.connect() as conn:
        try:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait_ms)}ms'")
            conn.scalar(sa.select(sa.func.pg_advisory_lock(key)))
            conn.commit()  # a session lock: it outlives the transaction, until unlocked
            held = True
        except sa.exc.OperationalError:  # lock_timeout: a live run holds it
            conn.rollback()
            held = False
        try:
            yield held
        finally:
            if held:
                try:
                    conn.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
                    conn.commit()
                except sa.exc.DBAPIError:
                    conn.invalidate()  # never back to the pool with the lock held
