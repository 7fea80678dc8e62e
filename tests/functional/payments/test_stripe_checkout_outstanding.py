"""A Checkout session opened from the client page after a part payment (or a credit note)
charges what is still owed, not the invoice total: checked on the request the real Stripe SDK
sends to the local Stripe API stub."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import sqlalchemy as sa
import stripe

from tests.functional.invoices.conftest import draft_data, invoice_id_from

KEY = "rk_test_51AbCdEfGhIjKlMnOp"
WHSEC = "whsec_testsecret1234567890abcdef"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _webhook_payment(app: Any, user: Any, invoice_id: str, amount: int) -> None:
    """A signed checkout.session.completed event from Stripe for *amount* pence."""
    import json

    from minimin.extensions import db
    from minimin.payments.models import StripeAccount

    with app.app_context():
        webhook_id = db.session.scalar(
            sa.select(StripeAccount.webhook_id).where(StripeAccount.user_id == user.id)
        )
    payload = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": f"cs_test_{uuid.uuid4().hex[:20]}",
                    "object": "checkout.session",
                    "amount_total": amount,
                    "currency": "gbp",
                    "payment_status": "paid",
                    "payment_intent": f"pi_{uuid.uuid4().hex[:20]}",
                    "client_reference_id": invoice_id,
                    "metadata": {"invoice_id": invoice_id},
                    "created": int(time.time()),
                }
            },
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(payload, WHSEC)
    r = app.test_client().post(
        f"/payments/stripe/webhook/{webhook_id}",
        data=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)


def _pay_by_card(app: Any, pay_path: str) -> Any:
    """The customer opens the client page and presses "Pay … by card"."""
    anon = app.test_client()
    page = anon.get(pay_path).get_data(as_text=True)
    button = re.search(r"Pay (£[0-9,.]+) by card", page)
    assert button, "no card payment button"
    r = anon.post(pay_path + "/checkout", data={"csrf_token": CSRF_RE.search(page).group(1)})
    assert r.status_code == 303, r.get_data(as_text=True)[-2000:]
    assert r.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    return button.group(1)


def test_checkout_after_part_payments_and_a_credit_is_for_the_outstanding_amount(
    client: Any, business: Any, login: Any, app: Any, stripe_stub: Any
) -> None:
    user = business()
    login(client, user)
    r = client.submit("/settings/payments", {"secret_key": KEY, "webhook_secret": WHSEC})
    assert r.status_code == 302
    r = client.submit(
        "/invoices/new",
        draft_data(user.client_id, [("Day", "2", "100", "standard"), ("Extra", "1", "50", "zero")]),
    )
    invoice_id = invoice_id_from(r)  # £240 + £50 = £290.00
    show = f"/invoices/{invoice_id}"
    assert client.submit(f"{show}/issue", form_page=show).status_code == 302
    link = re.search(r'href="https?://[^/"]+(/pay/[^"]+)"', client.get(show).get_data(as_text=True))
    assert link
    pay_path = link.group(1)

    # Part paid by bank transfer, recorded on the invoice page.
    r = client.submit(
        f"{show}/payments",
        {"amount": "100.00", "paid_on": "2025-05-01", "method": "bank_transfer"},
        form_page=show,
    )
    assert r.status_code == 302
    assert _pay_by_card(app, pay_path) == "£190.00"
    first = stripe_stub.requests[-1]
    assert first["path"] == "/v1/checkout/sessions"
    assert first["form"]["line_items[0][price_data][unit_amount]"] == "19000"
    assert first["form"]["line_items[0][quantity]"] == "1"
    assert first["form"]["line_items[0][price_data][currency]"] == "gbp"
    assert first["form"]["metadata[invoice_id]"] == invoice_id

    # Part paid by card for £40 (the customer paid less in another session).
    _webhook_payment(app, user, invoice_id, 4000)
    assert _pay_by_card(app, pay_path) == "£150.00"
    second = stripe_stub.requests[-1]
    assert second["form"]["line_items[0][price_data][unit_amount]"] == "15000"
    # A new amount is a new session, not a replay of the first one.
    assert second["idempotency_key"] != first["idempotency_key"]

    # A credit note for the £50 zero-rated line takes the rest down again.
    with app.app_context():
        from minimin.extensions import db
        from minimin.invoices.models import Invoice

        extra = db.session.get(Invoice, uuid.UUID(invoice_id)).lines[1]
    r = client.submit(f"{show}/credit-notes/new", {f"qty-{extra.id}": "1", "reason": "No extra"})
    assert r.status_code == 302
    assert _pay_by_card(app, pay_path) == "£100.00"
    assert stripe_stub.requests[-1]["form"]["line_items[0][price_data][unit_amount]"] == "10000"

    # Asking again for the same amount reuses the same session (same idempotency key).
    _pay_by_card(app, pay_path)
    assert (
        stripe_stub.requests[-1]["idempotency_key"] == stripe_stub.requests[-2]["idempotency_key"]
    )
    assert len(stripe_stub.sessions) == 3
