"""The data steps of the migrations: what was stored before follows the new rules afterwards
(after the journal: supplier bank details sealed, reminder wordings as placeholders, delivered
emails without usable links, on SQLite; after the Self Assessment inputs: a car bought this
year moved into the kept cars and equipment, on both databases), each on a database filled
at the earlier revision."""

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
from tests.conftest import BACKENDS
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


# --------------------------------------------------------------------------- kept cars

CARS_BEFORE = "99548f2f54c7"


@pytest.fixture(params=BACKENDS)
def cars_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL of each backend (a PostgreSQL one is dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cars.sqlite3'}"
        return
    from tests.conftest import PG_ADMIN_URL, service_missing

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"minimin_cars_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        admin.dispose()
        service_missing("PostgreSQL at 127.0.0.1:5432")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _fill_cars(conn: sa.Connection) -> uuid.UUID:
    """One owner: a 2025/26 car entered on the year's form, a 2024/25 year with no car, and a
    2023/24 car entered both on the form and in the kept list (it must not double)."""
    meta = sa.MetaData()
    meta.reflect(conn, only=["user", "other_income", "capital_asset"])
    user_id = uuid.uuid4()
    user, income, assets = (meta.tables[n] for n in ("user", "other_income", "capital_asset"))
    # Reflected UUID columns are plain text on SQLite: give them what the models would store.
    key = user_id.hex if conn.dialect.name == "sqlite" else user_id
    _insert(conn, user, id=key, email="cars@example.com")
    for year, cost, co2, new, percent in (
        (2025, 2_000_000, 45, False, 60),
        (2024, 0, None, True, 100),
        (2023, 1_200_000, 120, True, 100),
    ):
        row = uuid.uuid4()
        _insert(
            conn,
            income,
            id=row.hex if conn.dialect.name == "sqlite" else row,
            user_id=key,
            tax_year=year,
            car_cost_pence=cost,
            car_co2_g_km=co2,
            car_new=new,
            car_business_percent=percent,
        )
    kept = uuid.uuid4()
    _insert(
        conn,
        assets,
        id=kept.hex if conn.dialect.name == "sqlite" else kept,
        user_id=key,
        description="Van",
        kind="car",
        cost_pence=1_200_000,
        co2_g_km=120,
        new=True,
        business_percent=100,
        bought_tax_year=2023,
        disposal_proceeds_pence=0,
    )
    return user_id


def test_a_car_bought_this_year_becomes_a_kept_asset(
    cars_url: str,
    tmp_path: Path,
    keep_logging: None,  # noqa: F811
) -> None:
    """The old one-car fields of the year's Self Assessment inputs arrive as a kept asset of
    that tax year (cost, CO2, new, business share), once; the columns are gone."""
    import flask_migrate

    from minimin.extensions import db
    from minimin.reports.tax_models import CapitalAsset

    app = create_app({"SQLALCHEMY_DATABASE_URI": cars_url}, mode="testing", instance_path=tmp_path)
    with app.app_context():
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS), revision=CARS_BEFORE)
            with db.engine.begin() as conn:
                user_id = _fill_cars(conn)
            flask_migrate.upgrade(directory=str(MIGRATIONS))
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("other_income")}
            assets = db.session.scalars(
                sa.select(CapitalAsset).order_by(CapitalAsset.bought_tax_year)
            ).all()
        finally:
            db.session.remove()
            db.engine.dispose()
    assert not {c for c in columns if c.startswith("car_")}
    assert [(a.bought_tax_year, a.cost_pence) for a in assets] == [
        (2023, 1_200_000),
        (2025, 2_000_000),
    ]
    moved = assets[1]
    assert moved.user_id == user_id and moved.kind == "car" and moved.description == ""
    assert (moved.co2_g_km, moved.new, moved.business_percent) == (45, False, 60)
    assert moved.disposed_tax_year is None and moved.disposal_proceeds_pence == 0
