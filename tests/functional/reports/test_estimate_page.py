"""The old tax estimate address moved for good to "Your Self Assessment", which shows all the
old page showed: these are the old page's cases, asked of the new page, and the redirect."""

from __future__ import annotations

from datetime import date

PAGE = "/reports/self-assessment"


def _post(client, **fields):
    data = {"tax_year": "2025/26", "regime": "ruk", "basis": "cash", **fields}
    return client.submit(PAGE, data)


def test_old_address_redirects_for_good_keeping_the_year(client, signed_in):
    response = client.get("/reports/estimate?year=2024/25")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/reports/self-assessment?year=2024/25")
    plain = client.get("/reports/estimate")
    assert plain.status_code == 301
    assert plain.headers["Location"].endswith("/reports/self-assessment")
    assert client.get("/reports/estimate", follow_redirects=True).status_code == 200


def test_a_form_posted_to_the_old_address_opens_the_new_page_and_keeps_nothing(client, signed_in):
    response = client.submit(
        "/reports/estimate",
        {"tax_year": "2025/26", "salary": "30000"},
        form_page=PAGE,
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/reports/self-assessment?year=2025/26")
    page = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert 'value="30000.00"' not in page


def test_estimate_from_the_books_matches_the_worked_check(client, user_books):
    # Profit £60,000: (60,000 - 12,570) = 47,430: 37,700 x 20% + 9,730 x 40% = £11,432;
    # Class 4 37,700 x 6% + 9,730 x 2% = £2,456.60.
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 6150000)
        books.pay(invoice, date(2025, 6, 1), 6150000)
        books.expense(date(2025, 6, 2), 150000, "advertising")  # better than the allowance
    response = _post(client)
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
    text = _post(client).get_data(as_text=True)
    assert "£19,000.00" in text  # £20,000 less the £1,000 allowance, not £300 of expenses
    assert "Trading allowance used instead of expenses" in text


def test_estimate_with_salary_and_override(client, signed_in):
    # Profit £20,000 + pay £30,000: 37,430 x 20% = £7,486; Class 4 7,430 x 6% = £445.80;
    # less £3,486 PAYE: £4,445.80.
    response = _post(client, profit_override="20000", salary="30,000", tax_paid="3486")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "£7,486.00" in text and "£445.80" in text and "£4,445.80" in text


def test_estimate_refuses_bad_input_and_unknown_years(client, signed_in):
    assert _post(client, salary="1e9").status_code == 400
    response = client.submit(PAGE, {"tax_year": "2019/20", "regime": "ruk", "basis": "cash"})
    assert response.status_code == 400
    assert "Tax rates for 2019/20 are not in Minimin" in response.get_data(as_text=True)
    response = client.submit(PAGE, {"tax_year": "2023/24", "regime": "scotland", "basis": "cash"})
    assert response.status_code == 400


def test_estimate_without_payments_on_account_shows_the_percentage(client, user_books):
    # A bill under £1,000: the page says why no payments on account are due, "80%" and all.
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 1500000)
        books.pay(invoice, date(2025, 6, 1), 1500000)
    response = _post(client)
    assert response.status_code == 200
    assert "more than 80% of the year's tax was collected at source" in response.get_data(
        as_text=True
    )
