"""VAT returns worked by hand: standard accounting, cash accounting, the Flat Rate Scheme with
its limited cost trader test, drill-down, filing and locking, the HMRC body, bad periods."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

Q_START, Q_END = "2025-04-01", "2025-06-30"
RETURN = f"/reports/vat/{Q_START}/{Q_END}"


def _box(html: str, n: int) -> str:
    marker = f'id="box-{n}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def _records(user: Any) -> tuple[Any, Any]:
    b = user.books
    a = b.invoice(tax_point=dt.date(2025, 4, 10), net=100_000, vat=20_000)
    bb = b.invoice(tax_point=dt.date(2025, 5, 15), net=50_000, vat=10_000)
    b.invoice(tax_point=dt.date(2025, 7, 2), net=99_900, vat=19_980)  # next quarter
    b.invoice(tax_point=dt.date(2025, 5, 1), net=70_000, vat=14_000, status="draft")
    b.invoice(tax_point=dt.date(2025, 5, 2), net=70_000, vat=14_000, status="void")
    b.expense(day=dt.date(2025, 5, 1), amount=12_000, vat=2_000, reclaimable=True)
    b.expense(day=dt.date(2025, 5, 3), amount=30_000, category="staff", supplier="Assistant")
    return a, bb


REGISTERED = {
    "vat_registered": True,
    "vat_number": "GB123456789",
    "vat_registration_date": dt.date(2025, 1, 1),
    "vat_stagger": "1",
}


def test_standard_accounting_boxes(client: Any, trader: Any) -> None:
    user = trader(vat_scheme="standard", **REGISTERED)
    _records(user)
    page = client.get(RETURN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _box(html, 1) == "£300.00"  # 200 + 100 output VAT; draft, void, July left out
    assert _box(html, 2) == "£0.00"
    assert _box(html, 3) == "£300.00"
    assert _box(html, 4) == "£20.00"
    assert _box(html, 5) == "£280.00"
    assert _box(html, 6) == "£1,500.00"
    assert _box(html, 7) == "£100.00"  # wages are not purchases
    assert "style=" not in html


def test_cash_accounting_uses_payments(client: Any, trader: Any) -> None:
    user = trader(vat_scheme="cash_accounting", **REGISTERED)
    a, bb = _records(user)
    user.books.payment(a, 60_000, dt.date(2025, 6, 1))  # half of £1,200: VAT share £100
    user.books.payment(bb, 60_000, dt.date(2025, 7, 5))  # next quarter
    html = client.get(RETURN).get_data(as_text=True)
    assert _box(html, 1) == "£100.00"
    assert _box(html, 4) == "£20.00"
    assert _box(html, 5) == "£80.00"
    assert _box(html, 6) == "£500.00"
    drill = client.get(f"{RETURN}/box/1").get_data(as_text=True)
    assert "INV-0001" in drill and "INV-0002" not in drill


def test_flat_rate_scheme_and_limited_cost_trader(client: Any, trader: Any) -> None:
    user = trader(vat_scheme="flat_rate", flat_rate_percent=Decimal("14.5"), **REGISTERED)
    b = user.books
    b.invoice(tax_point=dt.date(2025, 4, 10), net=100_000, vat=20_000)
    b.invoice(tax_point=dt.date(2025, 5, 15), net=50_000, vat=10_000)
    b.expense(day=dt.date(2025, 5, 1), amount=12_000, vat=2_000)
    # No goods: a limited cost trader, so 16.5 % of the £1,800 VAT-inclusive turnover.
    html = client.get(RETURN).get_data(as_text=True)
    assert _box(html, 1) == "£297.00"
    assert _box(html, 4) == "£0.00"
    assert _box(html, 6) == "£1,800.00"  # includes VAT under the scheme
    assert "You are a limited cost trader for this period" in html
    # £300 of goods: over 2 % of turnover (£36) and over £250 for a quarter -> sector rate.
    b.expense(day=dt.date(2025, 5, 2), amount=30_000, category="goods", supplier="Props Ltd")
    html = client.get(RETURN).get_data(as_text=True)
    assert _box(html, 1) == "£261.00"  # 14.5 % x £1,800
    assert _box(html, 7) == "£0.00"  # no capital purchase reclaimed: box 7 is 0
    assert "You are not a limited cost trader" in html


def test_filing_locks_the_figures(app: Any, client: Any, trader: Any) -> None:
    from minimin.extensions import db
    from minimin.reports.tax_models import VATReturn

    user = trader(vat_scheme="standard", **REGISTERED)
    _records(user)
    refused = client.submit(f"{RETURN}/file", {"period_key": "25A1"})
    assert refused.status_code == 422
    bad_key = client.submit(f"{RETURN}/file", {"confirm": "yes", "period_key": "<script>"})
    assert bad_key.status_code == 422
    filed = client.submit(f"{RETURN}/file", {"confirm": "yes", "period_key": "25a1"})
    assert filed.status_code == 302
    with app.app_context():
        stored = db.session.scalars(sa.select(VATReturn)).all()
        assert len(stored) == 1
        assert stored[0].box1_pence == 30_000 and stored[0].box5_pence == 28_000
        assert stored[0].period_key == "25A1"
    again = client.submit(f"{RETURN}/file", {"confirm": "yes"})
    assert again.status_code == 409
    assert "cannot be filed again" in again.get_data(as_text=True)
    # A late invoice dated in the filed period: the stored figures stay, with a warning.
    user.books.invoice(tax_point=dt.date(2025, 6, 1), net=10_000, vat=2_000)
    html = client.get(RETURN).get_data(as_text=True)
    assert _box(html, 1) == "£300.00"
    assert "have changed since it was filed" in html
    body = json.loads(client.get(f"{RETURN}/hmrc.json").get_data(as_text=True))
    assert body == {
        "periodKey": "25A1",
        "vatDueSales": 300.00,
        "vatDueAcquisitions": 0.00,
        "totalVatDue": 300.00,
        "vatReclaimedCurrPeriod": 20.00,
        "netVatDue": 280.00,
        "totalValueSalesExVAT": 1500,
        "totalValuePurchasesExVAT": 100,
        "totalValueGoodsSuppliedExVAT": 0,
        "totalAcquisitionsExVAT": 0,
        "finalised": True,
    }
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VATReturn)) == 1


def test_period_cannot_be_filed_before_it_ends(client: Any, trader: Any) -> None:
    from minimin.core.dates import uk_today

    trader(vat_scheme="standard", **REGISTERED)
    today = uk_today()
    start = today.replace(day=1)
    response = client.submit(
        f"/reports/vat/{start.isoformat()}/{(today + dt.timedelta(days=40)).isoformat()}/file",
        {"confirm": "yes"},
    )
    assert response.status_code == 422
    assert "only after it has ended" in response.get_data(as_text=True)


def test_periods_that_make_no_sense(client: Any, trader: Any) -> None:
    trader(vat_scheme="standard", **REGISTERED)
    cases = {
        "/reports/vat/2025-06-30/2025-04-01": "ends before it starts",
        "/reports/vat/2024-10-01/2024-12-31": "before your VAT registration date",
        "/reports/vat/2025-02-30/2025-03-31": "does not exist",
        "/reports/vat/nonsense/2025-03-31": "Enter a date like",
        "/reports/vat/2025-01-01/2026-12-31": "longer than a year",
        "/reports/vat?start=2025-06-30&end=2025-04-01": "ends before it starts",
    }
    for url, message in cases.items():
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.get_data(as_text=True), url


def test_not_registered_gets_a_clear_message(client: Any, trader: Any) -> None:
    trader()
    response = client.get(RETURN)
    assert response.status_code == 400
    assert "not VAT-registered" in response.get_data(as_text=True)
    index = client.get("/reports/vat")
    assert index.status_code == 200
    assert "Registration threshold" in index.get_data(as_text=True)


def test_index_lists_periods_by_stagger(client: Any, trader: Any) -> None:
    user = trader(vat_scheme="standard", **REGISTERED)
    # Periods are listed from the one holding the first record on.
    user.books.invoice(tax_point=dt.date(2025, 2, 10), net=10_000, vat=2_000)
    html = client.get("/reports/vat").get_data(as_text=True)
    assert f"/reports/vat/{Q_START}/{Q_END}" in html
    assert "/reports/vat/2025-01-01/2025-03-31" in html
    assert "/reports/vat/2024-10-01" not in html  # before registration


def test_other_users_cannot_see_or_file(client: Any, trader: Any, make_user: Any) -> None:
    owner = trader(vat_scheme="standard", **REGISTERED)
    owner.books.invoice(tax_point=dt.date(2025, 4, 10), net=123_456, vat=24_691)
    client.post("/logout", data={"csrf_token": client.csrf_token("/")})
    trader(vat_scheme="standard", **REGISTERED)
    html = client.get(RETURN).get_data(as_text=True)
    assert "£246.91" not in html and _box(html, 1) == "£0.00"
    drill = client.get(f"{RETURN}/box/1").get_data(as_text=True)
    assert "INV-0001" not in drill
