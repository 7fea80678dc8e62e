"""The VAT page lists the periods a user can act on: a new account is not told that years of
empty quarters are ready to file."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from minimin.core.dates import uk_today


def _periods(html: str) -> list[str]:
    return re.findall(r'href="/reports/vat/(\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d)"', html)


def test_a_new_account_has_only_its_open_period(client: Any, trader: Any) -> None:
    today = uk_today()
    trader(
        vat_scheme="standard",
        vat_registered=True,
        vat_number="GB123456789",
        vat_registration_date=today - dt.timedelta(days=3 * 365),
        vat_stagger="1",
    )
    html = client.get("/reports/vat").get_data(as_text=True)
    assert len(_periods(html)) == 1
    assert "Ready to file" not in html
    assert "Open" in html


def test_periods_from_the_first_record_on_are_listed(client: Any, trader: Any) -> None:
    today = uk_today()
    user = trader(
        vat_scheme="standard",
        vat_registered=True,
        vat_number="GB123456789",
        vat_registration_date=today - dt.timedelta(days=3 * 365),
        vat_stagger="1",
    )
    # One sale about seven months ago: its quarter, the quarters since (a nil return is still
    # due for an empty one) and the open one are listed; nothing before it.
    sale_day = today - dt.timedelta(days=210)
    user.books.invoice(tax_point=sale_day, net=100_000, vat=20_000)
    periods = _periods(client.get("/reports/vat").get_data(as_text=True))
    starts = sorted(dt.date.fromisoformat(p.split("/")[0]) for p in periods)
    ends = sorted(dt.date.fromisoformat(p.split("/")[1]) for p in periods)
    assert starts[0] <= sale_day <= ends[0]
    assert 3 <= len(periods) <= 4
    assert ends[-1] >= today
