"""Expenses, receipts, recurring expenses and journeys changed and deleted through the API:
the pages' services and their refusals (a closed period, a bad amount) as 422 problems that
change nothing, and another user's ids answered 404."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import Flask

from minimin.api.problems import MEDIA_TYPE as PROBLEM
from minimin.api.scopes import scope
from tests.functional.api.conftest import ApiClient

GBP = "GBP"


def _money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": GBP}


def _expense(api: ApiClient, **extra: Any) -> dict[str, Any]:
    body = {
        "date": "2025-06-02",
        "supplier": "Camera Shop",
        "category": "office",
        "amount": _money("120.00"),
        "vat": _money("20.00"),
        **extra,
    }
    made = api.post("/api/v1/expenses", json=body)
    assert made.status_code == 201, made.get_json()
    return dict(made.get_json())


def _journey(api: ApiClient, **extra: Any) -> dict[str, Any]:
    body = {
        "date": "2025-06-02",
        "origin": "Leeds",
        "destination": "York",
        "purpose": "Casting",
        "miles": "25.5",
        **extra,
    }
    made = api.post("/api/v1/journeys", json=body)
    assert made.status_code == 201, made.get_json()
    return dict(made.get_json())


#: Last year: always within how far back a recurring expense may start (the earliest tax year
#: whose return can still be amended), and wholly past.
LAST_YEAR = dt.date.today().year - 1


def _month_end(month: int) -> str:
    following = dt.date(LAST_YEAR + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).isoformat()


def _recurring(api: ApiClient, **extra: Any) -> Any:
    body = {
        "supplier": "Spotlight",
        "category": "advertising",
        "amount": _money("18.00"),
        "frequency": "monthly",
        "start_date": _month_end(1),
        "end_date": _month_end(4),
        **extra,
    }
    return api.post("/api/v1/recurring-expenses", json=body)


def _close_books(app: Flask, api: ApiClient, through: dt.date) -> None:
    from minimin.extensions import db
    from minimin.ledger.models import PeriodLock

    with app.app_context():
        db.session.add(PeriodLock(user_id=api.user.id, locked_through=through))
        db.session.commit()


def _refused_on(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == PROBLEM
    problem = response.get_json()
    assert [e["field"] for e in problem["errors"]] == [field], problem
    return dict(problem)


# --------------------------------------------------------------------------- expenses


def test_an_expense_changed_then_deleted(api: ApiClient) -> None:
    expense = _expense(api, notes="For the portfolio")
    url = f"/api/v1/expenses/{expense['id']}"

    changed = api.open(
        url, "PATCH", json={"amount": _money("90.00"), "vat": None, "category": "travel"}
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["amount"] == _money("90.00")
    assert body["vat"] == _money("0.00") and body["vat_treatment"] == "standard"
    assert body["category"] == "travel"
    # What was not sent stays.
    assert body["supplier"] == "Camera Shop" and body["notes"] == "For the portfolio"
    assert api.get(url).get_json() == body

    cleared = api.open(url, "PATCH", json={"notes": None, "vat_treatment": "none"}).get_json()
    assert cleared["notes"] is None and cleared["vat_treatment"] == "none"

    deleted = api.open(url, "DELETE")
    assert deleted.status_code == 204 and deleted.data == b""
    assert api.get(url).status_code == 404
    assert api.open(url, "DELETE").status_code == 404


def test_a_warned_cost_is_confirmed_as_on_the_page(api: ApiClient) -> None:
    """Clothing allows nothing until the owner confirms it is wholly for the business; the
    confirmation lasts only while a warning applies."""
    expense = _expense(api, category="clothing", vat=None, amount=_money("60.00"))
    assert expense["allowable"] == _money("0.00") and expense["warnings_confirmed"] is False
    url = f"/api/v1/expenses/{expense['id']}"
    confirmed = api.open(url, "PATCH", json={"warnings_confirmed": True}).get_json()
    assert confirmed["allowable"] == _money("60.00") and confirmed["warnings_confirmed"]
    moved = api.open(url, "PATCH", json={"category": "office"}).get_json()
    assert moved["warnings_confirmed"] is False and moved["allowable"] == _money("60.00")


def test_refused_changes_are_422_problems_and_change_nothing(app: Flask, api: ApiClient) -> None:
    expense = _expense(api)
    url = f"/api/v1/expenses/{expense['id']}"

    _refused_on(api.open(url, "PATCH", json={"amount": _money("-1.00")}), "amount")
    _refused_on(api.open(url, "PATCH", json={"amount": _money("10.00")}), "vat")
    _refused_on(
        api.open(url, "PATCH", json={"vat": {"amount": "1.00", "currency": "EUR"}}), "vat.currency"
    )
    _refused_on(api.open(url, "PATCH", json={"date": "1850-01-01"}), "date")
    _refused_on(api.open(url, "PATCH", json={"rebillable": True}), "job_id")
    _refused_on(api.open(url, "PATCH", json={"supplier": None}), "supplier")
    assert api.get(url).get_json() == expense

    _close_books(app, api, dt.date(2025, 6, 30))
    problem = _refused_on(api.open(url, "PATCH", json={"amount": _money("130.00")}), "date")
    assert problem["errors"][0]["code"] == "period_locked"
    assert "closed" in problem["detail"]
    _refused_on(api.open(url, "PATCH", json={"date": "2025-07-01"}), "date")
    _refused_on(api.open(url, "DELETE"), "date")
    assert api.get(url).get_json() == expense
    # A change that touches no posted figure is still allowed in a closed period.
    noted = api.open(url, "PATCH", json={"notes": "Lens cap"})
    assert noted.status_code == 200 and noted.get_json()["notes"] == "Lens cap"


def test_a_receipt_removed(api: ApiClient) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    expense = _expense(api)
    other = _expense(api, supplier="Another shop")
    upload = api.post(
        f"/api/v1/expenses/{expense['id']}/receipts",
        data={"receipt": (io.BytesIO(buffer.getvalue()), "till.png")},
        content_type="multipart/form-data",
    )
    receipt_id = upload.get_json()["receipts"][0]["id"]
    # The receipt named under another expense of the same owner is no such thing.
    wrong = api.open(f"/api/v1/expenses/{other['id']}/receipts/{receipt_id}", "DELETE")
    assert wrong.status_code == 404
    url = f"/api/v1/expenses/{expense['id']}/receipts/{receipt_id}"
    assert api.open(url, "DELETE").status_code == 204
    assert api.get(f"/api/v1/expenses/{expense['id']}").get_json()["receipts"] == []
    assert api.open(url, "DELETE").status_code == 404


# --------------------------------------------------------------------------- recurring


def test_a_recurring_expense_added_changed_and_removed(api: ApiClient) -> None:
    made = _recurring(api)
    assert made.status_code == 201, made.get_json()
    rec = made.get_json()
    assert rec["amount"] == _money("18.00") and rec["next_due"] is None  # all four added
    added = api.get("/api/v1/expenses").get_json()["data"]
    # From the last day of January, each month's last day (28 or 29 February).
    assert sorted(e["date"] for e in added) == [_month_end(m) for m in (1, 2, 3, 4)]
    assert {e["source"] for e in added} == {"recurring"}
    url = f"/api/v1/recurring-expenses/{rec['id']}"
    assert api.get(url).get_json() == rec
    assert [r["id"] for r in api.get("/api/v1/recurring-expenses").get_json()["data"]] == [
        rec["id"]
    ]

    longer = api.open(url, "PATCH", json={"end_date": _month_end(5), "notes": "Annual rise"})
    assert longer.status_code == 200, longer.get_json()
    assert longer.get_json()["notes"] == "Annual rise"
    assert len(api.get("/api/v1/expenses").get_json()["data"]) == 5

    assert api.open(url, "DELETE").status_code == 204
    assert api.get(url).status_code == 404
    assert len(api.get("/api/v1/expenses").get_json()["data"]) == 5  # they stay


def test_refused_recurring_expenses_keep_nothing(api: ApiClient) -> None:
    _refused_on(_recurring(api, end_date=f"{LAST_YEAR - 1}-12-31"), "end_date")
    _refused_on(_recurring(api, start_date="1800-01-31"), "start_date")
    _refused_on(_recurring(api, vat=_money("19.00")), "vat")
    _refused_on(_recurring(api, supplier=" "), "supplier")
    assert api.get("/api/v1/recurring-expenses").get_json()["data"] == []
    assert api.get("/api/v1/expenses").get_json()["data"] == []

    rec = _recurring(api, start_date=f"{LAST_YEAR + 5}-01-31", end_date=None).get_json()
    url = f"/api/v1/recurring-expenses/{rec['id']}"
    _refused_on(api.open(url, "PATCH", json={"amount": _money("1000000000.00")}), "amount")
    _refused_on(api.open(url, "PATCH", json={"end_date": "2029-01-01"}), "end_date")
    assert api.get(url).get_json() == rec


#: What an expense and a recurring expense share (declared once, api/resources/expenses/costs.py).
COST_MEMBERS = (
    "description",
    "category",
    "amount",
    "vat",
    "vat_treatment",
    "vat_reclaimable",
    "business_percent",
    "payment_method",
    "notes",
)


def test_expenses_and_recurring_expenses_document_the_cost_members_alike(client: Any) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for one, recurring in (("ExpenseIn", "RecurringIn"), ("ExpensePatch", "RecurringPatch")):
        members = schemas[one]["properties"], schemas[recurring]["properties"]
        assert {n: members[0][n] for n in COST_MEMBERS} == {n: members[1][n] for n in COST_MEMBERS}
    assert {"amount", "date"} == set(schemas["ExpenseIn"]["required"])
    assert {"amount", "supplier", "start_date"} == set(schemas["RecurringIn"]["required"])


def test_expenses_and_recurring_expenses_refuse_bad_cost_members_alike(api: ApiClient) -> None:
    def expense(**bad: Any) -> Any:
        body = {"date": "2025-06-02", "amount": _money("12.00"), **bad}
        return api.post("/api/v1/expenses", json=body)

    def recurring(**bad: Any) -> Any:
        return _recurring(api, **bad)

    for post in (expense, recurring):
        _refused_on(post(business_percent="100.5"), "business_percent")
        _refused_on(post(category="snacks"), "category")
        _refused_on(post(payment_method="barter"), "payment_method")
        _refused_on(post(vat_treatment="sometimes"), "vat_treatment")
        # The VAT in another currency than the amount: the body as a whole.
        _refused_on(post(vat={"amount": "1.00", "currency": "EUR"}), "body")
    assert api.get("/api/v1/recurring-expenses").get_json()["data"] == []
    assert api.get("/api/v1/expenses").get_json()["data"] == []


# --------------------------------------------------------------------------- journeys


def test_a_journey_changed_then_deleted_and_closed_periods_kept(app: Flask, api: ApiClient) -> None:
    journey = _journey(api)
    url = f"/api/v1/journeys/{journey['id']}"
    changed = api.open(url, "PATCH", json={"miles": "30.0", "vehicle": "motorcycle"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["miles"] == "30.0"
    assert changed.get_json()["origin"] == "Leeds"
    _refused_on(api.open(url, "PATCH", json={"miles": "0"}), "miles")
    _refused_on(api.open(url, "PATCH", json={"purpose": " "}), "purpose")
    assert api.get(url).get_json() == changed.get_json()

    _close_books(app, api, dt.date(2025, 6, 30))
    _refused_on(api.open(url, "PATCH", json={"miles": "31.0"}), "date")
    _refused_on(api.open(url, "DELETE"), "date")
    assert api.get(url).get_json() == changed.get_json()

    later = _journey(api, date="2025-07-02")
    assert api.open(f"/api/v1/journeys/{later['id']}", "DELETE").status_code == 204
    assert api.get(f"/api/v1/journeys/{later['id']}").status_code == 404


# --------------------------------------------------------------------------- tenancy, scopes


def test_another_users_ids_are_404_and_change_nothing(api: ApiClient, api_for: Any) -> None:
    expense = _expense(api)
    journey = _journey(api)
    rec = _recurring(api, start_date=f"{LAST_YEAR + 5}-01-31", end_date=None).get_json()
    intruder = api_for()
    urls = [
        f"/api/v1/expenses/{expense['id']}",
        f"/api/v1/journeys/{journey['id']}",
        f"/api/v1/recurring-expenses/{rec['id']}",
    ]
    for url in urls:
        for method in ("PATCH", "DELETE"):
            response = intruder.open(url, method, json={"notes": "Intruder"})
            assert response.status_code == 404, (method, url)
            assert response.headers["Content-Type"] == PROBLEM
    assert api.get(urls[0]).get_json() == expense
    assert api.get(urls[1]).get_json() == journey
    assert api.get(urls[2]).get_json() == rec


def test_a_read_only_token_may_not_change_expenses(api_for: Any) -> None:
    owner = api_for()
    expense = _expense(owner)
    reader = api_for(owner.user, scopes=(scope("expenses", "read"),))
    url = f"/api/v1/expenses/{expense['id']}"
    assert reader.get(url).status_code == 200
    assert reader.open(url, "PATCH", json={"notes": "x"}).status_code == 403
    assert reader.open(url, "DELETE").status_code == 403
    assert owner.get(url).get_json() == expense
