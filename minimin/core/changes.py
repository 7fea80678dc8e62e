"""Change counters: a number per user and kind of record that goes up with every committed
change, so figures computed over many rows (the counts and ageing above the invoice list, the
count and gross of a job list) can be kept and reused until the rows behind them change.

A feature declares which models feed a kind (:func:`track`). Every flush notes the users whose
rows of a tracked model were added, changed or deleted; just before the transaction commits,
their counters are raised in one statement each, in a fixed order (so two transactions never
wait on each other's counters) and after everything else the transaction does (so no other
lock is awaited while a counter is held). The counter commits with the rows, or not at all.

:func:`cached` reads the counter, then reuses a value computed under the same counter or
computes it afresh. Reading the counter before computing keeps this sound under concurrent
writers: a value computed after the counter was read is at least as new as that counter, and a
change committed later raises it, so the next read misses.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from cachetools import LRUCache
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from minimin.core.db import Base, UUIDPrimaryKey

T = TypeVar("T")

#: session.info key: the (user id, kind) pairs whose counters this transaction raises.
_CHANGED_KEY = "minimin_changed_kinds"
#: session.info key: the counters this transaction has read, by user.
_READ_KEY = "minimin_read_counters"
#: Values kept per process; the least recently used go first.
CACHE_SIZE = 4096

_tracked: dict[type, str] = {}
#: The accounts table, named here because core imports no feature package.
_USERS = sa.table("user", sa.column("id", sa.Uuid()))


class ChangeCounter(UUIDPrimaryKey, Base):
    __tablename__ = "change_counter"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def track(model: type, kind: str) -> None:
    """Count every change to *model*'s rows (which carry ``user_id``) under *kind*."""
    _tracked[model] = kind


def counter(session: Session | Any, user_id: uuid.UUID, kind: str) -> int:
    """The committed counter of *user_id*'s records of *kind* (0 before any change), as this
    transaction first read it."""
    return counters(session, user_id).get(kind, 0)


def counters(session: Session | Any, user_id: uuid.UUID) -> dict[str, int]:
    """All of *user_id*'s committed counters by kind, read in one statement the first time a
    transaction asks (a page that keeps several figures pays one round trip for all of them).
    Later reads in the same transaction reuse it: a value kept under an older counter is still
    as new as that counter, and changes of this transaction's own are never served from the
    cache (see :func:`cached`)."""
    read: dict[uuid.UUID, dict[str, int]] = session.info.setdefault(_READ_KEY, {})
    if user_id not in read:
        rows = session.execute(
            sa.select(ChangeCounter.kind, ChangeCounter.value).where(
                ChangeCounter.user_id == user_id
            )
        )
        read[user_id] = {kind: int(value) for kind, value in rows}
    return read[user_id]


class _Cache:
    """Values by key, each with the counter it was computed under; the least recently used go
    first. Shared by the threads of one process."""

    def __init__(self, size: int) -> None:
        self._items: LRUCache[Hashable, tuple[int, Any]] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int) -> tuple[bool, Any]:
        with self._lock:
            item = self._items.get(key)
        if item is None or item[0] != version:
            return False, None
        return True, item[1]

    def put(self, key: Hashable, version: int, value: Any) -> None:
        with self._lock:
            self._items[key] = (version, value)


_cache = _Cache(CACHE_SIZE)


def cached(
    session: Session | Any,
    user_id: uuid.UUID,
    kind: str,
    key: Hashable,
    compute: Callable[[], T],
) -> T:
    """*compute()*, or the value it gave for the same *key* while *user_id*'s records of
    *kind* have not changed since. The value is shared: callers must not modify it. While this
    session holds changes of its own to those records (not yet committed, so not yet counted),
    the value is computed afresh and not kept."""
    if _changing(session, user_id, kind):
        return compute()
    version = counter(session, user_id, kind)
    full_key = (kind, user_id, key)
    found, value = _cache.get(full_key, version)
    if found:
        return value
    computed = compute()
    _cache.put(full_key, version, computed)
    return computed


def versions(session: Session | Any, user_id: uuid.UUID) -> tuple[tuple[str, int], ...] | None:
    """Every committed counter of *user_id*, as a key for something that depends on any of
    their tracked records; None while *session* holds changes of its own to any of them (what
    depends on those must be computed afresh)."""
    if _changing(session, user_id, None):
        return None
    return tuple(sorted(counters(session, user_id).items()))


def changing(session: Session | Any, user_id: uuid.UUID, kind: str) -> bool:
    """Whether *session* holds changes of its own to *user_id*'s records of *kind*, not yet
    counted: a figure that also depends on them must be computed afresh."""
    return _changing(session, user_id, kind)


def _changing(session: Session | Any, user_id: uuid.UUID, kind: str | None) -> bool:
    """Whether *session* has changed, or is about to flush changes to, *user_id*'s records of
    *kind* (of any tracked kind: None) in its current transaction."""
    if any(
        owner == user_id and kind in (None, changed)
        for owner, changed in session.info.get(_CHANGED_KEY, ())
    ):
        return True
    pending = (*session.new, *session.deleted, *session.dirty)
    return any(
        getattr(obj, "user_id", None) == user_id
        and (_tracked.get(type(obj)) == kind if kind else type(obj) in _tracked)
        for obj in pending
    )


# --------------------------------------------------------------------------- session events


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, flush_context: Any, instances: Any) -> None:
    if not _tracked:
        return
    changed: set[tuple[uuid.UUID, str]] = session.info.setdefault(_CHANGED_KEY, set())
    for obj in (*session.new, *session.deleted):
        kind = _tracked.get(type(obj))
        if kind is not None and obj.user_id is not None:
            changed.add((obj.user_id, kind))
    for obj in session.dirty:
        kind = _tracked.get(type(obj))
        if kind is not None and session.is_modified(obj, include_collections=False):
            changed.add((obj.user_id, kind))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: ORMExecuteState) -> None:
    """Statements that change tracked rows without loading them (``session.execute(insert(
    Job), rows)``, ``update(Invoice).where(...)``) are noted too: an insert by the ``user_id``
    of its rows, an update or delete by the users whose rows its WHERE clause selects (read
    first; such statements are rare and never on a page's hot path)."""
    if not (_tracked and (state.is_insert or state.is_update or state.is_delete)):
        return
    mapper = state.bind_mapper
    kind = _tracked.get(mapper.class_) if mapper is not None else None
    if mapper is None or kind is None:
        return
    changed: set[tuple[uuid.UUID, str]] = state.session.info.setdefault(_CHANGED_KEY, set())
    changed.update((user_id, kind) for user_id in _bulk_owners(state, mapper.local_table))


def _bulk_owners(state: ORMExecuteState, table: Any) -> set[uuid.UUID]:
    params = state.parameters
    if state.is_insert:
        rows: list[Any] = list(params) if isinstance(params, list) else [params or {}]
        owners = {row.get("user_id") for row in rows}
        if None in owners:
            raise ValueError(f"an insert into {table.name} must give each row's user_id")
        return {owner for owner in owners if owner is not None}
    query = sa.select(table.c.user_id).distinct()
    if isinstance(params, list):  # an update by primary key, one parameter set per row
        query = query.where(table.c.id.in_([row["id"] for row in params]))
    elif getattr(state.statement, "whereclause", None) is not None:
        # Checked with getattr just above.
        query = query.where(state.statement.whereclause)  # type: ignore[attr-defined]
    return set(state.session.execute(query).scalars())


@event.listens_for(Session, "before_commit")
def _raise_counters(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction raises them when it commits
    session.flush()  # note what is still pending
    changed = session.info.pop(_CHANGED_KEY, None)
    if not changed:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for user_id, kind in sorted(changed, key=lambda pair: (str(pair[0]), pair[1])):
        # Selected from the user's row, so an account deleted in this transaction gets none.
        first = sa.select(
            sa.literal(uuid.uuid4(), sa.Uuid()), _USERS.c.id, sa.literal(kind), sa.literal(1)
        ).where(_USERS.c.id == user_id)
        statement = insert(ChangeCounter).from_select(["id", "user_id", "kind", "value"], first)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[ChangeCounter.user_id, ChangeCounter.kind],
                set_={"value": ChangeCounter.value + 1},
            )
        )


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(session: Session, transaction: Any) -> None:
    # Only when the whole transaction ends: a rolled-back savepoint keeps what the outer
    # transaction changed (and what it undid raises a counter for nothing, which is harmless).
    if transaction.parent is None:
        session.info.pop(_CHANGED_KEY, None)
        session.info.pop(_READ_KEY, None)
