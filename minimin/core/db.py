"""Database foundations: the typed declarative base, common columns and the request transaction.

Rules (docs/design-rules.md, rule 3): one transaction per request, committed once by the
framework and
rolled back on any error; services add and flush, never commit. Work that must happen only once
the data is durable (enqueueing a background job, deleting a file) is registered with
:func:`after_commit` and runs after the commit succeeded; it is dropped on rollback.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    registry,
    scoped_session,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC: the only way timestamps are made."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no timezone type, so values are normalised to naive UTC on the way in and marked
    UTC on the way out; PostgreSQL stores ``timestamptz``. Naive datetimes are refused: a naive
    value is ambiguous, and an ambiguous timestamp in financial records is a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """The typed declarative base every model derives from.

    Models subclass ``db.Model`` (Flask-SQLAlchemy's subclass of this base, sharing its
    registry): mypy cannot take an instance attribute as a base class, so each model's class
    line carries ``# type: ignore[name-defined]`` for that reason alone (docs/design-rules.md,
    "Types"). Their columns are typed all the same (``Mapped[...]`` on the mixins and models).
    """

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), uuid.UUID: sa.Uuid(), int: sa.Integer()},
    )


class UUIDPrimaryKey:
    """An opaque, unguessable primary key (docs/design-rules.md, rule 4: URLs never carry
    sequences)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    """Creation and update times, in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UserOwned:
    """A row that belongs to one user: tenancy is by ``user_id`` on every such table."""

    @declared_attr
    def user_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
        )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for concurrent readers, a busy timeout for writers, enforced foreign keys, deleted
    content overwritten, and transactions opened here rather than by the driver."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not left in free pages (docs/privacy.md).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # Python's sqlite3 module (below 3.12) opens transactions itself, before an INSERT, UPDATE
    # or DELETE but not before SAVEPOINT: a savepoint that came first started a transaction
    # that its RELEASE committed, and the outer rollback then undid nothing. The driver is
    # told to stay out of it; ``_sqlite_begin_before_writing`` opens the transaction instead.
    dbapi_connection.isolation_level = None


_READS = ("SELECT", "PRAGMA")


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_begin_before_writing(
    conn: sa.Connection, cursor: Any, statement: str, *args: Any
) -> None:
    """Open SQLite's transaction before the first statement that is not a read.

    Reads before it run on their own, as the driver used to run them: a transaction that read
    first and wrote later would hold an old snapshot and fail ("database is locked") as soon as
    another request committed, where it should wait its turn. ``BEGIN IMMEDIATE`` takes the
    write lock at once, so a concurrent writer waits (``busy_timeout``) instead of failing, and
    a SAVEPOINT always sits inside a transaction that only the outer COMMIT ends.
    """
    if conn.dialect.name != "sqlite" or conn.dialect.driver != "pysqlite":
        return
    driver = conn.connection.driver_connection
    if driver is None or driver.in_transaction:
        return
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    if not conn.in_transaction() or statement.lstrip()[:6].upper().startswith(_READS):
        return
    driver.execute("BEGIN IMMEDIATE")


_AFTER_COMMIT_KEY = "minimin_after_commit"

#: A plain session or Flask-SQLAlchemy's scoped ``db.session``.
AnySession = Session | scoped_session[Any]


def after_commit(session: AnySession, callback: Callable[[], Any]) -> None:
    """Run *callback* once the session's current transaction has committed.

    Used to enqueue background jobs (they must see the committed rows) and to remove files
    whose rows were deleted. Dropped if the transaction rolls back.
    """
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


def commit(session: AnySession) -> None:
    """Commit the unit of work, then run what was registered with :func:`after_commit`."""
    session.commit()
    run_after_commit(session)


def run_after_commit(session: AnySession) -> None:
    callbacks = session.info.pop(_AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        callback()


def nothing_to_commit(session: AnySession) -> bool:
    """Whether *session* neither began a transaction nor holds work for after a commit (a
    request that never touched the database, such as the sign-in page): committing would only
    begin and end an empty transaction."""
    plain = session() if isinstance(session, scoped_session) else session
    return not plain.in_transaction() and not plain.info.get(_AFTER_COMMIT_KEY)


def rollback(session: AnySession) -> None:
    """Roll back and forget what was to run after the commit."""
    session.info.pop(_AFTER_COMMIT_KEY, None)
    session.rollback()
