"""Report actions through the API: a VAT return marked as filed, the accountant export started
and shared (and the link revoked), the Self Assessment's inputs kept and its assets kept and
removed. Refusals name the field and change nothing; another user's objects are 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask

from minimin.core.dates import TaxYear, uk_today
from tests.functional.api.conftest import add_profile

REGISTERED = {
    "vat_registered": True,
    "vat_number": "GB123456789",
    "vat_registration_date": dt.date(2025, 1, 1),
    "vat_stagger": "1",
    "vat_scheme": "standard",
}


def _count(app: Flask, model: Any) -> int:
    from minimin.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _fields(response: Any) -> list[str]:
    assert response.headers["Content-Type"] == "application/problem+json", response.status_code
    return [e["field"] for e in response.get_json().get("errors") or []]


def test_a_vat_return_marked_as_filed_once(app: Flask, api_for: Any, make_user: Any) -> None:
    from minimin.reports.tax_models import VATReturn

    user = make_user()
    add_profile(app, user, **REGISTERED)
    api = api_for(user)
    period = {"start": "2025-04-01", "end": "2025-06-30"}

    bad_key = api.post("/api/v1/reports/vat-returns", json={**period, "period_key": "<sc>"})
    assert bad_key.status_code == 422 and _fields(bad_key) == ["period_key"]
    today = uk_today()
    not_ended = api.post(
        "/api/v1/reports/vat-returns",
        json={"start": today.replace(day=1).isoformat(), "end": today.isoformat()},
    )
    assert not_ended.status_code == 422 and _fields(not_ended) == ["end"]
    assert _count(app, VATReturn) == 0

    filed = api.post("/api/v1/reports/vat-returns", json={**period, "period_key": "25a1"})
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["filed"] is True and set(filed.get_json()["boxes"]) == {
        str(n) for n in range(1, 10)
    }
    assert api.get("/api/v1/reports/vat-return", query_string=period).get_json()["filed"]
    again = api.post("/api/v1/reports/vat-returns", json=period)
    assert again.status_code == 409
    assert "cannot be filed again" in again.get_json()["detail"]
    assert _count(app, VATReturn) == 1

    unregistered = api_for()
    assert unregistered.post("/api/v1/reports/vat-returns", json=period).status_code == 409
    assert _count(app, VATReturn) == 1


def test_an_export_started_shared_and_its_link_revoked(
    app: Flask, api_for: Any, make_user: Any
) -> None:
    from minimin.reports.tax_models import ExportJob, ExportShare

    year = TaxYear.containing(uk_today())
    api = api_for()
    too_old = api.post("/api/v1/reports/exports", json={"tax_year": "2001/02"})
    assert too_old.status_code == 422 and _fields(too_old) == ["tax_year"]
    assert _count(app, ExportJob) == 0

    # Built once the request has committed (in this process, here).
    started = api.post("/api/v1/reports/exports", json={"tax_year": year.label})
    assert started.status_code == 202, started.get_json()
    url = f"/api/v1/reports/exports/{started.get_json()['id']}"
    assert api.get(url).get_json()["status"] == "done"
    # No accountant's email address on the profile: nothing shared.
    assert api.post(url + "/shares").status_code == 422
    assert _count(app, ExportShare) == 0

    user = make_user()
    add_profile(app, user, accountant_email="books@accountant.example")
    owner = api_for(user)
    export = owner.post("/api/v1/reports/exports", json={"tax_year": year.label}).get_json()
    url = f"/api/v1/reports/exports/{export['id']}"
    shared = owner.post(url + "/shares")
    assert shared.status_code == 201, shared.get_json()
    link = shared.get_json()
    assert link["recipient"] == "books@accountant.example" and link["revoked_at"] is None

    # Another user's export and link are no such thing.
    assert api.get(url).status_code == 404
    assert api.post(url + "/shares").status_code == 404
    revoke = f"/api/v1/reports/export-shares/{link['id']}/revoke"
    assert api.post(revoke).status_code == 404
    assert _count(app, ExportShare) == 1

    revoked = owner.post(revoke)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"] is not None
    assert owner.post(revoke).get_json()["revoked_at"] == revoked.get_json()["revoked_at"]


def _known_year() -> str:
    from minimin.reports import tax_tables

    return tax_tables.known_years()[-1].label


def test_self_assessment_inputs_kept_for_the_year(app: Flask, api: Any) -> None:
    from minimin.reports.tax_models import OtherIncomeRecord

    year = _known_year()
    refused = [
        ({"tax_year": "1990/91"}, "tax_year"),
        (
            {"tax_year": year, "accounting_end_month": 2, "accounting_end_day": 30},
            "accounting_end_day",
        ),
        ({"tax_year": year, "loss_relief": "early"}, "trade_start_year"),
        ({"tax_year": year, "salary": {"amount": "-1.00", "currency": "GBP"}}, "salary"),
        ({"tax_year": year, "colour": "blue"}, "colour"),
    ]
    for body, field in refused:
        response = api.post("/api/v1/reports/self-assessment", json=body)
        assert response.status_code == 422, (field, response.get_json())
        assert field in _fields(response), response.get_json()
    assert _count(app, OtherIncomeRecord) == 0
    read = "/api/v1/reports/self-assessment?tax_year=" + year
    assert api.get(read).status_code == 404

    body = {
        "tax_year": year,
        "salary": {"amount": "12000.00", "currency": "GBP"},
        "student_loan_plan": "plan2",
        "postgraduate_loan": True,
        "accounting_end_month": 12,
        "accounting_end_day": 31,
        "later_period_profit": {"amount": "-500.00", "currency": "GBP"},
        "loss_relief": "early",
        "trade_start_year": "2024/25",
    }
    kept = api.post("/api/v1/reports/self-assessment", json=body)
    assert kept.status_code == 200, kept.get_json()
    answer = kept.get_json()
    assert answer["amounts"]["salary"] == {"amount": "12000.00", "currency": "GBP"}
    assert answer["amounts"]["dividends"] == {"amount": "0.00", "currency": "GBP"}
    assert (answer["student_loan_plan"], answer["postgraduate_loan"]) == ("plan2", True)
    assert (answer["accounting_end_month"], answer["accounting_end_day"]) == (12, 31)
    assert answer["later_period_profit"]["amount"] == "-500.00"
    assert answer["trade_start_year"] == "2024/25"
    assert api.get(read).get_json() == answer
    # Sent again without the salary: everything sent replaces what was kept.
    again = api.post("/api/v1/reports/self-assessment", json={"tax_year": year}).get_json()
    assert again["amounts"]["salary"]["amount"] == "0.00" and again["student_loan_plan"] == ""
    assert _count(app, OtherIncomeRecord) == 1


def test_assets_kept_and_removed(app: Flask, api_for: Any) -> None:
    from minimin.reports.tax_models import CapitalAsset

    api, other = api_for(), api_for()
    car = {
        "description": "Estate car",
        "kind": "car",
        "cost": {"amount": "15000.00", "currency": "GBP"},
        "co2": 0,
        "business_percent": 80,
        "bought_year": "2024/25",
    }
    refused = [
        ({**car, "co2": None}, "co2"),
        ({**car, "disposed_year": "2023/24"}, "disposed_year"),
        ({**car, "proceeds": {"amount": "1.00", "currency": "GBP"}}, "proceeds"),
        ({**car, "bought_year": "1999/00"}, "bought_year"),
        ({**car, "business_percent": 0}, "business_percent"),
    ]
    for body, field in refused:
        response = api.post("/api/v1/reports/assets", json=body)
        assert response.status_code == 422, (field, response.get_json())
        assert field in _fields(response), response.get_json()
    assert _count(app, CapitalAsset) == 0

    added = api.post("/api/v1/reports/assets", json=car)
    assert added.status_code == 201, added.get_json()
    asset = added.get_json()
    assert asset["bought_year"] == "2024/25" and asset["cost"]["amount"] == "15000.00"
    assert [a["id"] for a in api.get("/api/v1/reports/assets").get_json()["data"]] == [asset["id"]]
    assert other.get("/api/v1/reports/assets").get_json()["data"] == []

    url = f"/api/v1/reports/assets/{asset['id']}"
    assert other.open(url, "DELETE").status_code == 404
    assert _count(app, CapitalAsset) == 1
    assert api.open(url, "DELETE").status_code == 204
    assert api.open(url, "DELETE").status_code == 404
    assert _count(app, CapitalAsset) == 0
