"""Every area of the API over an account with one row in every table (tests/factories.py):
each list finds its row, each object reads, money is an exact string with its currency, and a
few writes go through the features' own rules."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask

from minimin.api.scopes import ALL_SCOPES
from tests.factories import build_full_account
from tests.functional.api.conftest import ApiClient, make_token

AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def _full(app: Flask, make_user: Any) -> tuple[ApiClient, dict[str, Any]]:
    from minimin.extensions import db

    user = make_user()
    with app.app_context():
        ids = build_full_account(user.id)
        db.session.commit()
    return ApiClient(app.test_client(), make_token(app, user, ALL_SCOPES), user), ids


def _money_values(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):
        if set(value) == {"amount", "currency"}:
            return [value]
        return [m for v in value.values() for m in _money_values(v)]
    if isinstance(value, list):
        return [m for v in value for m in _money_values(v)]
    return []


LISTS = {
    "/api/v1/clients": "client",
    "/api/v1/agencies": "agency",
    "/api/v1/jobs": "job",
    "/api/v1/invoices": "invoice",
    "/api/v1/credit-notes": "credit_note",
    "/api/v1/expenses": "expense",
    "/api/v1/journeys": "journey",
    "/api/v1/recurring-expenses": "recurring_expense",
    "/api/v1/bank-accounts": "bank_account",
    "/api/v1/transactions": "bank_transaction",
    "/api/v1/remittances": "remittance",
    "/api/v1/ledger/entries": "journal_entry",
}


def test_every_list_and_object_reads_the_accounts_rows(app: Flask, make_user: Any) -> None:
    api, ids = _full(app, make_user)
    for url, table in LISTS.items():
        response = api.get(url)
        assert response.status_code == 200, (url, response.get_json())
        page = response.get_json()
        found = [row["id"] for row in page["data"]]
        if table == "journal_entry":
            # Recording the account's documents posted entries of their own beside it.
            assert str(ids[table]) in found
        else:
            assert found == [str(ids[table])], url
        for money in _money_values(page):
            assert AMOUNT.match(money["amount"]) and money["currency"] == "GBP", (url, money)
        if url != "/api/v1/ledger/entries":
            one = api.get(f"{url}/{ids[table]}")
            assert one.status_code == 200, (url, one.get_json())
            assert one.get_json()["id"] == str(ids[table])


def test_business_profile_never_sends_bank_details_or_utr(api: Any) -> None:
    response = api.get("/api/v1/business")
    assert response.status_code == 200
    body = response.get_json()
    assert body["business_name"] == "Alex Freelance Photography"
    assert body["day_rate"] == {"amount": "450.00", "currency": "GBP"}
    text = response.get_data(as_text=True)
    assert "12345678" not in text and "12-34-56" not in text and "utr" not in body


def test_a_job_has_its_fee_lines_and_commission_figures(app: Flask, api: Any) -> None:
    from minimin.contacts.models import Agency
    from minimin.extensions import db
    from minimin.jobs.models import FeeLine, Job

    with app.app_context():
        agency = Agency(user_id=api.user.id, name="Top Models", default_commission_percent=20)
        db.session.add(agency)
        db.session.flush()
        job = Job(
            user_id=api.user.id,
            title="Catalogue shoot",
            agency_id=agency.id,
            status="confirmed",
            commission_percent=20,
        )
        db.session.add(job)
        db.session.flush()
        db.session.add(
            FeeLine(
                user_id=api.user.id,
                job_id=job.id,
                kind="fixed",
                unit_amount_pence=100000,
                amount_pence=100000,
            )
        )
        db.session.commit()
        job_id = str(job.id)

    body = api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert body["fee_lines"][0]["amount"] == {"amount": "1000.00", "currency": "GBP"}
    figures = body["commission"]
    assert figures["gross"]["amount"] == "1000.00"
    assert figures["commission"]["amount"] == "200.00"
    assert figures["net_paid"]["amount"] == "800.00"
    assert [j["id"] for j in api.get("/api/v1/jobs?status=confirmed").get_json()["data"]] == [
        job_id
    ]
    assert api.get("/api/v1/jobs?status=paid").get_json()["data"] == []
    assert api.get(f"/api/v1/jobs?agency_id={agency.id}").get_json()["data"]


def test_client_created_with_checks_of_the_client_form(api: Any) -> None:
    made = api.post(
        "/api/v1/clients",
        json={"name": "  Northern Light Ltd ", "vat_number": "gb 980780684", "postcode": "ls12bb"},
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["name"] == "Northern Light Ltd"
    assert body["postcode"] == "LS1 2BB"
    assert body["vat_number"].replace(" ", "") == "GB980780684"
    refused = api.post(
        "/api/v1/clients", json={"name": " ", "email": "nope", "country": "XX", "notes": "a\x00"}
    )
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.get_json()["errors"]}
    assert fields == {"name", "email", "country", "notes"}
    assert [c["name"] for c in api.get("/api/v1/clients?q=northern").get_json()["data"]] == [
        "Northern Light Ltd"
    ]


def test_expense_created_and_a_receipt_attached(api: Any) -> None:
    made = api.post(
        "/api/v1/expenses",
        json={
            "date": "2025-05-01",
            "supplier": "Camera Shop",
            "category": "other",
            "amount": {"amount": "120.00", "currency": "GBP"},
            "vat": {"amount": "20.00", "currency": "GBP"},
        },
    )
    assert made.status_code == 201, made.get_json()
    expense = made.get_json()
    assert expense["amount"] == {"amount": "120.00", "currency": "GBP"}
    assert expense["vat_treatment"] == "standard"

    too_much = api.post(
        "/api/v1/expenses",
        json={
            "date": "2025-05-01",
            "supplier": "Camera Shop",
            "amount": {"amount": "10.00", "currency": "GBP"},
            "vat": {"amount": "20.00", "currency": "GBP"},
        },
    )
    assert too_much.status_code == 422
    assert too_much.get_json()["errors"][0]["field"] == "vat"

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    png = buffer.getvalue()
    upload = api.post(
        f"/api/v1/expenses/{expense['id']}/receipts",
        data={"receipt": (io.BytesIO(png), "till.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    assert upload.get_json()["receipts"][0]["filename"] == "till.png"
    refused = api.post(
        f"/api/v1/expenses/{expense['id']}/receipts",
        data={"receipt": (io.BytesIO(b"MZ not a picture"), "virus.exe")},
        content_type="multipart/form-data",
    )
    assert refused.status_code in (415, 422)
    assert refused.get_json()["errors"][0]["field"] == "receipt"
    missing = api.post(
        f"/api/v1/expenses/{expense['id']}/receipts", data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422


def test_reports_tax_year_and_vat_return(api: Any) -> None:
    report = api.get("/api/v1/reports/tax-year?tax_year=2025/26&basis=accruals")
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["tax_year"] == "2025/26" and body["start"] == "2025-04-06"
    assert body["net_profit"]["currency"] == "GBP"
    assert api.get("/api/v1/reports/tax-year?tax_year=2025/27").status_code == 422
    # This business is not VAT-registered: there is no return to show.
    vat = api.get("/api/v1/reports/vat-return?start=2025-04-01&end=2025-06-30")
    assert vat.status_code == 409


def test_tax_estimate_from_the_books_or_a_given_profit(api: Any) -> None:
    given = api.get("/api/v1/reports/estimate?tax_year=2025/26&profit=50000")
    assert given.status_code == 200, given.get_json()
    body = given.get_json()
    assert body["profit"] == {"amount": "50000.00", "currency": "GBP"}
    assert body["personal_allowance"]["amount"] == "12570.00"
    # 20% of 37,430 and 6% Class 4 on 37,430 (2025/26 rates).
    assert body["income_tax"]["amount"] == "7486.00"
    assert body["class4_ni"]["amount"] == "2245.80"
    books = api.get("/api/v1/reports/estimate?tax_year=2025/26").get_json()
    assert books["profit"]["amount"] == "0.00"
    assert api.get("/api/v1/reports/estimate?tax_year=1990/91").status_code == 422
    assert api.get("/api/v1/reports/estimate?salary=12.345").status_code == 422


def test_an_upload_retried_with_its_key_is_kept_once_and_another_file_is_refused(
    api: Any,
) -> None:
    from PIL import Image

    expense = api.post(
        "/api/v1/expenses",
        json={"date": "2025-05-01", "supplier": "Shop", "amount": {"amount": "5.00"}},
    ).get_json()
    files = []
    for colour in ("white", "black"):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
        files.append(buffer.getvalue())
    url = f"/api/v1/expenses/{expense['id']}/receipts"
    key = {"Idempotency-Key": "receipt-1"}

    def send(data: bytes) -> Any:
        return api.post(
            url,
            data={"receipt": (io.BytesIO(data), "till.png")},
            content_type="multipart/form-data",
            headers=key,
        )

    assert send(files[0]).status_code == 201
    replay = send(files[0])
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(api.get(f"/api/v1/expenses/{expense['id']}").get_json()["receipts"]) == 1
    assert send(files[1]).status_code == 422
