"""MTD for Income Tax page: scope table, quarters with the HMRC body, bad tax years."""

from __future__ import annotations

from typing import Any

from minimin.core.dates import TaxYear, uk_today


def test_mtd_page_shows_scope_and_quarter_bodies(client: Any, trader: Any) -> None:
    user = trader()
    year = TaxYear.containing(uk_today())
    inv = user.books.invoice(tax_point=year.start, net=300_000)
    user.books.payment(inv, 300_000, year.start)
    user.books.expense(day=year.start, amount=5_000)
    response = client.get("/reports/mtd")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "periodDates" in html and "consolidatedExpenses" in html
    assert year.start.isoformat() in html
    assert "&#34;turnover&#34;: 3000.00" in html or '"turnover": 3000.00' in html
    calendar = client.get(f"/reports/mtd?year={year.label}&calendar=1").get_data(as_text=True)
    assert f"{year.start_year}-04-01" in calendar


def test_bad_tax_years(client: Any, trader: Any) -> None:
    trader()
    for value, message in (("2025/27", "Enter a tax year like 2025/26"), ("2999/00", "")):
        response = client.get(f"/reports/mtd?year={value}")
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True)
