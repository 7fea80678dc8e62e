"""VAT registration threshold rules worked by hand (threshold £90,000 from 1 April 2024).

- Services to business customers abroad (reverse charge, place of supply outside the UK) do
  not count toward the threshold; domestic reverse-charge supplies do (DOMAIN.md, VAT; HMRC
  counts only supplies made in the UK as taxable turnover).
- The forward-look test: register when taxable turnover in the next 30 days alone is expected
  to go over the threshold (DOMAIN.md: "or expected within the next 30 days").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

TODAY = dt.date(2025, 6, 30)


def _sale(app: Any, user: Any, day: dt.date, net: int, treatment: str, seq: int) -> None:
    """An issued invoice of a business not registered for VAT (it charged no VAT)."""
    from minimin.extensions import db
    from minimin.invoices.models import Invoice, InvoiceLine

    invoice = Invoice(
        user_id=user.id,
        number=f"T-{seq}",
        sequence=seq,
        status="issued",
        customer_name="Client",
        client_id=user.client_id,
        issue_date=day,
        tax_point=day,
        due_date=day + dt.timedelta(days=30),
        net_pence=net,
        vat_pence=0,
        total_pence=net,
        vat_gbp_pence=0,
        supplier_snapshot={"vat_registered": False, "name": "Me"},
    )
    invoice.lines.append(
        InvoiceLine(
            user_id=user.id,
            description="Work",
            quantity=Decimal(1),
            unit_price_pence=net,
            vat_treatment=treatment,
            vat_rate=Decimal(0),
            net_pence=net,
            vat_pence=0,
        )
    )
    with app.app_context():
        db.session.add(invoice)
        db.session.commit()


def _job(app: Any, user: Any, ends: dt.date, gross: int, status: str = "confirmed") -> None:
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        db.session.add(
            Job(
                user_id=user.id,
                title="Campaign",
                status=status,
                currency="GBP",
                starts_on=ends,
                ends_on=ends,
                gross_pence=gross,
            )
        )
        db.session.commit()


def _position(app: Any, user: Any) -> Any:
    from minimin.reports import vat_return

    with app.test_request_context():
        return vat_return.threshold_position(user.id, TODAY)


@pytest.mark.parametrize(
    ("treatment", "turnover", "level"),
    [
        # £50,000 standard + £45,000 of services abroad: £50,000 counts (55%).
        ("reverse_abroad", 5_000_000, "ok"),
        # Domestic reverse charge is a UK supply: £95,000 counts, over £90,000.
        ("reverse_charge", 9_500_000, "over"),
        # Exempt and outside the scope never count, registered or not.
        ("exempt", 5_000_000, "ok"),
        ("outside_scope", 5_000_000, "ok"),
        # Zero-rated supplies are taxable: £95,000.
        ("zero", 9_500_000, "over"),
    ],
)
def test_reverse_charge_abroad_is_left_out_of_the_threshold(
    app: Any, trader: Any, treatment: str, turnover: int, level: str
) -> None:
    user = trader(vat_registered=False)
    _sale(app, user, dt.date(2025, 3, 1), 5_000_000, "standard", 1)
    _sale(app, user, dt.date(2025, 5, 1), 4_500_000, treatment, 2)
    position = _position(app, user)
    assert position.turnover_pence == turnover
    assert position.level == level


@pytest.mark.parametrize(
    ("jobs", "expected", "over"),
    [
        # A confirmed £90,000.01 job ending on the 30th day: over the threshold alone.
        ([(dt.date(2025, 7, 30), 9_000_001, "confirmed")], 9_000_001, True),
        # Exactly £90,000 is not "over".
        ([(dt.date(2025, 7, 30), 9_000_000, "confirmed")], 9_000_000, False),
        # Ending on the 31st day (31 July) is outside the 30 days.
        ([(dt.date(2025, 7, 31), 9_500_000, "confirmed")], 0, False),
        # Today is not in the next 30 days; an enquiry is not expected turnover.
        (
            [(TODAY, 9_500_000, "confirmed"), (dt.date(2025, 7, 2), 9_500_000, "enquiry")],
            0,
            False,
        ),
        # Two confirmed jobs add up: £45,000 + £45,000.01.
        (
            [
                (dt.date(2025, 7, 1), 4_500_000, "confirmed"),
                (dt.date(2025, 7, 20), 4_500_001, "confirmed"),
            ],
            9_000_001,
            True,
        ),
    ],
)
def test_forward_look_30_days(app: Any, trader: Any, jobs: list, expected: int, over: bool) -> None:
    user = trader(vat_registered=False)
    for ends, gross, status in jobs:
        _job(app, user, ends, gross, status)
    position = _position(app, user)
    assert position.next_30_days_pence == expected
    assert position.expected_over is over
    assert position.next_30_days_end == dt.date(2025, 7, 30)


def test_forward_look_counts_invoices_already_dated_in_the_next_30_days(
    app: Any, trader: Any, client: Any
) -> None:
    user = trader(vat_registered=False)
    # £60,000 invoiced for 15 July and a confirmed £30,000.01 job ending 29 July: £90,000.01.
    _sale(app, user, dt.date(2025, 7, 15), 6_000_000, "standard", 1)
    _job(app, user, dt.date(2025, 7, 29), 3_000_001)
    position = _position(app, user)
    assert position.turnover_pence == 0  # nothing in the past 12 months
    assert position.next_30_days_pence == 9_000_001
    assert position.expected_over


def test_the_vat_page_says_when_registration_is_due_now(app: Any, trader: Any, client: Any) -> None:
    user = trader(vat_registered=False)
    _job(app, user, dt.date.today() + dt.timedelta(days=10), 9_500_000)
    html = client.get("/reports/vat").get_data(as_text=True)
    assert "in the next 30 days alone is expected to go over £90,000.00" in html
    assert "Services supplied to business customers abroad" in html


def test_expected_over_threshold_is_strictly_more() -> None:
    from minimin.reports.vat_return import expected_over_threshold

    assert expected_over_threshold(9_000_001, 9_000_000)
    assert not expected_over_threshold(9_000_000, 9_000_000)
    assert not expected_over_threshold(0, 9_000_000)
