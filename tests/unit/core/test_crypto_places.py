"""Encrypted values are bound to their table, column and row (AES-GCM associated data): a
value copied into another row or column fails to decrypt; values written before the binding
still decrypt and ``minimin rotate-keys`` binds them. Supplier snapshots keep their bank
details encrypted the same way. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from minimin.core.crypto import DecryptionError, keyring
from minimin.core.rotation import encrypted_columns, rotate_all, seal_column

BANK = {"account_name": "Ann Example", "sort_code": "40-47-84", "account_number": "98761234"}


def _users(app: Flask, make_user: Any, count: int) -> list[uuid.UUID]:
    return [make_user().id for _ in range(count)]


def _profiles(app: Flask, user_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    with app.app_context():
        rows = [
            BusinessProfile(
                user_id=u,
                business_name=f"Business {n}",
                bank_iban=f"GB29NWBK6016133192681{n}",
                bank_bic="NWBKGB2L",
            )
            for n, u in enumerate(user_ids)
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
        db.session.remove()
    return ids


def _raw(app: Flask, table: str, column: str, row_id: uuid.UUID) -> str:
    from minimin.extensions import db

    t = db.Model.metadata.tables[table]
    with app.app_context():
        value = db.session.execute(
            sa.select(sa.type_coerce(t.c[column], sa.Text)).where(t.c.id == row_id)
        ).scalar_one()
        db.session.remove()
    return str(value)


def _write_raw(app: Flask, table: str, column: str, row_id: uuid.UUID, value: str) -> None:
    from minimin.extensions import db

    t = db.Model.metadata.tables[table]
    with app.app_context():
        db.session.execute(
            t.update().where(t.c.id == row_id).values({column: sa.literal(value, sa.Text)})
        )
        db.session.commit()
        db.session.remove()


def _load(app: Flask, model: Any, row_id: uuid.UUID, attribute: str) -> Any:
    from minimin.extensions import db

    with app.app_context():
        try:
            return getattr(db.session.get(model, row_id), attribute)
        finally:
            db.session.remove()


def test_a_value_copied_to_another_row_or_column_does_not_decrypt(
    app: Flask, make_user: Any
) -> None:
    from minimin.business.models import BusinessProfile

    first, second = _profiles(app, _users(app, make_user, 2))
    stolen = _raw(app, "business_profile", "bank_iban", first)
    assert stolen.startswith("v2:") and "NWBK" not in stolen
    assert _load(app, BusinessProfile, first, "bank_iban") == "GB29NWBK60161331926810"

    _write_raw(app, "business_profile", "bank_iban", second, stolen)
    with pytest.raises(DecryptionError):
        _load(app, BusinessProfile, second, "bank_iban")
    _write_raw(app, "business_profile", "bank_bic", first, stolen)
    with pytest.raises(DecryptionError):
        _load(app, BusinessProfile, first, "bank_bic")


def test_values_from_before_the_binding_still_decrypt_and_rotation_binds_them(
    app: Flask, make_user: Any
) -> None:
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    first, second = _profiles(app, _users(app, make_user, 2))
    with app.app_context():
        legacy = keyring().encrypt("GB00LEGACY0000000000")  # no associated data: v1
    assert legacy.startswith("v1:")
    _write_raw(app, "business_profile", "bank_iban", first, legacy)
    assert _load(app, BusinessProfile, first, "bank_iban") == "GB00LEGACY0000000000"

    with app.app_context():
        table = db.Model.metadata.tables["business_profile"]
        targets = [c for c in encrypted_columns(db.Model.metadata) if c.table is table]
        counts = rotate_all(db.engine, keyring(), targets)
    assert counts["business_profile.bank_iban"] == 1
    bound = _raw(app, "business_profile", "bank_iban", first)
    assert bound.startswith("v2:")
    assert _load(app, BusinessProfile, first, "bank_iban") == "GB00LEGACY0000000000"
    _write_raw(app, "business_profile", "bank_iban", second, bound)
    with pytest.raises(DecryptionError):
        _load(app, BusinessProfile, second, "bank_iban")


def _invoices(app: Flask, user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        rows = [
            Invoice(
                user_id=user_id,
                customer_name="Acme",
                supplier_snapshot={"name": "Ann", "vat_registered": False, "bank": dict(BANK)},
            )
            for _ in range(count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
        db.session.remove()
    return ids


def test_snapshot_bank_details_are_encrypted_and_bound(app: Flask, make_user: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    [user] = _users(app, make_user, 1)
    first, second = _invoices(app, user, 2)
    raw = _raw(app, "invoice", "supplier_snapshot", first)
    assert "98761234" not in raw and "40-47-84" not in raw
    stored = json.loads(raw)
    assert stored["name"] == "Ann" and stored["bank"].startswith("v2:")
    assert _load(app, Invoice, first, "supplier_snapshot")["bank"] == BANK

    _write_raw(app, "invoice", "supplier_snapshot", second, raw)
    with pytest.raises(DecryptionError):
        _load(app, Invoice, second, "supplier_snapshot")

    # A snapshot from before the encryption (bank details in clear) still reads, and the
    # migration's seal_column encrypts it in place.
    clear = json.dumps({"name": "Ann", "vat_registered": False, "bank": BANK})
    _write_raw(app, "invoice", "supplier_snapshot", second, clear)
    assert _load(app, Invoice, second, "supplier_snapshot")["bank"] == BANK
    with app.app_context(), db.engine.begin() as conn:
        sealed = seal_column(
            conn, db.Model.metadata.tables["invoice"], "supplier_snapshot", keyring()
        )
    assert sealed == 1
    assert "98761234" not in _raw(app, "invoice", "supplier_snapshot", second)
    assert _load(app, Invoice, second, "supplier_snapshot")["bank"] == BANK
    # A JSON null, as the JSON column stored None before, reads as None.
    _write_raw(app, "invoice", "supplier_snapshot", second, "null")
    assert _load(app, Invoice, second, "supplier_snapshot") is None
