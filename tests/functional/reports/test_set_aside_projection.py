"""The dashboard's and Your Self Assessment's "set aside for tax" project the year's profit from
the trend so far, so a profit still under the personal allowance sets tax aside."""

from __future__ import annotations

import re
from typing import Any

from minimin.core.dates import TaxYear, uk_today
from minimin.reports import tax
from minimin.reports.projection import project


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_set_aside_follows_the_trend_on_dashboard_and_estimate(client: Any, trader: Any) -> None:
    user = trader()
    today = uk_today()
    year = TaxYear.containing(today)
    invoice = user.books.invoice(tax_point=year.start, net=1_000_000, client_id=user.client_id)
    user.books.payment(invoice, 1_000_000, year.start)  # £10,000 profit so far (cash basis)

    expected = project(year, today, 1_000_000, lambda p: tax.set_aside(year, p))
    if expected.projected_profit_pence > 1_257_000:
        assert expected.set_aside_pence > 0

    money = f"£{expected.set_aside_pence / 100:,.2f}"
    dashboard = _text(client.get("/").get_data(as_text=True))
    assert f"Set aside for tax {money}" in dashboard
    assert "projects to" in dashboard and "for the whole year" in dashboard

    estimate = _text(client.get("/reports/self-assessment").get_data(as_text=True))
    assert f"Set aside for tax so far this year {money}" in estimate
    assert f"£{expected.projected_profit_pence / 100:,.2f}" in estimate


def test_dashboard_jobs_to_invoice_leads_to_the_list(client: Any, trader: Any) -> None:
    import datetime as dt

    from minimin.extensions import db
    from minimin.jobs.models import Job

    user = trader()
    invoice = user.books.invoice(tax_point=uk_today(), net=1000, client_id=user.client_id)
    assert invoice  # the dashboard shows figures once there are records
    with user.books.app.app_context():
        db.session.add(
            Job(
                user_id=user.id,
                title="Catalogue",
                status="completed",
                client_id=user.client_id,
                starts_on=dt.date(2026, 1, 5),
                ends_on=dt.date(2026, 1, 5),
                gross_pence=120000,
            )
        )
        db.session.commit()
    page = _text(client.get("/").get_data(as_text=True))
    assert "Jobs to invoice 1 job done and not invoiced yet · gross £1,200.00" in page
    assert 'href="/jobs/to-invoice"' in client.get("/").get_data(as_text=True)
