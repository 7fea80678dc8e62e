"""Flat Rate Scheme rules worked by hand: the first-year 1% discount ends the day before the
first anniversary of VAT registration (a period straddling it is split at that day, as HMRC's
"Flat Rate Scheme: how to complete your VAT Return" says for any mid-period rate change), and
capital purchases of £2,000 or more including VAT are claimed outside the scheme in box 4,
their value excluding VAT in box 7 (otherwise box 7 is 0; DOMAIN.md, VAT)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.functional.reports.test_vat_return import REGISTERED, RETURN, _box

FRS = {"vat_scheme": "flat_rate", "flat_rate_percent": Decimal("11"), "flat_rate_first_year": True}


def _sales_and_goods(user: Any) -> None:
    b = user.books
    # £6,000 VAT-inclusive on each side of mid-May; £300 of goods keeps the sector rate (over
    # 2% of £12,000 = £240 and over £250 for a quarter: not a limited cost trader).
    b.invoice(tax_point=dt.date(2025, 4, 10), net=400_000, vat=80_000)
    b.invoice(tax_point=dt.date(2025, 5, 15), net=100_000, vat=20_000)
    b.invoice(tax_point=dt.date(2025, 5, 16), net=500_000, vat=100_000)
    b.expense(day=dt.date(2025, 5, 2), amount=30_000, category="goods", supplier="Props Ltd")


@pytest.mark.parametrize(
    ("registered", "box1"),
    [
        # Anniversary 16 May 2025: 1 Apr - 15 May at 10% (£6,000 -> £600), 16 May - 30 Jun at
        # 11% (£6,000 -> £660): £1,260, not £1,200 (10% of all) nor £1,320 (11% of all).
        (dt.date(2024, 5, 16), "£1,260.00"),
        # Anniversary 1 Apr 2025: the first year ended 31 Mar, the whole quarter at 11%.
        (dt.date(2024, 4, 1), "£1,320.00"),
        # Anniversary 2 Apr 2025: only 1 Apr is discounted; no sales that day -> 11% of all.
        (dt.date(2024, 4, 2), "£1,320.00"),
        # Anniversary 1 Jul 2025: the discount runs to 30 Jun, the whole quarter at 10%.
        (dt.date(2024, 7, 1), "£1,200.00"),
        # Anniversary 11 Apr 2025: the 10 Apr sale (£4,800) at 10% = £480, the other £7,200
        # at 11% = £792: £1,272.
        (dt.date(2024, 4, 11), "£1,272.00"),
    ],
)
def test_first_year_discount_stops_the_day_before_the_anniversary(
    client: Any, trader: Any, registered: dt.date, box1: str
) -> None:
    user = trader(**{**REGISTERED, **FRS, "vat_registration_date": registered})
    _sales_and_goods(user)
    html = client.get(RETURN).get_data(as_text=True)
    assert _box(html, 1) == box1
    assert _box(html, 6) == "£12,000.00"


def test_without_the_first_year_claim_the_sector_rate_applies(client: Any, trader: Any) -> None:
    user = trader(**{**REGISTERED, **FRS, "flat_rate_first_year": False})
    _sales_and_goods(user)
    assert _box(client.get(RETURN).get_data(as_text=True), 1) == "£1,320.00"


def test_capital_purchases_of_2000_or_more_are_reclaimed_in_box_4(client: Any, trader: Any) -> None:
    user = trader(**{**REGISTERED, **FRS, "flat_rate_first_year": False})
    _sales_and_goods(user)
    b = user.books
    # A camera at £2,400 including £400 VAT, VAT marked reclaimable: box 4 £400, box 7 £2,000.
    b.expense(day=dt.date(2025, 5, 20), amount=240_000, vat=40_000, reclaimable=True)
    # Exactly £2,000 including £333.33 VAT counts too: box 7 + £1,666.67.
    b.expense(day=dt.date(2025, 6, 2), amount=200_000, vat=33_333, reclaimable=True)
    # Under £2,000 (£1,999.99) or VAT not marked reclaimable: inside the flat rate, nothing.
    b.expense(day=dt.date(2025, 6, 3), amount=199_999, vat=33_333, reclaimable=True)
    b.expense(day=dt.date(2025, 6, 4), amount=300_000, vat=50_000, reclaimable=False)
    html = client.get(RETURN).get_data(as_text=True)
    assert _box(html, 4) == "£733.33"
    # £2,000 + £1,666.67 = £3,666.67, whole pounds: £3,666.
    assert _box(html, 7) == "£3,666.00"
    assert _box(html, 1) == "£1,320.00"
    assert _box(html, 5) == "£586.67"  # 1,320 - 733.33
