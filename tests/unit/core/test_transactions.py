"""Nested transactions: an outer rollback leaves nothing that was written inside a savepoint.

Python's sqlite3 module (below 3.12) manages transactions itself and opens none for SAVEPOINT,
so releasing a savepoint used to commit everything; ``minimin/core/db.py`` hands transaction
control back to SQLAlchemy. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

PROBE = sa.Table(
    "savepoint_probe",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("note", sa.Text, nullable=False),
)


def _count(db: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(PROBE)).scalar_one())


def _create(db: Any) -> None:
    with db.engine.begin() as conn:
        PROBE.create(conn, checkfirst=True)


def test_outer_rollback_undoes_a_released_savepoint(db: Any) -> None:
    _create(db)
    # The savepoint comes first: the driver then had no transaction open around it.
    with db.session.begin_nested():
        db.session.execute(PROBE.insert().values(note="inner"))
    db.session.execute(PROBE.insert().values(note="outer"))
    db.session.rollback()
    assert _count(db) == 0


def test_outer_rollback_after_reading_first(db: Any) -> None:
    _create(db)
    db.session.execute(sa.select(PROBE.c.id)).all()
    with db.session.begin_nested():
        db.session.execute(PROBE.insert().values(note="inner"))
    db.session.rollback()
    assert _count(db) == 0


def test_a_rolled_back_savepoint_keeps_the_outer_work(db: Any) -> None:
    _create(db)
    db.session.execute(PROBE.insert().values(note="outer"))
    savepoint = db.session.begin_nested()
    db.session.execute(PROBE.insert().values(note="inner"))
    savepoint.rollback()
    db.session.commit()
    assert _count(db) == 1


def test_nothing_is_visible_to_others_before_commit(db: Any) -> None:
    _create(db)
    with db.session.begin_nested():
        db.session.execute(PROBE.insert().values(note="inner"))
    assert _count(db) == 0
    db.session.commit()
    assert _count(db) == 1


def test_a_failed_statement_rolls_back_with_its_transaction(db: Any) -> None:
    _create(db)
    with db.engine.connect() as conn:
        conn.execute(PROBE.insert().values(id=1, note="first"))
        try:
            with conn.begin_nested():
                conn.execute(PROBE.insert().values(id=1, note="duplicate"))
        except sa.exc.IntegrityError:
            pass
        conn.rollback()
    assert _count(db) == 0


def test_transactions_that_read_first_wait_for_each_other(db: Any) -> None:
    """Sessions that read and then write at the same moment queue behind one another on
    SQLite (one writer) rather than fail with "database is locked"."""
    import threading

    _create(db)
    engine = db.engine
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def read_then_write(n: int) -> None:
        try:
            with sa.orm.Session(engine) as session:
                session.execute(sa.select(sa.func.count()).select_from(PROBE)).scalar_one()
                barrier.wait(timeout=30)
                session.execute(PROBE.insert().values(note=f"writer {n}"))
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read_then_write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert _count(db) == 4
