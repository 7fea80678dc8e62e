"""A Stripe payment intent id is recorded once per user, not once for everyone.

Each user connects their own Stripe account and signs its webhooks with a secret they chose,
so one user can make our code record any payment intent id on their own invoice. If the id
were unique across all users, a user who learnt the id of another user's payment (as its payer,
say) could record it first and make that real payment fail to record."""

from __future__ import annotations

import json
from typing import Any

from tests.functional.payments.test_stripe import (
    _account,
    _connect,
    _event,
    _invoice,
    _issue,
    _post,
)


def _with_intent(payload: str, intent_id: str) -> str:
    event = json.loads(payload)
    event["data"]["object"]["payment_intent"] = intent_id
    return json.dumps(event)


def test_an_intent_id_recorded_by_another_user_does_not_block_a_real_payment(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    owner = business()
    login(client, owner)
    _connect(client)
    owner_invoice = _issue(client, owner)  # £120.00
    attacker_client = app.test_client()
    attacker = business()
    login(attacker_client, attacker)
    _connect(attacker_client)
    attacker_invoice = _issue(attacker_client, attacker, price="1")
    intent = "pi_3QkZbLOwnersRealPayment"
    anon = app.test_client()

    # The attacker signs an event with their own secret: it records on their own invoice only.
    url = f"/payments/stripe/webhook/{_account(app, attacker).webhook_id}"
    forged = _post(anon, url, _with_intent(_event(attacker_invoice, 120), intent))
    assert forged.status_code == 200 and forged.get_json()["outcome"] == "payment recorded"
    assert _invoice(app, attacker_invoice).paid_pence == 120

    # The owner's real payment with that id still records, in full.
    url = f"/payments/stripe/webhook/{_account(app, owner).webhook_id}"
    real = _post(anon, url, _with_intent(_event(owner_invoice, 12000), intent))
    assert real.status_code == 200, real.get_data(as_text=True)[:500]
    assert real.get_json()["outcome"] == "payment recorded"
    invoice = _invoice(app, owner_invoice)
    assert invoice.status == "paid" and invoice.paid_pence == 12000

    # Within one user the id still records one payment: a second event with it changes nothing.
    again = _post(anon, url, _with_intent(_event(owner_invoice, 12000), intent))
    assert again.get_json()["outcome"] == "payment already recorded"
    assert len(_invoice(app, owner_invoice).payments) == 1
