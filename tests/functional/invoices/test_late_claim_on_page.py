"""The invoice page shows the statutory late-payment claim with its reference rate and date
(Late Payment of Commercial Debts (Interest) Act 1998; Bank Rate 4.75% on 31 Dec 2024)."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.functional.invoices.test_reminders_recurring_jobs import _issued


def test_overdue_invoice_shows_the_claim_and_its_reference_rate(
    client: Any, business: Any, login: Any
) -> None:
    from minimin.core.dates import uk_today

    user = business()
    login(client, user)
    invoice_id = _issued(client, user, issue_date="2025-01-01", due_date="2025-01-31")
    html = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    # £1,200 due 31 Jan 2025: 4.75% + 8% = 12.75% a year, simple interest per day late.
    days = (uk_today() - (uk_today().replace(year=2025, month=1, day=31))).days
    interest = (Decimal(1200) * Decimal("12.75") / 100 * days / 365).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert 'id="late-claim"' in html
    assert f"for {days} days at 12.75% a year" in html
    assert "base rate 4.75% on 31 Dec 2024 plus 8%" in html
    assert f"Interest £{interest:,}" in html
    assert "fixed compensation £70.00" in html


def test_no_claim_before_the_due_date(client: Any, business: Any, login: Any) -> None:
    from minimin.core.dates import uk_today

    user = business()
    login(client, user)
    today = uk_today()
    invoice_id = _issued(
        client,
        user,
        issue_date=today.isoformat(),
        due_date=(today + timedelta(days=30)).isoformat(),
    )
    assert 'id="late-claim"' not in client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
