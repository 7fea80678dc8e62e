"""The payments and refunds tables on an invoice name the method in words, never its code."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.functional.invoices.conftest import draft_data, invoice_id_from


def test_payment_method_is_shown_as_its_label(client: Any, business: Any, login: Any) -> None:
    user = business(vat_registered=False)
    login(client, user)
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Shoot", "1", "500", "outside_scope")])
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    invoice_id = invoice_id_from(r)
    page = f"/invoices/{invoice_id}"
    assert client.submit(f"{page}/issue", form_page=page).status_code == 302
    r = client.submit(
        f"{page}/payments",
        {"amount": "200", "paid_on": date.today().isoformat(), "method": "bank_transfer"},
        form_page=page,
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    text = client.get(page).get_data(as_text=True)
    assert "<td>Bank transfer</td>" in text
    assert "<td>bank_transfer</td>" not in text
