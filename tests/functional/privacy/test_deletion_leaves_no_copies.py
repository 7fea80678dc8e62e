"""After an account is deleted, none of its words are left in any file of the instance: the
database, its write-ahead log, stored uploads, exports, the mail folder or logs.

SQLite keeps deleted rows in free pages and the WAL keeps the pages as they were, so this holds
only with ``PRAGMA secure_delete=ON`` (core/db.py) and the checkpoint after the deletion
(privacy/deletion.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.factories import CANARIES, FACTORIES, _model

UPLOAD_CANARY = b"Canaryupload Zq file contents"
LEAVER_EMAIL = "canary-leaver-zq@example.com"
LEAVER_NAME = "Canaryperson Zqleaver"


def _plant(user_id: Any, file_bytes: bytes) -> None:
    """One row in every table the factories know (a table added since then is covered by
    tests/functional/privacy/test_export_and_deletion.py's coverage check), and the files."""
    from minimin.core.storage import storage
    from minimin.extensions import db

    ids: dict[str, Any] = {
        "_file_key": storage().save(file_bytes, "image/png"),
        "_pdf_key": storage().save(b"%PDF-1.7 " + file_bytes, "application/pdf"),
        "_zip_key": storage().save(b"PK\x05\x06" + b"\0" * 18, "application/zip"),
    }
    for table, builder in FACTORIES.items():
        if builder is None:
            continue
        model = _model(table)
        fields = builder(ids, user_id)
        if "user_id" in model.__table__.c:
            fields["user_id"] = user_id
        row = model(**fields)
        db.session.add(row)
        db.session.flush()
        ids[table] = row.id


def _all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _files_holding(root: Path, needles: list[bytes]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _all_files(root):
        data = path.read_bytes()
        hits = [n.decode() for n in needles if n in data]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def test_deleted_account_leaves_no_canary_in_any_file(
    app: Any, client: Any, make_user: Any, login: Any, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the files of the instance are SQLite's; PostgreSQL: docs/privacy.md")
    from minimin.extensions import db
    from minimin.privacy import discovery

    root = Path(app.instance_path).parent  # the database file and the instance folder
    user = make_user(email=LEAVER_EMAIL, full_name=LEAVER_NAME)
    with app.app_context():
        _plant(user.id, UPLOAD_CANARY)
        passkey = discovery.metadata().tables["passkey"]
        db.session.execute(sa.delete(passkey).where(passkey.c.user_id == user.id))
        db.session.commit()
        db.session.remove()
    login(client, user)
    # An export puts a ZIP of everything in storage too.
    assert client.submit("/privacy/export", {}, form_page="/privacy").status_code == 302

    needles = [
        LEAVER_EMAIL.encode(),
        LEAVER_NAME.encode(),
        UPLOAD_CANARY,
        *(CANARIES[k].encode() for k in ("client", "agency", "line", "note", "mail_to")),
    ]
    before = _files_holding(root, needles)
    # The scan can see them: the account's words are on disk before the deletion.
    assert any(UPLOAD_CANARY.decode() in hits for hits in before.values()), before
    assert any(CANARIES["client"] in hits for hits in before.values()), before

    response = client.submit(
        "/privacy/delete",
        {"records": "exported", "confirm": "y", "password": user.plain_password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    # The server keeps running (its connections open, so SQLite's own checkpoint on closing
    # the last connection does not happen): the files must be clean already.
    assert _files_holding(root, needles) == {}


def test_every_sqlite_connection_overwrites_deleted_content(app: Any, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite setting")
    from minimin.extensions import db

    with app.app_context(), db.engine.connect() as first, db.engine.connect() as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
