"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and there is one head. (The test fixtures build their schema from the models; this test is what
keeps the migrations honest.)"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from minimin.app import create_app
from tests.conftest import PG_ADMIN_URL, service_missing

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """Alembic's env.py calls logging.fileConfig, which disables every existing logger; put
    them back so that later tests in this process still see their logs."""
    manager = logging.Logger.manager
    before = {
        name: logger.disabled
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root_level = logging.getLogger().level
    yield
    for name, disabled in before.items():
        logger = manager.loggerDict.get(name)
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled
    logging.getLogger().setLevel(root_level)


def _upgrade_and_compare(url: str, instance: Path) -> list:
    import flask_migrate

    from minimin.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
    with app.app_context():
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS))
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": False}
                )
                return list(compare_metadata(context, db.Model.metadata))
        finally:
            db.session.remove()
            db.engine.dispose()


def _describe(item: object) -> str:
    """One line per difference, e.g. ``add column user.locked_until``."""
    if isinstance(item, list):  # column modifications come grouped per column
        return "; ".join(_describe(sub) for sub in item)
    assert isinstance(item, tuple)
    op = item[0]
    if op in ("add_table", "remove_table"):
        return f"{op.replace('_', ' ')} {item[1].name}"
    if op in ("add_column", "remove_column"):
        return f"{op.replace('_', ' ')} {item[2]}.{item[3].name}"
    if op in ("add_index", "remove_index"):
        index = item[1]
        columns = ", ".join(c.name for c in index.columns)
        return f"{op.replace('_', ' ')} {index.name} on {index.table.name}({columns})"
    if op in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        constraint = item[1]
        return f"{op.replace('_', ' ')} {constraint.name} on {constraint.table.name}"
    if op.startswith("modify_"):
        _, _, table, column, _, old, new = item
        what = op.replace("_", " ")
        return f"{what} {table}.{column}: {old!r} in the database, {new!r} in the models"
    return repr(item)


def _explain(diff: list) -> str:
    lines = "\n".join(f"  - {_describe(item)}" for item in diff)
    return (
        f"The models and the migrations differ in {len(diff)} place(s); regenerate the "
        f"migrations (`minimin db migrate -m ...`) and review them:\n{lines}"
    )


def test_migrations_match_the_models_on_sqlite(tmp_path: Path, keep_logging: None) -> None:
    diff = _upgrade_and_compare(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path / "inst")
    assert diff == [], _explain(diff)


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(tmp_path: Path, keep_logging: None) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"minimin_migrations_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        admin.dispose()
        service_missing("PostgreSQL at 127.0.0.1:5432")
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        diff = _upgrade_and_compare(url, tmp_path / "inst")
        assert diff == [], _explain(diff)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_migrations_have_one_head() -> None:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads} (merge them)"
