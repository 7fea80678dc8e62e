"""The invoice list: its order, its counts by status and the ageing of what is owed.

The ageing is bucketed in SQL for speed; these tests hold it to the plain Python rule
(``listing.ageing_bucket``) on every boundary day, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

TODAY = date(2025, 4, 10)
#: Days late on and either side of every bucket boundary.
DAYS_LATE = (-5, 0, 1, 2, 29, 30, 31, 59, 60, 61, 89, 90, 91, 400)


def _add(app: Any, user: Any, **values: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    defaults = {
        "user_id": user.id,
        "client_id": user.client_id,
        "customer_name": "Acme Studios Ltd",
        "currency": "GBP",
        "net_pence": 10000,
        "vat_pence": 0,
        "total_pence": 10000,
    }
    with app.app_context():
        db.session.add(Invoice(**{**defaults, **values}))
        db.session.commit()


def _issued(app: Any, user: Any, sequence: int, **values: Any) -> None:
    _add(app, user, status="issued", number=f"INV-{sequence:03d}", sequence=sequence, **values)


@pytest.mark.parametrize("days_late", DAYS_LATE)
def test_sql_ageing_matches_the_rule_on_every_boundary(
    app: Any, business: Any, days_late: int
) -> None:
    from minimin.invoices import listing

    user = business()
    due = TODAY - timedelta(days=days_late)
    _issued(app, user, 1, due_date=due, total_pence=12345, paid_pence=345)
    with app.app_context():
        buckets = listing.ageing(user.id, TODAY)["GBP"]
    expected = listing.ageing_bucket(due, TODAY)
    assert buckets == {name: (12000 if name == expected else 0) for name in buckets}


def test_ageing_counts_only_open_invoices_and_what_is_still_owed(app: Any, business: Any) -> None:
    from minimin.invoices import listing

    user = business()
    late = TODAY - timedelta(days=45)
    _issued(app, user, 1, due_date=late, total_pence=10000, paid_pence=2500)  # part-paid
    _issued(app, user, 2, due_date=late, total_pence=5000, credited_pence=1000)
    _issued(app, user, 3, due_date=None, total_pence=700)  # no due date: current
    _add(app, user, status="paid", number="INV-004", sequence=4, due_date=late, paid_pence=10000)
    _add(app, user, status="draft", due_date=late)
    _add(app, user, status="sent", number="E-1", sequence=5, due_date=late, currency="EUR")
    with app.app_context():
        result = listing.summary(user.id, TODAY)
    assert result.ageing["GBP"] == {
        "current": 700,
        "1_30": 0,
        "31_60": 7500 + 4000,
        "61_90": 0,
        "90_plus": 0,
    }
    assert result.ageing["EUR"]["31_60"] == 10000
    assert result.counts["issued"] == 3 and result.counts["paid"] == 1
    assert result.count() == 6 and result.count("open") == 4 and result.count("draft") == 1


def test_list_shows_drafts_first_then_newest_number_first(
    app: Any, business: Any, client: Any, login: Any
) -> None:
    user = business()
    for sequence in (1, 3, 2):
        _issued(app, user, sequence, due_date=TODAY)
    _add(app, user, status="draft", customer_name="Draft Customer")
    login(client, user)
    page = client.get("/invoices").get_data(as_text=True)
    order = re.findall(r">(INV-\d{3}|Draft)</a>", page)
    assert order == ["Draft", "INV-003", "INV-002", "INV-001"]


def test_status_filter_shows_counts_and_only_matching_invoices(
    app: Any, business: Any, client: Any, login: Any
) -> None:
    user = business()
    _issued(app, user, 1, due_date=TODAY)
    _add(app, user, status="paid", number="INV-002", sequence=2, paid_pence=10000)
    _add(app, user, status="draft")
    login(client, user)
    page = client.get("/invoices?status=open").get_data(as_text=True)
    assert "INV-001" in page and "INV-002" not in page and ">Draft</a>" not in page
    assert "Awaiting payment (1)" in page and "All invoices (3)" in page
    drafts = client.get("/invoices?status=draft").get_data(as_text=True)
    assert ">Draft</a>" in drafts and "INV-001" not in drafts


def test_a_page_past_the_end_shows_the_last_page(
    app: Any, business: Any, client: Any, login: Any
) -> None:
    user = business()
    _issued(app, user, 1, due_date=TODAY)
    login(client, user)
    response = client.get("/invoices?page=999")
    assert response.status_code == 200
    assert "INV-001" in response.get_data(as_text=True)


def test_a_refund_due_never_counts_against_what_is_owed(app: Any, business: Any) -> None:
    """An invoice credited below what was paid owes nothing (the customer is owed a refund):
    it adds nothing to the ageing rather than a negative amount that would hide other debts."""
    from minimin.invoices import listing

    user = business()
    late = TODAY - timedelta(days=10)
    _issued(app, user, 1, due_date=late, total_pence=10000, paid_pence=6000, credited_pence=5000)
    _add(
        app,
        user,
        status="part_paid",
        number="INV-002",
        sequence=2,
        due_date=late,
        total_pence=10000,
        paid_pence=6000,
        credited_pence=5000,
        refunded_pence=1000,
    )
    _issued(app, user, 3, due_date=late, total_pence=2500)
    with app.app_context():
        buckets = listing.ageing(user.id, TODAY)["GBP"]
        rows = listing.page_of_invoices(user.id, "", 1)
    assert buckets["1_30"] == 2500
    assert {row.number: row.outstanding_pence for row in rows} == {
        "INV-003": 2500,
        "INV-002": 0,
        "INV-001": 0,
    }
