"""Amounts on the AI review forms are read by the core money field: what people type is
accepted, hostile text is refused with a specific message on its field, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.functional.ai.conftest import give


def _count(db: Any, table: str) -> int:
    return int(db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar())  # noqa: S608


def _receipt(client: Any, **amounts: str) -> Any:
    data = {"supplier": "Corner Stationers Ltd", "date": "2026-03-14", "category": "office"}
    return client.submit("/ai/documents/receipt", {**data, **amounts}, form_page="/ai/documents")


@pytest.mark.parametrize(
    ("total", "vat", "pence", "vat_pence"),
    [("£1,200.50", "200.08", 120050, 20008), ("1,200", "", 120000, 0)],
)
def test_a_receipt_total_is_read_as_people_type_it(
    no_remote: None, user_client: Any, db: Any, total: str, vat: str, pence: int, vat_pence: int
) -> None:
    give(user_client, "ai_documents")
    response = _receipt(user_client, total=total, vat=vat)
    assert response.status_code == 302
    row = db.session.execute(sa.text("SELECT amount_pence, vat_pence FROM expense")).one()
    assert tuple(row) == (pence, vat_pence)


@pytest.mark.parametrize(
    ("total", "message"),
    [
        ("NaN", "not NaN or infinity"),
        ("Infinity", "not NaN or infinity"),
        ("1e5", "without an exponent"),
        ("١٢", "in figures"),
        ("9" * 30, "no larger than"),
        ("12.345", "decimal places"),
        ("", "Enter the total."),
    ],
)
def test_a_hostile_receipt_total_is_refused_on_its_field(
    no_remote: None, user_client: Any, db: Any, total: str, message: str
) -> None:
    give(user_client, "ai_documents")
    response = _receipt(user_client, total=total, vat="0")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert _count(db, "expense") == 0


def test_a_hostile_day_fee_is_refused_and_no_job_is_made(
    no_remote: None, user_client: Any, db: Any
) -> None:
    give(user_client, "ai_documents")
    response = user_client.submit(
        "/ai/documents/booking",
        {"title": "Spring campaign", "start_date": "2026-03-03", "fee": "sNaN"},
        form_page="/ai/documents",
    )
    assert response.status_code == 400
    assert "not NaN or infinity" in response.get_data(as_text=True)
    assert _count(db, "job") == 0

    fine = user_client.submit(
        "/ai/documents/booking",
        {"title": "Spring campaign", "start_date": "2026-03-03", "fee": "£650"},
        form_page="/ai/documents",
    )
    assert fine.status_code == 302
    fee = db.session.execute(sa.text("SELECT unit_amount_pence FROM job_fee_line")).scalar()
    assert fee == 65000
