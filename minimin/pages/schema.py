"""Is the database at the newest migration? Asked by the health check and ``minimin serve``.

A database a migration behind the code answers every page that touches a new column with an
error, while ``SELECT 1`` still succeeds: the health check must compare the revision Alembic
recorded (``alembic_version``) with the newest one in ``migrations/``. The newest revision is
read from the files once per process; a database found current is remembered (a schema does
not move backwards under a running process), so a healthy instance pays one set lookup.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.orm import Session, scoped_session

_current: set[str] = set()  # database URLs found at the newest revision


@cache
def _heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


def migration_heads(app: Flask) -> frozenset[str]:
    """The newest revision(s) in the application's migrations folder (Flask-Migrate's)."""
    return _heads(os.path.abspath(app.extensions["migrate"].directory))


def database_revisions(session: Session | scoped_session[Any]) -> frozenset[str]:
    """The revisions the database records; empty when it was never migrated."""
    try:
        rows = session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
        return frozenset(rows)
    except sa.exc.SQLAlchemyError:  # no alembic_version table: never migrated
        session.rollback()
        return frozenset()


def schema_checked(app: Flask) -> bool:
    """Tests build their schema from the models without Alembic: they opt in."""
    return bool(app.config.get("MINIMIN_SCHEMA_CHECK", app.config["MINIMIN_MODE"] != "testing"))


def schema_is_current(app: Flask, session: Session | scoped_session[Any]) -> bool:
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if url in _current or not schema_checked(app):
        return True
    if database_revisions(session) != migration_heads(app):
        return False
    _current.add(url)
    return True


def database_health(app: Flask) -> str | None:
    """What is wrong with the database, in words for the health check; None when it answers
    and its schema is the code's."""
    from minimin.core import db as core_db
    from minimin.extensions import db

    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        core_db.rollback(db.session)
        return "unreachable"
    if not schema_is_current(app, db.session):
        # Reachable but behind the code: pages touching newer tables would fail.
        return "schema behind migrations: run `minimin db upgrade`"
    return None
