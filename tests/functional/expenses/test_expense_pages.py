"""Expense pages: create, warn, validate, receipts, tenancy, filters, totals and query counts."""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from minimin.expenses import services
from minimin.expenses.models import Expense, ExpenseReceipt
from minimin.files.models import StoredFile
from tests.functional.expenses.conftest import MINIMAL_PDF, expense_form, png_bytes


def _only(app: Any, user: Any) -> Expense:
    from minimin.extensions import db

    with app.app_context():
        rows = db.session.scalars(sa.select(Expense).where(Expense.user_id == user.id)).all()
        assert len(rows) == 1
        db.session.expunge_all()
        return rows[0]


def test_add_expense_stores_exact_figures(app: Any, signed_in: Any, owner: Any) -> None:
    response = signed_in.submit(
        "/expenses/new",
        expense_form(
            supplier="EE",
            description="Phone contract",
            category="office",
            amount="45.99",
            vat="7.67",
            business_percent="60",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    expense = _only(app, owner)
    assert expense.amount_pence == 4599
    assert expense.vat_pence == 767
    assert expense.business_percent == Decimal("60")
    assert expense.vat_reclaimable is False  # no VAT-registered business profile
    assert expense.allowable_pence == 2759  # 45.99 × 60% = 27.594
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phone contract" in page and "£27.59" in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("NaN", "not NaN"),
        ("1e309", "exponent"),
        ("12.345", "decimal places"),
        ("-5", "zero or more"),
        ("", "Enter the amount paid"),
        ("Infinity", "not NaN"),
        ("99999999999999999999", "no larger"),
    ],
)
def test_bad_amounts_are_refused(
    app: Any, signed_in: Any, owner: Any, count_rows: Any, amount: str, message: str
) -> None:
    response = signed_in.submit("/expenses/new", expense_form(amount=amount, vat=""))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_rows(Expense, user_id=owner.id) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date": "2025-02-30"}, "does not exist"),
        ({"date": "30/2/2025"}, "does not exist"),
        ({"date": "0001-01-01"}, "between 1900"),
        ({"business_percent": "101"}, "from 0 to 100"),
        ({"business_percent": "-1"}, "from 0 to 100"),
        ({"business_percent": "NaN"}, "not NaN"),
        ({"vat": "200.00"}, "more than the amount"),
        ({"supplier": "A\x00B"}, "null character"),
        ({"description": "x" * 501}, "501"),
        ({"category": "pets"}, "Not a valid choice"),
        ({"supplier": "", "description": ""}, "who you paid"),
        ({"rebillable": "y"}, "re-bill"),
        ({"job_id": str(uuid.uuid4())}, "Not a valid choice"),
    ],
)
def test_bad_fields_are_refused(
    app: Any, signed_in: Any, owner: Any, count_rows: Any, fields: dict[str, str], message: str
) -> None:
    response = signed_in.submit("/expenses/new", expense_form(**fields))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    if message == "501":
        assert "500" in body
    else:
        assert message in body
    assert count_rows(Expense, user_id=owner.id) == 0


def test_hostile_text_round_trips_escaped(app: Any, signed_in: Any, owner: Any) -> None:
    hostile = "<script>alert(1)</script> ' \" ﷽ 𝕏 Ω"
    response = signed_in.submit("/expenses/new", expense_form(supplier=hostile))
    assert response.status_code == 302
    assert _only(app, owner).supplier == hostile.strip()
    page = signed_in.get("/expenses/").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_usually_disallowable_cost_warns_then_confirms(
    app: Any, signed_in: Any, owner: Any, count_rows: Any
) -> None:
    data = expense_form(
        supplier="Zara",
        description="Black dress for shoot",
        category="other",
        vat="",
        vat_treatment="none",
    )
    response = signed_in.submit("/expenses/new", data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Clothing is usually not allowable" in body
    assert "dual purpose" in body
    assert count_rows(Expense, user_id=owner.id) == 0

    response = signed_in.submit("/expenses/new", {**data, "confirm_warnings": "y"})
    assert response.status_code == 302
    expense = _only(app, owner)
    assert expense.warnings_confirmed is True
    assert expense.allowable_pence == 12000
    # Confirmed, it is a decision recorded, shown as such and no longer as a fault.
    listing = signed_in.get("/expenses/").get_data(as_text=True)
    assert "Confirmed business cost" in listing
    assert "Clothing is usually not allowable" not in listing
    detail = signed_in.get(f"/expenses/{expense.id}").get_data(as_text=True)
    assert "Confirmed business cost" in detail and 'role="alert"' not in detail
    assert "Clothing is usually not allowable" not in detail


def test_make_up_kit_from_boots_raises_no_warning(app: Any, signed_in: Any, owner: Any) -> None:
    data = expense_form(
        supplier="Boots",
        description="Make-up kit for shoots",
        category="other",
        vat="",
        vat_treatment="none",
    )
    response = signed_in.submit("/expenses/new", data)
    assert response.status_code == 302
    assert _only(app, owner).warnings == []


def test_entertainment_is_never_allowable(app: Any, signed_in: Any, owner: Any) -> None:
    data = expense_form(
        supplier="The Ivy",
        description="Lunch with client",
        category="entertainment",
        confirm_warnings="y",
    )
    assert signed_in.submit("/expenses/new", data).status_code == 302
    expense = _only(app, owner)
    assert expense.allowable_pence == 0
    assert expense.business_pence == 12000


def test_service_created_warned_expense_shows_reason_in_list(
    app: Any, signed_in: Any, owner: Any
) -> None:
    from minimin.core.db import commit
    from minimin.extensions import db

    with app.app_context():
        services.create_expense(
            owner.id,
            services.ExpenseInput(
                date=date(2025, 6, 1),
                supplier="Toni & Guy",
                description="Haircut",
                amount_pence=4500,
                category="other",
            ),
            source="bank",
            external_ref="tx-1",
        )
        commit(db.session)
    page = signed_in.get("/expenses/").get_data(as_text=True)
    assert "Warning:" in page and "Grooming is usually not allowable" in page
    assert "duality of purpose" in page


# ----------------------------------------------------------------------------- receipts


def test_receipt_upload_strips_exif_and_is_served_to_owner_only(
    app: Any, client: Any, signed_in: Any, owner: Any, intruder: Any, login: Any
) -> None:
    data = expense_form(receipt=(io.BytesIO(png_bytes(exif=True)), "../../etc/passwd.jpg"))
    data["csrf_token"] = signed_in.csrf_token("/expenses/new")
    response = signed_in.post("/expenses/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    expense = _only(app, owner)
    from minimin.extensions import db

    with app.app_context():
        receipt = db.session.scalar(sa.select(ExpenseReceipt))
        stored = db.session.get(StoredFile, receipt.file_id)
        file_id, content_type = stored.id, stored.content_type
    assert receipt.expense_id == expense.id
    assert content_type == "image/jpeg"
    served = signed_in.get(f"/files/{file_id}")
    assert served.status_code == 200
    assert b"SecretCameraMaker" not in served.data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    detail = signed_in.get(f"/expenses/{expense.id}").get_data(as_text=True)
    assert f"/files/{file_id}" in detail

    other = app.test_client()
    login(other, intruder)
    assert other.get(f"/files/{file_id}").status_code == 404


def test_pdf_receipt_added_on_detail_page(app: Any, signed_in: Any, owner: Any) -> None:
    assert signed_in.submit("/expenses/new", expense_form()).status_code == 302
    expense = _only(app, owner)
    path = f"/expenses/{expense.id}/receipts"
    response = signed_in.post(
        path,
        data={
            "csrf_token": signed_in.csrf_token(f"/expenses/{expense.id}"),
            "receipt": (io.BytesIO(MINIMAL_PDF), "receipt.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    listing = signed_in.get("/expenses/?receipt=yes").get_data(as_text=True)
    assert "1 receipt" in listing
    assert "No expenses match" in signed_in.get("/expenses/?receipt=no").get_data(as_text=True)


@pytest.mark.parametrize(
    ("payload", "filename", "status", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "receipt.jpg", 415, ""),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "r.svg", 415, ""),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "r.png", 400, ""),
        (b"%PDF-1.4 " + b"0" * (10 * 1024 * 1024 + 10), "big.pdf", 413, "larger than"),
    ],
)
def test_bad_receipts_store_nothing(
    app: Any,
    signed_in: Any,
    owner: Any,
    count_rows: Any,
    payload: bytes,
    filename: str,
    status: int,
    message: str,
) -> None:
    data = expense_form(receipt=(io.BytesIO(payload), filename))
    data["csrf_token"] = signed_in.csrf_token("/expenses/new")
    response = signed_in.post("/expenses/new", data=data, content_type="multipart/form-data")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count_rows(Expense, user_id=owner.id) == 0
    assert count_rows(StoredFile, user_id=owner.id) == 0
    files_dir = __import__("pathlib").Path(app.instance_path) / "files"
    leftovers = [p for p in files_dir.rglob("*") if p.is_file()] if files_dir.exists() else []
    assert leftovers == []


# ----------------------------------------------------------------------------- tenancy


def test_other_users_get_404_everywhere(
    app: Any, client: Any, owner: Any, intruder: Any, login: Any, signed_in: Any
) -> None:
    from minimin.core.db import commit
    from minimin.extensions import db

    with app.app_context():
        expense = services.create_expense(
            owner.id,
            services.ExpenseInput(
                date=date(2025, 5, 1),
                supplier="CANARY-SUPPLIER",
                amount_pence=1000,
            ),
        )
        rec = services.create_recurring(
            owner.id,
            services.RecurringInput(
                supplier="CANARY-REC",
                category="other",
                amount_pence=500,
                frequency="monthly",
                start_date=date(2030, 1, 1),
            ),
        )
        journey = services.create_journey(
            owner.id,
            services.JourneyInput(
                date=date(2025, 5, 1),
                origin="CANARY-A",
                destination="B",
                purpose="Casting",
                miles=Decimal("10.0"),
                vehicle="car_van",
            ),
        )
        commit(db.session)
        ids = (expense.id, rec.id, journey.id)
    other = app.test_client()
    login(other, intruder)
    token = other.csrf_token("/expenses/new")
    e, r, j = ids
    for path in (
        f"/expenses/{e}",
        f"/expenses/{e}/edit",
        f"/expenses/recurring/{r}/edit",
        f"/expenses/mileage/{j}/edit",
        "/expenses/not-a-uuid",
    ):
        assert other.get(path).status_code == 404, path
    for path in (
        f"/expenses/{e}/delete",
        f"/expenses/{e}/edit",
        f"/expenses/{e}/receipts",
        f"/expenses/recurring/{r}/delete",
        f"/expenses/recurring/{r}/edit",
        f"/expenses/mileage/{j}/delete",
        f"/expenses/mileage/{j}/edit",
        f"/expenses/{e}/receipts/{uuid.uuid4()}/remove",
    ):
        response = other.post(path, data={"csrf_token": token})
        assert response.status_code == 404, path
        assert b"CANARY" not in response.data
    for path in ("/expenses/", "/expenses/recurring", "/expenses/mileage"):
        assert b"CANARY" not in other.get(path).data
    assert b"CANARY-SUPPLIER" in signed_in.get("/expenses/").data


def test_anonymous_is_sent_to_login(client: Any) -> None:
    response = client.get("/expenses/")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


# ----------------------------------------------------------------------------- list


def _seed(app: Any, user: Any, n: int) -> None:
    from minimin.core.db import commit
    from minimin.extensions import db

    with app.app_context():
        codes = ["travel", "office", "advertising", "professional"]
        for i in range(n):
            services.create_expense(
                user.id,
                services.ExpenseInput(
                    date=date(2024, 4, 1) + __import__("datetime").timedelta(days=i % 700),
                    supplier=f"Supplier {i}",
                    amount_pence=100 + i,
                    category=codes[i % 4],
                ),
            )
        commit(db.session)


def test_filters_and_totals_by_category(app: Any, signed_in: Any, owner: Any) -> None:
    from minimin.core.db import commit
    from minimin.extensions import db

    with app.app_context():
        for day, cat, pence in [
            (date(2025, 4, 5), "travel", 1000),  # 2024/25
            (date(2025, 4, 6), "travel", 2000),  # 2025/26
            (date(2025, 7, 1), "travel", 3000),
            (date(2025, 8, 1), "office", 550),
        ]:
            services.create_expense(
                owner.id,
                services.ExpenseInput(
                    date=day,
                    supplier="S",
                    category=cat,
                    amount_pence=pence,
                ),
            )
        commit(db.session)
    page = signed_in.get("/expenses/?tax_year=2025/26").get_data(as_text=True)
    assert "3 expenses" in page
    assert "£50.00" in page and "£5.50" in page and "£55.50" in page
    page = signed_in.get("/expenses/?category=travel&from=2025-07-01").get_data(as_text=True)
    assert "1 expense" in page and "£30.00" in page
    bad = signed_in.get("/expenses/?tax_year=2025/27&from=2025-02-30")
    assert bad.status_code == 400
    assert "Some filters were not applied" in bad.get_data(as_text=True)


def test_sorting_and_pagination(app: Any, signed_in: Any, owner: Any) -> None:
    _seed(app, owner, 60)
    page1 = signed_in.get("/expenses/?sort=amount").get_data(as_text=True)
    assert "Page 1 of 2" in page1
    assert page1.index("Supplier 59") < page1.index("Supplier 58")
    page2 = signed_in.get("/expenses/?sort=amount&page=2").get_data(as_text=True)
    assert "Supplier 0<" in page2 and "Supplier 59" not in page2
    assert signed_in.get("/expenses/?page=99999999999").status_code == 200


def _count_queries(app: Any, client: Any, path: str) -> int:
    from minimin.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_query_count_does_not_grow_with_expenses(
    app: Any, signed_in: Any, owner: Any, make_user: Any, login: Any
) -> None:
    _seed(app, owner, 10)
    small = _count_queries(app, signed_in, "/expenses/")
    big_user = make_user()
    _seed(app, big_user, 1000)
    from minimin.extensions import db

    with app.app_context():  # give some of them receipts
        rows = db.session.scalars(
            sa.select(Expense).where(Expense.user_id == big_user.id).limit(30)
        ).all()
        for expense in rows:
            services.add_receipt(expense, io.BytesIO(png_bytes()), "r.png")
        from minimin.core.db import commit

        commit(db.session)
    other = app.test_client()
    login(other, big_user)
    other.get("/expenses/")  # warm-up, as for the small one
    big = _count_queries(app, other, "/expenses/")
    small = _count_queries(app, signed_in, "/expenses/")
    assert big == small
    assert big <= 12
