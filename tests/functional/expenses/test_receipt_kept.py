"""A receipt chosen with an expense form that comes back (a warning to confirm, a field to
correct) is kept: saving the form again attaches it, without choosing the file twice. The kept
receipt belongs to its user alone and expires."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from minimin.expenses.models import Expense, ExpenseReceipt, PendingReceipt
from minimin.files.models import StoredFile
from tests.functional.expenses.conftest import expense_form, png_bytes

WARNED = {"supplier": "Zara", "description": "Black dress for shoot", "category": "other"}


def _post(client: Any, data: dict[str, Any]) -> Any:
    data = {**data, "csrf_token": client.csrf_token("/expenses/new")}
    return client.post("/expenses/new", data=data, content_type="multipart/form-data")


def _kept_id(page: str) -> str:
    match = re.search(r'name="pending_receipt" type="hidden" value="([^"]+)"', page) or re.search(
        r'type="hidden" name="pending_receipt" value="([^"]+)"', page
    )
    assert match, "no kept receipt in the form"
    return match.group(1)


def _count(app: Any, model: Any) -> int:
    from minimin.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_receipt_survives_the_warning_round_trip(app: Any, signed_in: Any) -> None:
    first = _post(signed_in, expense_form(**WARNED, receipt=(io.BytesIO(png_bytes()), "dress.png")))
    assert first.status_code == 422
    page = first.get_data(as_text=True)
    assert "Clothing is usually not allowable" in page
    assert "Receipt kept: dress.png" in page
    kept = _kept_id(page)
    assert _count(app, Expense) == 0 and _count(app, PendingReceipt) == 1

    # Confirmed, without choosing the file again: the receipt is on the expense.
    second = _post(signed_in, expense_form(**WARNED, confirm_warnings="y", pending_receipt=kept))
    assert second.status_code == 302, second.get_data(as_text=True)[:2000]
    from minimin.extensions import db

    with app.app_context():
        receipt = db.session.scalar(sa.select(ExpenseReceipt))
        assert receipt is not None
        assert db.session.get(StoredFile, receipt.file_id).filename == "dress.png"
    assert _count(app, PendingReceipt) == 0


def test_a_field_error_keeps_the_receipt_too(app: Any, signed_in: Any) -> None:
    first = _post(signed_in, expense_form(amount="", receipt=(io.BytesIO(png_bytes()), "taxi.png")))
    assert first.status_code == 400
    kept = _kept_id(first.get_data(as_text=True))
    second = _post(signed_in, expense_form(pending_receipt=kept))
    assert second.status_code == 302
    assert _count(app, ExpenseReceipt) == 1


def test_another_users_or_an_expired_receipt_is_not_attached(
    app: Any, client: Any, signed_in: Any, intruder: Any, login: Any
) -> None:
    first = _post(signed_in, expense_form(**WARNED, receipt=(io.BytesIO(png_bytes()), "dress.png")))
    kept = _kept_id(first.get_data(as_text=True))

    other = app.test_client()
    login(other, intruder)
    response = _post(other, expense_form(pending_receipt=kept))
    assert response.status_code == 400
    assert "attached before has expired" in response.get_data(as_text=True)
    assert _count(app, Expense) == 0 and _count(app, ExpenseReceipt) == 0

    from minimin.core.db import commit, utcnow
    from minimin.expenses import pending
    from minimin.extensions import db

    with app.app_context():
        row = db.session.scalar(sa.select(PendingReceipt))
        row.expires_at = utcnow() - timedelta(minutes=1)
        commit(db.session)
    response = _post(signed_in, expense_form(**WARNED, confirm_warnings="y", pending_receipt=kept))
    assert response.status_code == 400
    assert "attached before has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert pending.purge_expired() == 1
        commit(db.session)
    assert _count(app, PendingReceipt) == 0 and _count(app, StoredFile) == 0
