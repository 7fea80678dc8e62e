"""The data steps of the migration after the journal: what was stored before it follows the new
rules afterwards (supplier bank details sealed, reminder wordings as placeholders, delivered
emails without usable links), on a SQLite database filled at the earlier revision."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.app import create_app
from tests.unit.core.test_migrations import MIGRATIONS, keep_logging  # noqa: F401

BEFORE = "71e23762158a"
ACCOUNT_NUMBER = "31926819"
TOKEN = "Zq7tokenzq7canary7token7zq7live"


def _filler(column: sa.Column[Any]) -> Any:
    """A value for a NOT NULL column the test does not care about."""
    kind = column.type
    if isinstance(kind, sa.Uuid) or column.name == "id" or column.name.endswith("_id"):
        return uuid.uuid4().hex
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Numeric):
        return 0
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2025, 6, 1, 12, 0)
    if isinstance(kind, sa.Date):
        return dt.date(2025, 6, 1)
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def _insert(conn: sa.Connection, table: sa.Table, **values: Any) -> None:
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        values[column.name] = _filler(column)
    conn.execute(table.insert().values(**values))


@pytest.fixture
def app_at_head(tmp_path: Path, keep_logging: None) -> Iterator[Any]:  # noqa: F811
    import flask_migrate

    from minimin.extensions import db

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=tmp_path)
    with app.app_context():
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS), revision=BEFORE)
            with db.engine.begin() as conn:
                _fill_before(conn)
            flask_migrate.upgrade(directory=str(MIGRATIONS))
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _fill_before(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    meta.reflect(conn, only=["user", "invoice", "invoice_reminder_rule", "outbound_email"])
    user_id = uuid.uuid4().hex
    _insert(conn, meta.tables["user"], id=user_id, email="before@example.com")
    snapshot = {
        "business_name": "Before Ltd",
        "bank": {"account_name": "Before Ltd", "sort_code": "200000", "account": ACCOUNT_NUMBER},
    }
    _insert(
        conn,
        meta.tables["invoice"],
        id=uuid.UUID(int=1).hex,
        user_id=user_id,
        status="draft",
        supplier_snapshot=snapshot,
    )
    _insert(
        conn,
        meta.tables["invoice_reminder_rule"],
        id=uuid.UUID(int=2).hex,
        user_id=user_id,
        subject="Invoice {{ number }} is overdue",
        body="Dear {{ customer }},{% for i in range(99) %}{% for j in range(99) %}x"
        "{% endfor %}{% endfor %} please pay.",
    )
    _insert(
        conn,
        meta.tables["outbound_email"],
        id=uuid.UUID(int=3).hex,
        user_id=user_id,
        status="sent",
        to_address="client@example.com",
        text_body=f"Pay here: http://127.0.0.1:5000/pay/{TOKEN}",
        headers=None,
    )


def test_stored_data_follows_the_new_rules(app_at_head: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with db.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT supplier_snapshot FROM invoice")).scalar_one()
        subject, body = conn.execute(
            sa.text("SELECT subject, body FROM invoice_reminder_rule")
        ).one()
        text_body = conn.execute(sa.text("SELECT text_body FROM outbound_email")).scalar_one()
    assert ACCOUNT_NUMBER not in raw  # sealed at rest
    assert "{%" not in body and "{{" not in subject
    assert subject == "Invoice {invoice_number} is overdue"
    assert body.startswith("Dear {client_name},")
    assert TOKEN not in text_body and "/pay/" in text_body
    invoice = db.session.get(Invoice, uuid.UUID(int=1))
    assert invoice is not None and invoice.supplier_snapshot is not None
    assert invoice.supplier_snapshot["bank"]["account"] == ACCOUNT_NUMBER
    assert json.dumps(invoice.supplier_snapshot)  # still a plain mapping for the PDF
