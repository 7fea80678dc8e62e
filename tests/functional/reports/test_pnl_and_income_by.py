"""Profit and loss and income by client or agency for any date range."""

from __future__ import annotations

import csv
import io
from datetime import date


def test_pnl_page_and_end_before_start(client, user_books):
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 50000)
        books.pay(invoice, date(2025, 5, 2), 50000)
        books.expense(date(2025, 5, 3), 10000, "office")
    page = client.get("/reports/profit-and-loss?start=2025-05-01&end=2025-05-31")
    assert page.status_code == 200
    assert "£400.00" in page.get_data(as_text=True)
    bad = client.get("/reports/profit-and-loss?start=2025-05-31&end=2025-05-01")
    assert bad.status_code == 400
    assert "The end date is before the start date." in bad.get_data(as_text=True)
    bad = client.get("/reports/profit-and-loss?start=2025-02-30&end=2025-05-01")
    assert bad.status_code == 400
    assert "does not exist" in bad.get_data(as_text=True)


def test_income_by_client_and_agency_with_formula_safe_csv(client, user_books):
    with user_books() as books:
        from minimin.contacts.models import Client

        evil = Client(user_id=books.user_id, name="=cmd|' /C calc'!A0", kind="company")
        books.db.session.add(evil)
        books.db.session.flush()
        invoice = books.invoice(date(2025, 5, 1), 70000, client_id=evil.id)
        books.pay(invoice, date(2025, 5, 2), 70000)
        books.agency_income(date(2025, 5, 3), 30000)
    page = client.get("/reports/income-by-client?start=2025-04-06&end=2026-04-05")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Top Models" in text and "£700.00" in text and "£1,000.00" in text
    data = client.get("/reports/income-by-client.csv?start=2025-04-06&end=2026-04-05")
    rows = list(csv.reader(io.StringIO(data.get_data(as_text=True))))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][4] == "700.00"
    assert rows[2][:2] == ["Top Models", "agency"]


def test_reports_of_another_user_are_not_visible(client, user_books, make_user, app):
    from minimin.extensions import db
    from tests.unit.reports.conftest import Books

    with app.app_context():
        other = Books(db, make_user().id)
        invoice = other.invoice(date(2025, 5, 1), 123456)
        other.pay(invoice, date(2025, 5, 2), 123456)
        db.session.commit()
    page = client.get("/reports/income-by-client?start=2025-04-06&end=2026-04-05")
    assert "£1,234.56" not in page.get_data(as_text=True)
    assert "No income in this period." in page.get_data(as_text=True)
