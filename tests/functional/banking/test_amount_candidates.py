"""Many open invoices of one fee, through the database and the pages: a payment of that fee is
offered the invoices issued nearest before it (the rest are past the cap), and an invoice named
in the description is offered first however old it is."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Flask

FEE = 4_000


def accept_keys(html: str) -> list[str]:
    return re.findall(
        r'/accept">\s*<input[^>]*>\s*<input type="hidden" name="key" value="([^"]+)"', html
    )


def test_the_nearest_of_many_same_fee_invoices_is_offered_first(
    app: Flask, signed_in: Any, make_invoice: Any, make_txn: Any
) -> None:
    from minimin.banking import reconcile

    count = reconcile.AMOUNT_CANDIDATES + 10
    first = date(2025, 1, 1)
    invoices = [
        make_invoice(FEE, issued=first + timedelta(days=i), customer_name=f"Customer {i}")
        for i in range(count)
    ]
    later = make_invoice(FEE, issued=date(2025, 4, 1), customer_name="Customer late")
    txn = make_txn(FEE, day=date(2025, 3, 20), counterparty="FASTER PAYMENT")

    offered = accept_keys(signed_in.get(f"/banking/transactions/{txn}").text)
    # The five shown are the five issued nearest before the payment, nearest first.
    assert [k.split(":")[1] for k in offered] == [str(i) for i in invoices[::-1][:5]]
    assert not any(str(later) in k for k in offered)

    response = signed_in.submit(f"/banking/transactions/{txn}/accept", {"key": offered[0]})
    assert response.status_code == 302
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        assert db.session.get(Invoice, invoices[-1]).status == "paid"


def test_an_invoice_named_in_the_description_is_first_however_old(
    app: Flask, signed_in: Any, make_invoice: Any, make_txn: Any
) -> None:
    from minimin.banking import reconcile

    oldest = make_invoice(FEE, number="INV-0001", issued=date(2024, 1, 2), customer_name="C 0")
    for i in range(reconcile.AMOUNT_CANDIDATES + 5):
        make_invoice(
            FEE,
            number=f"INV-{i + 2:04d}",
            issued=date(2025, 2, 1) + timedelta(days=i),
            customer_name=f"Customer {i}",
        )
    txn = make_txn(FEE, day=date(2025, 3, 20), description="BGC PAYMENT INV 0001 THANKS")
    page = signed_in.get(f"/banking/transactions/{txn}").text
    assert accept_keys(page)[0].startswith(f"invoice:{oldest}:")
    assert "the reference contains the invoice number INV-0001" in page
