"""The business settings may raise the next invoice or credit-note number (to carry on from
another system) but never take it back to a number already issued: numbers are never reused."""

from __future__ import annotations

from typing import Any

from tests.functional.invoices.conftest import draft_data, invoice_id_from

SETTINGS = {
    "invoice_prefix": "INV-",
    "credit_note_prefix": "CN-",
    "invoice_padding": "4",
    "payment_terms_days": "30",
}


def _issue(client: Any, customer_id: Any) -> str:
    r = client.submit("/invoices/new", draft_data(customer_id, [("Day", "1", "500", "standard")]))
    invoice_id = invoice_id_from(r)
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    return invoice_id


def _next_numbers(app: Any, user: Any) -> tuple[int, int]:
    from minimin.business.services import get_profile

    with app.app_context():
        profile = get_profile(user.id)
        return profile.next_invoice_number, profile.next_credit_note_number


def test_next_numbers_can_be_raised_but_not_reused(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    first = _issue(client, user.client_id)
    _issue(client, user.client_id)
    r = client.submit(f"/invoices/{first}/credit-notes/new", {"full": "y", "reason": "Cancelled"})
    assert r.status_code == 302
    assert _next_numbers(app, user) == (3, 2)

    for taken in ("1", "2"):
        r = client.submit(
            "/settings/business/invoices",
            {**SETTINGS, "next_invoice_number": taken, "next_credit_note_number": "2"},
            form_page="/settings/business",
        )
        assert r.status_code == 400
        assert "higher than 2, the highest number already issued" in r.get_data(as_text=True)
    r = client.submit(
        "/settings/business/invoices",
        {**SETTINGS, "next_invoice_number": "3", "next_credit_note_number": "1"},
        form_page="/settings/business",
    )
    assert r.status_code == 400
    assert "higher than 1, the highest number already issued" in r.get_data(as_text=True)
    assert _next_numbers(app, user) == (3, 2)

    r = client.submit(
        "/settings/business/invoices",
        {**SETTINGS, "next_invoice_number": "120", "next_credit_note_number": "7"},
        form_page="/settings/business",
    )
    assert r.status_code == 302
    assert _next_numbers(app, user) == (120, 7)
    page = client.get(f"/invoices/{_issue(client, user.client_id)}").get_data(as_text=True)
    assert "INV-0120" in page
