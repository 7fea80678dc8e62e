"""MTD for Income Tax page: scope table, quarters with the HMRC body, bad tax years."""

from __future__ import annotations

from decimal import Decimal
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


def test_quarterly_updates_are_cumulative_journal_sums_on_the_cash_basis(
    app: Any, trader: Any
) -> None:
    """2025/26, standard quarters (6 April - 5 July, 6 July - 5 October...), cash basis:

    - £3,000 invoiced on 10 April, paid on 20 May (first quarter);
    - £1,000 invoiced on 1 August, paid on 1 September (second quarter);
    - £500 invoiced on 15 June and never paid: no income on the cash basis;
    - travel £50 on 15 April (box 20); advertising £200 on 10 August (box 24).
    """
    import datetime as dt

    from minimin.reports import mtd

    user = trader()
    b = user.books
    first = b.invoice(tax_point=dt.date(2025, 4, 10), net=300_000)
    b.payment(first, 300_000, dt.date(2025, 5, 20))
    second = b.invoice(tax_point=dt.date(2025, 8, 1), net=100_000)
    b.payment(second, 100_000, dt.date(2025, 9, 1))
    b.invoice(tax_point=dt.date(2025, 6, 15), net=50_000)
    b.expense(day=dt.date(2025, 4, 15), amount=5_000)
    b.expense(day=dt.date(2025, 8, 10), amount=20_000, category="advertising")
    with app.app_context():
        updates = mtd.quarterly_updates(user.id, TaxYear(2025), dt.date(2025, 10, 20))
    assert [u.period.end for u in updates] == [
        dt.date(2025, 7, 5),
        dt.date(2025, 10, 5),
        dt.date(2026, 1, 5),
    ]
    q1, q2, q3 = updates
    assert (q1.start, q1.turnover_pence, q1.expenses.allowable_pence) == (
        dt.date(2025, 4, 6),
        300_000,
        5_000,
    )
    # Cumulative from 6 April: £3,000 + £1,000, £50 + £200; nothing new in the third quarter
    # (its figures run to today, 20 October).
    assert (q2.turnover_pence, q2.expenses.allowable_pence, q2.profit_pence) == (
        400_000,
        25_000,
        375_000,
    )
    assert (q3.turnover_pence, q3.expenses.allowable_pence) == (400_000, 25_000)
    body = q2.body()
    assert body["periodIncome"]["turnover"] == Decimal("4000.00")
    assert body["periodExpenses"] == {"consolidatedExpenses": Decimal("250.00")}
