"""``minimin backup`` then ``minimin restore`` into a fresh database and storage folder gives the
same pages, the same report figures and the same files (SHA-256), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from minimin.app import create_app
from minimin.core.backup import BackupError, backup, read_manifest, restore
from tests import factories
from tests.conftest import PG_ADMIN_URL, Client

PAGES = (
    "/",
    "/invoices",
    "/jobs",
    "/remittances",
    "/reports/profit-and-loss",
    "/reports/profit-and-loss.csv",
    "/reports/income-by-client.csv",
    "/reports/tax-year",
)
#: What differs between two renderings of the same data: CSRF tokens and CSP nonces.
_VOLATILE = re.compile(rb'(value|nonce|content)="[A-Za-z0-9_\-.=+/]{20,}"')


def fill(user_id: uuid.UUID, file_bytes: bytes = b"\x89PNG canary") -> None:
    """A row in every table tests/factories.py knows, and stored files (build_full_account
    without its coverage check: a table added by another feature need not stop this test)."""
    from minimin.core.storage import storage
    from minimin.extensions import db

    ids: dict[str, Any] = {
        "_file_key": storage().save(file_bytes, "image/png"),
        "_pdf_key": storage().save(b"%PDF-1.7 canary", "application/pdf"),
        "_zip_key": storage().save(b"PK\x05\x06" + b"\0" * 18, "application/zip"),
    }
    for table, builder in factories.FACTORIES.items():
        if builder is None:
            continue
        model = factories._model(table)
        fields = builder(ids, user_id)
        if "user_id" in model.__table__.c:
            fields["user_id"] = user_id
        row = model(**fields)
        db.session.add(row)
        db.session.flush()
        ids[table] = row.id
    db.session.commit()


def pages_of(client: Client) -> dict[str, bytes]:
    seen = {}
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.headers.get("Location"))
        seen[path] = _VOLATILE.sub(rb'\1="-"', response.get_data())
    return seen


def files_of(app: Flask) -> dict[str, str]:
    """Every stored file's key -> SHA-256 of its bytes as read back from storage."""
    from minimin.core.storage import storage
    from minimin.extensions import db

    with app.app_context():
        keys = db.session.scalars(sa.text("SELECT storage_key FROM stored_file")).all()
        return {k: hashlib.sha256(storage().read(k)).hexdigest() for k in keys}


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Any:
    """An empty database of the same kind as the test's, with no schema at all."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"minimin_restore_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_backup_and_restore_give_the_same_pages_figures_and_files(
    app: Flask, client: Client, make_user: Any, login: Any, tmp_path: Path, fresh_database: str
) -> None:
    from minimin.core.storage import storage
    from minimin.extensions import db

    user = make_user()
    with app.app_context():
        fill(user.id, file_bytes=b"\x89PNG canary " + uuid.uuid4().bytes)
    login(client, user)
    skipped = client.submit("/settings/business/setup/skip", form_page="/settings/business/setup")
    assert skipped.status_code == 302
    client.get(skipped.headers["Location"])  # shows (and so drops) the "setup skipped" notice
    before = pages_of(client)
    files_before = files_of(app)
    assert len(files_before) >= 1

    # The command itself, as an operator runs it.
    runner = CliRunner()
    with app.app_context():
        from minimin.core.backup import backup_command

        result = runner.invoke(backup_command, [str(tmp_path / "backup")], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    manifest = read_manifest(tmp_path / "backup")
    stored = [name for name in manifest.files if name.startswith("files/")]
    assert {Path(k).name for k in files_before} <= {Path(n).name for n in stored}

    target_instance = tmp_path / "restored-instance"
    config = {"SQLALCHEMY_DATABASE_URI": fresh_database, "MINIMIN_ANSWER_DELAY_SCALE": 0.0}
    empty = create_app(config, mode="testing", instance_path=target_instance)
    with empty.app_context():
        restore(
            tmp_path / "backup",
            engine=db.engine,
            files=storage(),
            instance_path=Path(empty.instance_path),
        )
        db.engine.dispose()
    # A new start of the restored instance (it reads the restored keys).
    restored = create_app(config, mode="testing", instance_path=target_instance)
    restored.test_client_class = Client
    restored_client = restored.test_client()
    login(restored_client, user)
    assert pages_of(restored_client) == before
    assert files_of(restored) == files_before
    with restored.app_context():
        db.engine.dispose()


def _script_info(app: Flask) -> Any:
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_a_damaged_backup_is_refused_before_anything_changes(
    app: Flask, make_user: Any, tmp_path: Path
) -> None:
    from minimin.core.storage import storage
    from minimin.extensions import db

    user = make_user()
    with app.app_context():
        fill(user.id)
        manifest = backup(
            tmp_path / "b", engine=db.engine, files=storage(), instance_path=Path(app.instance_path)
        )
        [name] = [n for n in manifest.files if n.startswith("files/")][:1]
        (tmp_path / "b" / name).write_bytes(b"changed")
        with pytest.raises(BackupError, match="damaged"):
            restore(
                tmp_path / "b",
                engine=db.engine,
                files=storage(),
                instance_path=Path(app.instance_path),
            )
        assert db.session.scalar(sa.text("SELECT count(*) FROM stored_file")) >= 1
        with pytest.raises(BackupError, match="not empty"):
            backup(tmp_path / "b", engine=db.engine, files=storage(), instance_path=tmp_path)
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["format"] == 1
