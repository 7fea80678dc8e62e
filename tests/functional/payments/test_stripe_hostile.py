"""Stripe webhooks: absurd fields are a 400, a rolled-back event is processed on redelivery,
and event ids are unique per user's connection, not across users."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.functional.payments.test_stripe import (
    _account,
    _connect,
    _event,
    _invoice,
    _issue,
    _post,
)


def _with_session_field(invoice_id: str, name: str, value: Any, event_id: str) -> str:
    event = json.loads(_event(invoice_id, 3000, event_id=event_id))
    event["data"]["object"][name] = value
    return json.dumps(event)


def _event_count(app: Any) -> int:
    from minimin.extensions import db
    from minimin.payments.models import StripeEvent

    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent))
        db.session.remove()
    return int(count or 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("created", 1e20),
        ("created", 10**20),
        ("created", -(10**20)),
        ("created", "1700000000"),
        ("amount_total", 1e30),
        ("amount_total", 10**30),
        ("amount_total", "3000"),
        ("amount_total", -1),
        ("amount_total", True),
        ("currency", 826),
        ("metadata", "invoice"),
        ("payment_intent", 7),
    ],
)
def test_absurd_fields_are_refused_and_change_nothing(
    client: Any, business: Any, login: Any, app: Any, name: str, value: Any
) -> None:
    user = business()
    login(client, user)
    _connect(client)
    invoice_id = _issue(client, user)
    url = f"/payments/stripe/webhook/{_account(app, user).webhook_id}"
    payload = _with_session_field(invoice_id, name, value, "evt_absurd")
    response = _post(app.test_client(), url, payload)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert _invoice(app, invoice_id).paid_pence == 0
    assert _event_count(app) == 0


def test_deeply_nested_json_is_refused(client: Any, business: Any, login: Any, app: Any) -> None:
    user = business()
    login(client, user)
    _connect(client)
    url = f"/payments/stripe/webhook/{_account(app, user).webhook_id}"
    payload = '{"id": "evt_deep", "type": "x", "data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert _post(app.test_client(), url, payload).status_code == 400
    assert _event_count(app) == 0


def test_an_event_rolled_back_after_it_was_recorded_is_processed_on_redelivery(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    """The event row is written inside a savepoint; when the request's transaction then fails,
    the row must go with it, or the redelivery would be taken for a duplicate and the payment
    lost (what SQLite did while a released savepoint committed the transaction)."""
    from minimin.core import db as core_db
    from minimin.extensions import db
    from minimin.payments import services
    from minimin.payments.models import StripeAccount

    user = business()
    login(client, user)
    _connect(client)
    invoice_id = _issue(client, user)
    account = _account(app, user)
    payload = _event(invoice_id, 3000, event_id="evt_rolled_back")
    with app.test_request_context():
        connected = db.session.get(StripeAccount, account.id)
        new, outcome = services.handle_event(connected, json.loads(payload))
        assert (new, outcome) == (True, "payment recorded")
        core_db.rollback(db.session)  # what core.transaction does when a request fails
        db.session.remove()
    assert _event_count(app) == 0
    url = f"/payments/stripe/webhook/{account.webhook_id}"
    response = _post(app.test_client(), url, payload)
    assert response.status_code == 200
    assert response.get_json() == {
        "received": True,
        "duplicate": False,
        "outcome": "payment recorded",
    }
    assert _invoice(app, invoice_id).paid_pence == 3000


def test_an_event_id_seen_by_another_user_is_still_processed(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    owner = business()
    login(client, owner)
    _connect(client)
    invoice_id = _issue(client, owner)
    other = app.test_client()
    squatter = business()
    login(other, squatter)
    _connect(other)
    squat_url = f"/payments/stripe/webhook/{_account(app, squatter).webhook_id}"
    payload = _event(invoice_id, 3000, event_id="evt_shared_id")
    assert _post(app.test_client(), squat_url, payload).get_json()["outcome"] == "unknown invoice"
    url = f"/payments/stripe/webhook/{_account(app, owner).webhook_id}"
    response = _post(app.test_client(), url, payload)
    assert response.get_json()["duplicate"] is False
    assert _invoice(app, invoice_id).paid_pence == 3000
