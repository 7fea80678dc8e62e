"""The dashboard at / : empty state, this tax year's figures, the VAT threshold warning,
charts with their data tables, and no inline styles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minimin.core.dates import TaxYear, uk_today


def test_new_user_sees_the_empty_state(client: Any, trader: Any) -> None:
    trader()
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "tax year starts here" in html
    assert "<svg" not in html


def test_year_so_far_charts_and_threshold(client: Any, trader: Any) -> None:
    user = trader()
    today = uk_today()
    year = TaxYear.containing(today)
    b = user.books
    inv = b.invoice(tax_point=year.start, net=8_200_000, client_id=user.client_id)
    b.payment(inv, 500_000, year.start)
    b.expense(day=year.start, amount=12_345)
    overdue = b.invoice(tax_point=today - dt.timedelta(days=45), net=40_000)
    html = client.get("/").get_data(as_text=True)
    assert "£5,000.00" in html  # income received (cash basis)
    assert "£123.45" in html  # expenses
    assert "£4,876.55" in html  # profit
    assert overdue.number in html  # longest overdue list
    # £82,400 of taxable turnover in 12 months: over 90 % of £90,000.
    assert "within 10% of the VAT registration threshold" in html
    assert html.count("<figure>") == 2
    assert "<figcaption>" in html and "<details" in html
    assert 'class="chart-income"' in html
    assert "Acme Studios Ltd" in html
    assert "style=" not in html


def test_over_threshold_is_an_alert(client: Any, trader: Any) -> None:
    user = trader()
    user.books.invoice(tax_point=uk_today() - dt.timedelta(days=3), net=9_000_001)
    html = client.get("/").get_data(as_text=True)
    assert "You are over the VAT registration threshold" in html


def test_vat_registered_sees_the_current_period(client: Any, trader: Any) -> None:
    today = uk_today()
    user = trader(
        vat_registered=True,
        vat_scheme="standard",
        vat_stagger="monthly",
        vat_registration_date=today.replace(day=1) - dt.timedelta(days=400),
    )
    user.books.invoice(tax_point=today, net=10_000, vat=2_000)
    html = client.get("/").get_data(as_text=True)
    assert "VAT this period" in html
    assert "£20.00 to pay so far" in html
    assert "VAT registration threshold" not in html


def test_signed_out_home_is_the_public_page(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "tax year starts here" not in html
