"""Tax-year report page, PDF and CSV; P&L reconciles with it."""

from __future__ import annotations

import csv
import io
from datetime import date

from minimin.core.dates import TaxYear

Y = TaxYear(2025)


def _fill(books):
    invoice = books.invoice(date(2025, 5, 1), 300000, 0, customer_name="=HYPERLINK(evil)")
    books.pay(invoice, date(2025, 5, 20), 300000)
    books.agency_income(date(2025, 8, 1), 100000, commission=18000)
    books.expense(date(2025, 6, 1), 18000, "professional")
    books.expense(date(2025, 6, 2), 12000, "travel")
    books.expense(date(2025, 6, 3), 5000, "entertainment")
    books.journey(date(2025, 6, 4), "100.0")


def test_tax_year_page_shows_boxes_profit_and_trading_allowance(client, user_books):
    with user_books() as books:
        _fill(books)
    page = client.get("/reports/tax-year?year=2025/26")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "£4,000.00" in text  # turnover: £3,000 direct + £1,000 agency gross
    assert "£345.00" in text  # box 20: £120 travel + £45 mileage... total allowable below
    # allowable 180 + 120 + 45 = 345; profit 4000 - 345 = 3655
    assert "£3,655.00" in text
    assert "£50.00" in text  # entertainment, disallowable
    assert "The trading allowance is better" in text


def test_tax_year_csv_is_safe_and_reconciles(client, user_books):
    with user_books() as books:
        _fill(books)
        books.expense(date(2025, 7, 1), 200000, "premises")  # makes a loss
    response = client.get("/reports/tax-year.csv?year=2025/26&basis=cash")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    by_box = {(r[0], r[1]): r[3] for r in rows[1:] if r[1]}
    assert by_box[("income", "15")] == "4000.00"
    boxes = sum(float(by_box[("allowable", str(b))]) * 100 for b in range(17, 31))
    assert round(boxes) == int(float(by_box[("allowable", "31")]) * 100) == 234500
    assert by_box[("profit", "47")] == "1655.00"


def test_tax_year_pdf(client, user_books):
    with user_books() as books:
        _fill(books)
    response = client.get("/reports/tax-year.pdf?year=2025/26&basis=accruals")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]


def test_bad_parameters_get_a_clear_message(client, signed_in):
    response = client.get("/reports/tax-year?year=2025/27")
    assert response.status_code == 400
    assert "Enter a tax year like 2025/26." in response.get_data(as_text=True)
    response = client.get("/reports/tax-year?year=2025/26&capital_allowances=lots")
    assert response.status_code == 400
    response = client.get("/reports/tax-year?year=2025/26&basis=magic")
    assert response.status_code == 400
    assert "cash basis or the accruals basis" in response.get_data(as_text=True)


def test_year_outside_the_table_still_reports_but_says_so(client, user_books):
    with user_books() as books:
        _fill(books)
    response = client.get("/reports/tax-year?year=2019/20")
    assert response.status_code == 200
    assert "not in Minimin" in response.get_data(as_text=True)


def test_pnl_for_the_tax_year_equals_the_tax_year_report(client, user_books):
    with user_books() as books:
        _fill(books)
    report = client.get("/reports/tax-year.csv?year=2025/26").get_data(as_text=True)
    profit_line = next(r for r in csv.reader(io.StringIO(report)) if r[1] == "47")
    pnl = client.get(
        f"/reports/profit-and-loss.csv?start={Y.start.isoformat()}&end={Y.end.isoformat()}"
    ).get_data(as_text=True)
    pnl_profit = next(r for r in csv.reader(io.StringIO(pnl)) if r[0] == "Net profit")
    assert pnl_profit[2] == profit_line[3] == "3655.00"
    # Expenses are negative numbers, not escaped text.
    assert any(r[2].startswith("-") for r in csv.reader(io.StringIO(pnl)) if r[0] != "item")


def test_reports_need_sign_in(client):
    assert client.get("/reports/tax-year").status_code == 302
    assert client.get("/reports/").status_code == 302
