"""Stripe: connect, pay through Checkout (real SDK against a local stub), signed webhooks."""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from typing import Any

import pdfplumber
import sqlalchemy as sa
import stripe

from tests.functional.invoices.conftest import draft_data, invoice_id_from

KEY = "rk_test_51AbCdEfGhIjKlMnOp"
WHSEC = "whsec_testsecret1234567890abcdef"


def _connect(client: Any) -> None:
    r = client.submit("/settings/payments", {"secret_key": KEY, "webhook_secret": WHSEC})
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]


def _issue(client: Any, user: Any, price: str = "100") -> str:
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Day", "1", price, "standard")])
    )
    invoice_id = invoice_id_from(r)
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302
    return invoice_id


def _account(app: Any, user: Any) -> Any:
    from minimin.extensions import db
    from minimin.payments.models import StripeAccount

    with app.app_context():
        account = db.session.scalar(
            sa.select(StripeAccount).where(StripeAccount.user_id == user.id)
        )
        db.session.expunge_all()
        return account


def _invoice(app: Any, invoice_id: str) -> Any:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        db.session.expunge_all()
        return invoice


def _event(
    invoice_id: str, amount: int, *, event_id: str | None = None, currency: str = "gbp"
) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": f"cs_test_{uuid.uuid4().hex[:20]}",
                    "object": "checkout.session",
                    "amount_total": amount,
                    "currency": currency,
                    "payment_status": "paid",
                    "payment_intent": f"pi_{uuid.uuid4().hex[:20]}",
                    "client_reference_id": invoice_id,
                    "metadata": {"invoice_id": invoice_id},
                    "created": int(time.time()),
                }
            },
        }
    )


def _post(
    client: Any, url: str, payload: str, secret: str = WHSEC, timestamp: int | None = None
) -> Any:
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return client.post(
        url, data=payload, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


def test_connect_refuses_bad_keys_and_stores_them_encrypted(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    r = client.submit("/settings/payments", {"secret_key": "pk_live_nope", "webhook_secret": "x"})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "starts with rk_live_" in body and "starts with whsec_" in body
    assert _account(app, user) is None
    _connect(client)
    account = _account(app, user)
    assert account.secret_key == KEY
    from minimin.extensions import db

    with app.app_context():
        raw = db.session.execute(
            sa.text("SELECT secret_key, webhook_secret FROM stripe_account")
        ).one()
    assert KEY not in raw[0] and WHSEC not in raw[1]
    assert raw[0].startswith("v2:")
    page = client.get("/settings/payments").get_data(as_text=True)
    assert f"/payments/stripe/webhook/{account.webhook_id}" in page
    assert KEY not in page


def test_checkout_and_webhook_mark_invoice_paid(
    client: Any, business: Any, login: Any, app: Any, stripe_stub: Any
) -> None:
    user = business()
    login(client, user)
    _connect(client)
    invoice_id = _issue(client, user)  # £120.00
    pdf = client.get(f"/invoices/{invoice_id}/pdf").data
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(p.extract_text() for p in doc.pages)
    assert "Pay online by card" in text
    link = re.search(r"http://\S+/pay/\S+", text)
    assert link
    path = re.sub(r"^https?://[^/]+", "", link.group(0))
    anon = app.test_client()
    page = anon.get(path)
    assert "Pay £120.00 by card" in page.get_data(as_text=True)
    token = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True)
    ).group(1)
    r = anon.post(path + "/checkout", data={"csrf_token": token})
    assert r.status_code == 303
    assert r.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    [request] = stripe_stub.requests
    assert request["auth"] == f"Bearer {KEY}"
    assert request["form"]["line_items[0][price_data][unit_amount]"] == "12000"
    assert request["form"]["line_items[0][price_data][currency]"] == "gbp"
    assert request["form"]["metadata[invoice_id]"] == invoice_id
    assert request["idempotency_key"]

    account = _account(app, user)
    url = f"/payments/stripe/webhook/{account.webhook_id}"
    r = _post(anon, url, _event(invoice_id, 5000))
    assert r.status_code == 200, r.get_data(as_text=True)
    invoice = _invoice(app, invoice_id)
    assert invoice.status == "part_paid" and invoice.paid_pence == 5000
    r = _post(anon, url, _event(invoice_id, 7000))
    invoice = _invoice(app, invoice_id)
    assert invoice.status == "paid" and invoice.paid_pence == 12000
    assert [p.method for p in invoice.payments] == ["stripe", "stripe"]
    assert "Payment events" in client.get("/settings/payments").get_data(as_text=True)


def test_checkout_when_stripe_is_down_says_so(
    client: Any, business: Any, login: Any, app: Any, stripe_stub: Any
) -> None:
    user = business()
    login(client, user)
    _connect(client)
    invoice_id = _issue(client, user)
    stripe_stub.fail_with = 500
    from minimin.extensions import db
    from minimin.invoices import services

    with app.app_context():
        invoice = db.session.get(
            __import__("minimin.invoices.models", fromlist=["Invoice"]).Invoice,
            uuid.UUID(invoice_id),
        )
        token = services.public_token(invoice)
    anon = app.test_client()
    page = anon.get(f"/pay/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    r = anon.post(f"/pay/{token}/checkout", data={"csrf_token": csrf}, follow_redirects=True)
    assert r.status_code == 200
    assert "Card payment is not available right now" in r.get_data(as_text=True)


def test_webhook_refuses_bad_signature_stale_and_unknown(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    _connect(client)
    invoice_id = _issue(client, user)
    url = f"/payments/stripe/webhook/{_account(app, user).webhook_id}"
    anon = app.test_client()
    payload = _event(invoice_id, 12000)
    forged = _post(anon, url, payload, secret="whsec_wrongsecret123456")
    assert forged.status_code == 400
    assert forged.mimetype == "application/problem+json"
    assert forged.get_json()["detail"] == "invalid signature"
    assert _post(anon, url, payload, timestamp=int(time.time()) - 301).status_code == 400
    assert anon.post(url, data=payload).status_code == 400
    tampered = _post(anon, url, payload)
    assert tampered.status_code == 200  # the genuine one works
    header = stripe.WebhookSignature.generate_signature_header(payload, WHSEC)
    other = payload.replace("12000", "99999")
    assert anon.post(url, data=other, headers={"Stripe-Signature": header}).status_code == 400
    assert anon.post(f"/payments/stripe/webhook/{uuid.uuid4()}", data=payload).status_code == 404
    assert anon.post("/payments/stripe/webhook/not-a-uuid", data=payload).status_code == 404
    assert len(_invoice(app, invoice_id).payments) == 1


def test_same_event_twice_and_concurrently_records_one_payment(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.payments.models import StripeEvent

    user = business()
    login(client, user)
    _connect(client)
    invoice_id = _issue(client, user)
    url = f"/payments/stripe/webhook/{_account(app, user).webhook_id}"
    payload = _event(invoice_id, 3000, event_id="evt_same_twice")
    anon = app.test_client()
    first = _post(anon, url, payload)
    second = _post(anon, url, payload)
    assert first.status_code == second.status_code == 200
    assert second.get_json()["duplicate"] is True
    assert _invoice(app, invoice_id).paid_pence == 3000

    concurrent = _event(invoice_id, 2000, event_id="evt_concurrent")
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def deliver() -> None:
        c = app.test_client()
        barrier.wait()
        statuses.append(_post(c, url, concurrent).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s in (200, 503) for s in statuses), statuses
    assert 200 in statuses
    invoice = _invoice(app, invoice_id)
    assert invoice.paid_pence == 5000
    assert len(invoice.payments) == 2
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent))
    assert count == 2


def test_event_for_another_users_invoice_is_ignored(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    owner = business()
    login(client, owner)
    invoice_id = _issue(client, owner)
    other_client = app.test_client()
    attacker = business()
    login(other_client, attacker)
    _connect(other_client)
    url = f"/payments/stripe/webhook/{_account(app, attacker).webhook_id}"
    r = _post(app.test_client(), url, _event(invoice_id, 12000))
    assert r.status_code == 200
    assert r.get_json()["outcome"] == "unknown invoice"
    assert _invoice(app, invoice_id).paid_pence == 0
