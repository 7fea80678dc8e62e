"""Stripe: Checkout Sessions for the outstanding amount, and webhook events recorded once.

The official ``stripe`` SDK talks to Stripe (or, in tests, to a local stub at
``MINIMIN_STRIPE_API_BASE``). Webhooks are verified on the raw body with
``stripe.Webhook.construct_event`` (signature and a 300-second timestamp tolerance); each event
id is inserted into ``stripe_event`` under a unique constraint before it is acted on, so the
same event delivered twice, even at the same moment, records one payment.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import stripe
from flask import current_app, url_for
from flask_babel import gettext as _

from minimin.core.templating import LONDON
from minimin.extensions import db
from minimin.invoices import services as invoices
from minimin.invoices.models import METHOD_STRIPE, Invoice, Payment
from minimin.payments.models import StripeAccount, StripeEvent

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


class PaymentUnavailable(Exception):
    """Online payment cannot be offered now; the message is shown to the payer."""


class BadWebhook(Exception):
    """A webhook that is not from Stripe for this account, or too old."""


def stripe_account(user_id: uuid.UUID) -> StripeAccount | None:
    return db.session.scalar(sa.select(StripeAccount).where(StripeAccount.user_id == user_id))


def connect(user_id: uuid.UUID, *, secret_key: str, webhook_secret: str) -> StripeAccount:
    account = stripe_account(user_id)
    if account is None:
        account = StripeAccount(user_id=user_id, webhook_id=uuid.uuid4())
        db.session.add(account)
    account.secret_key = secret_key
    account.webhook_secret = webhook_secret
    account.key_hint = f"{secret_key[:3]}…{secret_key[-4:]}"
    account.enabled = True
    db.session.flush()
    return account


def disconnect(user_id: uuid.UUID) -> None:
    account = stripe_account(user_id)
    if account is not None:
        db.session.delete(account)
        db.session.flush()


def client(account: StripeAccount) -> stripe.StripeClient:
    base = current_app.config["MINIMIN_SETTINGS"].stripe_api_base
    return stripe.StripeClient(
        account.secret_key,
        base_addresses={"api": base} if base else None,
        max_network_retries=1,
    )


def webhook_url(account: StripeAccount) -> str:
    base: str = current_app.config["BASE_URL"]
    return base + url_for("payments.stripe_webhook", webhook_id=account.webhook_id)


def checkout_url(invoice: Invoice, token: str) -> str:
    """A Stripe Checkout page for what is still owed on *invoice*."""
    account = stripe_account(invoice.user_id)
    if account is None or not account.enabled:
        raise PaymentUnavailable(_("Online payment is not available for this invoice."))
    amount = invoice.outstanding_pence
    if amount <= 0:
        raise PaymentUnavailable(_("This invoice has nothing left to pay."))
    page = current_app.config["BASE_URL"] + url_for("invoices.public_view", token=token)
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": str(invoice.id),
        "metadata": {"invoice_id": str(invoice.id), "invoice_number": invoice.number or ""},
        "payment_intent_data": {"metadata": {"invoice_id": str(invoice.id)}},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": invoice.currency.lower(),
                    "unit_amount": amount,
                    "product_data": {"name": f"Invoice {invoice.number}"},
                },
            }
        ],
        "success_url": page + "?paid=1",
        "cancel_url": page,
    }
    # The same outstanding amount reuses the same session instead of opening a second one.
    key = f"checkout-{invoice.id}-{invoice.paid_pence}-{invoice.credited_pence}-{amount}"
    try:
        session = client(account).v1.checkout.sessions.create(
            # A plain dict of the documented fields, not Stripe's TypedDict.
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        log.warning("stripe checkout for invoice %s failed: %s", invoice.id, exc)
        raise PaymentUnavailable(
            _(
                "Card payment is not available right now. Please try again later or pay by bank "
                "transfer."
            )
        ) from exc
    url = getattr(session, "url", None)
    if not url:
        raise PaymentUnavailable(_("Card payment is not available right now."))
    return str(url)


def account_for_webhook(webhook_id: uuid.UUID) -> StripeAccount | None:
    return db.session.scalar(sa.select(StripeAccount).where(StripeAccount.webhook_id == webhook_id))


def verify(account: StripeAccount, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event as plain JSON, once the SDK has verified the signature and its age."""
    try:
        event = stripe.Webhook.construct_event(
            payload,
            signature,
            account.webhook_secret,
            tolerance=TOLERANCE_SECONDS,
            api_key=account.secret_key,
        )
        data = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, RecursionError) as exc:
        # ValueError covers invalid JSON and UTF-8; RecursionError a deeply nested document.
        raise BadWebhook(str(exc)[:200]) from exc
    if not isinstance(data, dict) or data.get("id") != event["id"] or not data.get("type"):
        raise BadWebhook("not an event")
    if not isinstance(data["id"], str) or not isinstance(data["type"], str):
        raise BadWebhook("not an event")
    if not isinstance(data.get("data"), dict) or not isinstance(data["data"].get("object"), dict):
        raise BadWebhook("event without an object")
    if data["type"] in PAID_EVENTS:
        _check_session(data["data"]["object"])
    return data


#: Stripe's own ceiling for one charge is far below this; anything above is not a payment.
MAX_AMOUNT = 10**11
#: Timestamps from 2000-01-01 to 2100-01-01: outside that a date is not a payment date.
TIMESTAMP_RANGE = (946_684_800, 4_102_444_800)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_session(session: dict[str, Any]) -> None:
    """Refuse a Checkout Session whose fields are not the types and ranges Stripe sends.

    Checked before anything is recorded, so an absurd event answers 400 and changes nothing
    (a number as a string, ``1e30`` pence or a date in the year 3e12 would otherwise fail
    deep in the ledger or the database).
    """
    amount = session.get("amount_total")
    if amount is not None and not (_whole(amount) and 0 <= amount <= MAX_AMOUNT):
        raise BadWebhook("amount_total out of range")
    created = session.get("created")
    low, high = TIMESTAMP_RANGE
    if created is not None and not (_whole(created) and low <= created < high):
        raise BadWebhook("created out of range")
    for name in ("id", "currency", "payment_status", "client_reference_id"):
        if session.get(name) is not None and not isinstance(session[name], str):
            raise BadWebhook(f"{name} is not text")
    if session.get("metadata") is not None and not isinstance(session["metadata"], dict):
        raise BadWebhook("metadata is not an object")
    intent = session.get("payment_intent")
    if intent is not None and not isinstance(intent, str | dict):
        raise BadWebhook("payment_intent is neither an id nor an object")


def handle_event(account: StripeAccount, event: Any) -> tuple[bool, str]:
    """Record *event* once and act on it. Returns (new, outcome)."""
    event_id = str(event["id"])[:255]
    record = StripeEvent(user_id=account.user_id, event_id=event_id, type=str(event["type"])[:100])
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except sa.exc.IntegrityError:
        return False, "duplicate"
    if record.type in PAID_EVENTS:
        record.outcome = _checkout_paid(account, record, event["data"]["object"])
    else:
        record.outcome = "ignored"
    db.session.flush()
    return True, record.outcome


def _checkout_paid(account: StripeAccount, record: StripeEvent, session: Any) -> str:
    if session.get("payment_status") != "paid":
        return "not paid yet"
    metadata = session.get("metadata") or {}
    try:
        invoice_id = uuid.UUID(
            str(metadata.get("invoice_id") or session.get("client_reference_id"))
        )
    except ValueError:
        return "no invoice reference"
    invoice = db.session.scalar(
        sa.select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.user_id == account.user_id)
        .with_for_update()
    )
    if invoice is None:
        return "unknown invoice"
    record.invoice_id = invoice.id
    amount = int(session.get("amount_total") or 0)
    currency = str(session.get("currency") or "").upper()
    record.amount_pence = amount
    record.currency = currency[:3]
    if currency != invoice.currency:
        return f"currency {currency} does not match the invoice"
    intent = session.get("payment_intent")
    intent_id = intent if isinstance(intent, str) else (intent or {}).get("id")
    if intent_id and db.session.scalar(
        sa.select(Payment.id).where(
            Payment.user_id == account.user_id, Payment.stripe_payment_intent_id == str(intent_id)
        )
    ):
        return "payment already recorded"
    to_record = min(amount, invoice.outstanding_pence)
    if to_record <= 0:
        return "nothing outstanding: refund the payer in Stripe"
    created = session.get("created")
    paid_on = (
        datetime.fromtimestamp(int(created), LONDON).date() if created else invoices.today_london()
    )
    try:
        invoices.record_payment(
            invoice,
            invoices.PaymentInput(
                amount_pence=to_record,
                paid_on=paid_on,
                method=METHOD_STRIPE,
                reference=str(session.get("id"))[:120],
            ),
            stripe_payment_intent_id=intent_id,
            stripe_checkout_session_id=str(session.get("id"))[:255],
            stripe_event_id=record.event_id,
        )
    except invoices.InvoiceError as exc:
        return str(exc)[:200]
    if to_record < amount:
        return "recorded the outstanding amount; the rest was overpaid"
    return "payment recorded"


def recent_events(user_id: uuid.UUID, limit: int = 20) -> list[StripeEvent]:
    return list(
        db.session.scalars(
            sa.select(StripeEvent)
            .where(StripeEvent.user_id == user_id)
            .order_by(StripeEvent.received_at.desc())
            .limit(limit)
        )
    )
