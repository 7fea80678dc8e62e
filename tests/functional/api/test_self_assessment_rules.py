"""The Self Assessment's inputs and kept cars have one set of rules, the service's
(minimin/reports/other_income.py): the page and ``/api/v1`` refuse the same input on the same
field with the same words and keep nothing; the page shows every rule broken at once; and the
service leaves the commit to the request."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

PAGE = "/reports/self-assessment"
YEAR = "2025/26"


def _gbp(pounds: str) -> dict[str, str]:
    return {"amount": f"{pounds}.00", "currency": "GBP"}


def _count(app: Flask, model: Any) -> int:
    from minimin.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _text(response: Any) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


SA_RULES = [
    pytest.param(
        {"transition_profit": "1000", "transition_accelerated": "2000"},
        {"transition_profit": _gbp("1000"), "transition_accelerated": _gbp("2000")},
        "transition_accelerated",
        "The extra amount cannot be more than the transition profit.",
        id="extra-transition-above-the-whole",
    ),
    pytest.param(
        {"accounting_end_month": "2", "accounting_end_day": "30"},
        {"accounting_end_month": 2, "accounting_end_day": 30},
        "accounting_end_day",
        "February has at most 29 days.",
        id="a-day-february-has-not",
    ),
    pytest.param(
        {"accounting_end_day": "15"},
        {"accounting_end_day": 15},
        "accounting_end_month",
        "Choose the month of your accounting date.",
        id="a-day-without-its-month",
    ),
    pytest.param(
        {"accounting_end_month": "12"},
        {"accounting_end_month": 12},
        "accounting_end_day",
        "Enter the day of your accounting date.",
        id="a-month-without-its-day",
    ),
    pytest.param(
        {"loss_relief": "early"},
        {"loss_relief": "early"},
        "trade_start_year",
        "Choose the tax year the business started, for early years relief.",
        id="early-years-relief-without-the-start",
    ),
    pytest.param(
        {"trade_start_year": "2001/02"},
        {"trade_start_year": "2001/02"},
        "trade_start_year",
        "Choose a tax year from the list.",
        id="a-start-year-before-the-tables",
    ),
]


@pytest.mark.parametrize(("page_fields", "body", "field", "message"), SA_RULES)
def test_both_doors_refuse_the_years_inputs_alike(
    app: Flask,
    client: Any,
    make_user: Any,
    login: Any,
    api: Any,
    page_fields: dict[str, str],
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    from minimin.reports.tax_models import OtherIncomeRecord

    login(client, make_user())
    page = client.submit(PAGE, {"tax_year": YEAR, "regime": "ruk", "basis": "cash", **page_fields})
    assert page.status_code == 400
    html = _text(page)
    assert f'id="{field}-error"' in html and message in html

    answer = api.post("/api/v1/reports/self-assessment", json={"tax_year": YEAR, **body})
    assert answer.status_code == 422, answer.get_json()
    assert [(e["field"], e["detail"]) for e in answer.get_json()["errors"]] == [(field, message)]
    assert _count(app, OtherIncomeRecord) == 0


def test_the_page_shows_every_rule_broken_at_once(client: Any, make_user: Any, login: Any) -> None:
    login(client, make_user())
    fields = {
        "tax_year": YEAR,
        "regime": "ruk",
        "basis": "cash",
        "dividends": "lots",
        "accounting_end_month": "2",
        "accounting_end_day": "30",
        "transition_profit": "1000",
        "transition_accelerated": "2000",
        "loss_relief": "early",
    }
    html = _text(client.submit(PAGE, fields))
    for field in ("dividends", "accounting_end_day", "transition_accelerated", "trade_start_year"):
        assert f'id="{field}-error"' in html, field


CAR = {"description": "Blue estate", "kind": "car", "cost": "20000", "co2": "40"}
CAR_BODY = {"description": "Blue estate", "kind": "car", "cost": _gbp("20000"), "co2": 40}

ASSET_RULES = [
    pytest.param(
        {"co2": ""},
        {"co2": None},
        "co2",
        "Enter the car's CO2 emissions (0 for an electric car).",
        id="a-car-without-its-co2",
    ),
    pytest.param(
        {"disposed_year": "2023"},
        {"disposed_year": "2023/24"},
        "disposed_year",
        "It cannot be sold before it was bought.",
        id="sold-before-bought",
    ),
    pytest.param(
        {"proceeds": "500"},
        {"proceeds": _gbp("500")},
        "proceeds",
        "Choose the tax year it was sold, or leave this empty.",
        id="proceeds-without-a-sale",
    ),
    pytest.param(
        {"bought_year": "2001"},
        {"bought_year": "2001/02"},
        "bought_year",
        "Choose the tax year it was bought from the list.",
        id="bought-before-the-tables",
    ),
]


@pytest.mark.parametrize(("page_fields", "body", "field", "message"), ASSET_RULES)
def test_both_doors_refuse_a_kept_car_alike(
    app: Flask,
    client: Any,
    make_user: Any,
    login: Any,
    api: Any,
    page_fields: dict[str, str],
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    from minimin.reports.tax_models import CapitalAsset

    login(client, make_user())
    values = {"bought_year": "2024", "business_percent": "60", **CAR, **page_fields}
    token = client.csrf_token(PAGE)
    data = {f"asset-{name}": value for name, value in values.items()}
    response = client.post(PAGE + "/assets", data={"asset-csrf_token": token, **data})
    assert response.status_code == 303
    assert message in _text(client.get(PAGE))

    car = {**CAR_BODY, "bought_year": "2024/25", "business_percent": 60, **body}
    answer = api.post("/api/v1/reports/assets", json=car)
    assert answer.status_code == 422, answer.get_json()
    assert [(e["field"], e["detail"]) for e in answer.get_json()["errors"]] == [(field, message)]
    assert _count(app, CapitalAsset) == 0


def test_the_services_leave_the_commit_to_the_request(app: Flask, make_user: Any) -> None:
    """docs/design-rules.md, rule 3: what the services keep is undone with the request."""
    from minimin.core.dates import TaxYear
    from minimin.extensions import db
    from minimin.reports import other_income
    from minimin.reports.inputs import AssetInput, SelfAssessmentInput
    from minimin.reports.tax_models import CapitalAsset, OtherIncomeRecord

    user = make_user()
    with app.app_context():
        year = TaxYear(2025)
        record = other_income.save(user.id, SelfAssessmentInput(year, salary_pence=3_000_000))
        assert record.salary_pence == 3_000_000
        asset = AssetInput(kind="plant", cost_pence=100_000, bought_year=year)
        other_income.add_asset(user.id, asset)
        db.session.rollback()
    assert _count(app, OtherIncomeRecord) == 0
    assert _count(app, CapitalAsset) == 0
