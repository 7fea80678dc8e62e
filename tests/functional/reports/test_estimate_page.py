"""The tax estimate page: figures from the books, other income entered, clear errors."""

from __future__ import annotations

from datetime import date


def test_estimate_from_the_books_matches_the_worked_check(client, user_books):
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 6150000)
        books.pay(invoice, date(2025, 6, 1), 6150000)
        books.expense(date(2025, 6, 2), 150000, "advertising")  # better than the allowance
    assert client.get("/reports/estimate").status_code == 200
    response = client.submit(
        "/reports/estimate", {"tax_year": "2025/26", "regime": "ruk", "basis": "cash"}
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "£11,432.00" in text
    assert "£2,456.60" in text
    assert "31 Jan 2027" in text and "31 Jul 2027" in text
    assert "£60,000.00" in text


def test_trading_allowance_is_used_when_it_beats_the_expenses(client, user_books):
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 2000000)
        books.pay(invoice, date(2025, 6, 1), 2000000)
        books.expense(date(2025, 6, 2), 30000, "office")
    response = client.submit(
        "/reports/estimate", {"tax_year": "2025/26", "regime": "ruk", "basis": "cash"}
    )
    text = response.get_data(as_text=True)
    assert "£19,000.00" in text  # £20,000 less the £1,000 allowance, not £300 of expenses
    assert "trading allowance gives a lower profit" in text


def test_estimate_with_salary_and_override(client, signed_in):
    response = client.submit(
        "/reports/estimate",
        {
            "tax_year": "2025/26",
            "regime": "ruk",
            "basis": "cash",
            "profit_override": "20000",
            "salary": "30,000",
            "tax_paid": "3486",
        },
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "£7,486.00" in text and "£445.80" in text and "£4,445.80" in text


def test_estimate_refuses_bad_input_and_unknown_years(client, signed_in):
    response = client.submit(
        "/reports/estimate",
        {"tax_year": "2025/26", "regime": "ruk", "basis": "cash", "salary": "1e9"},
    )
    assert response.status_code == 400
    response = client.submit(
        "/reports/estimate", {"tax_year": "2019/20", "regime": "ruk", "basis": "cash"}
    )
    assert response.status_code == 400
    assert "Tax rates for 2019/20 are not in Minimin" in response.get_data(as_text=True)
    response = client.submit(
        "/reports/estimate", {"tax_year": "2023/24", "regime": "scotland", "basis": "cash"}
    )
    assert response.status_code == 400


def test_estimate_without_payments_on_account_shows_the_percentage(client, user_books):
    # A bill under £1,000: the page says why no payments on account are due, "80%" and all.
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 1500000)
        books.pay(invoice, date(2025, 6, 1), 1500000)
    response = client.submit(
        "/reports/estimate", {"tax_year": "2025/26", "regime": "ruk", "basis": "cash"}
    )
    assert response.status_code == 200
    assert "more than 80% of the year's tax was collected at source" in response.get_data(
        as_text=True
    )
