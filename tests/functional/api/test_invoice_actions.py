"""What the invoice pages do, through the API: a draft changed, deleted, copied and made from
jobs; an invoice emailed; payments and refunds removed; credit notes; repeats; reminders and
their schedule. Each refusal changes nothing; another user's ids are 404."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from minimin.api.problems import MEDIA_TYPE as PROBLEM

LINE = {
    "description": "Photography, one day",
    "unit_price": {"amount": "100.00", "currency": "GBP"},
    "vat_treatment": "outside_scope",
}


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Three attempts to email an invoice an hour (pages and API together), so the allowance is
    # reached within a test.
    return {"MINIMIN_INVOICE_SENDS_PER_HOUR": 3}


def _gbp(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "GBP"}


def _client(api: Any) -> str:
    response = api.post("/api/v1/clients", json={"name": "Acme", "email": "accounts@acme.example"})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _draft(api: Any, client_id: str, **extra: Any) -> dict[str, Any]:
    response = api.post("/api/v1/invoices", json={"client_id": client_id, "lines": [LINE], **extra})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _issued(api: Any) -> dict[str, Any]:
    draft = _draft(api, _client(api))
    response = api.post(f"/api/v1/invoices/{draft['id']}/issue")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.headers["Content-Type"] == PROBLEM
    problem = dict(response.get_json())
    if field is not None:
        assert [e["field"] for e in problem["errors"]] == [field], problem
    return problem


def test_a_draft_is_replaced_copied_and_deleted_and_an_issued_one_is_not(api: Any) -> None:
    client_id = _client(api)
    draft = _draft(api, client_id)
    url = f"/api/v1/invoices/{draft['id']}"
    two_lines = {
        "client_id": client_id,
        "notes": "Thanks",
        "lines": [LINE, {**LINE, "description": "Prints", "quantity": "2"}],
    }
    changed = api.open(url, "PUT", json=two_lines)
    assert changed.status_code == 200, changed.get_json()
    assert [line["description"] for line in changed.get_json()["lines"]] == [
        "Photography, one day",
        "Prints",
    ]
    assert changed.get_json()["total"] == _gbp("300.00")
    # A rule of the books (the service's) names its field and changes nothing.
    bad_rate = {**two_lines, "currency": "EUR", "lines": []}
    _refused(api.open(url, "PUT", json=bad_rate), 422)
    assert api.get(url).get_json()["total"] == _gbp("300.00")

    api.post(f"{url}/issue")
    issued = api.get(url).get_json()
    _refused(api.open(url, "PUT", json={"client_id": client_id}), 409)
    _refused(api.open(url, "DELETE"), 409)
    assert api.get(url).get_json() == issued

    copy = api.post(f"{url}/duplicate")
    assert copy.status_code == 201, copy.get_json()
    assert copy.get_json()["status"] == "draft"
    assert copy.get_json()["total"] == _gbp("300.00")
    copy_url = f"/api/v1/invoices/{copy.get_json()['id']}"
    deleted = api.open(copy_url, "DELETE")
    assert deleted.status_code == 204, deleted.get_json()
    assert deleted.data == b""
    _refused(api.get(copy_url), 404)


def _completed_job(app: Flask, user: Any, client_id: str, pence: int) -> str:
    from minimin.extensions import db
    from minimin.jobs.models import FeeLine, Job

    with app.app_context():
        job = Job(
            user_id=user.id, title="Shoot", client_id=uuid.UUID(client_id), status="completed"
        )
        job.fee_lines.append(
            FeeLine(
                user_id=user.id,
                kind="day_rate",
                quantity=Decimal(1),
                unit_amount_pence=pence,
                amount_pence=pence,
            )
        )
        db.session.add(job)
        db.session.commit()
        return str(job.id)


def test_a_draft_from_jobs_bills_them_once(app: Flask, api: Any) -> None:
    client_id = _client(api)
    job_id = _completed_job(app, api.user, client_id, 45_000)
    made = api.post("/api/v1/invoices/from-jobs", json={"job_ids": [job_id]})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["total"] == _gbp("450.00")
    assert made.get_json()["lines"][0]["job_id"] == job_id
    # Billed already: refused, and no second draft.
    _refused(api.post("/api/v1/invoices/from-jobs", json={"job_ids": [job_id]}), 422)
    unknown = api.post("/api/v1/invoices/from-jobs", json={"job_ids": [str(uuid.uuid4())]})
    _refused(unknown, 422, "job_ids")
    assert len(api.get("/api/v1/invoices").get_json()["data"]) == 1


def _outbox(app: Flask, user_id: Any) -> list[tuple[str, str]]:
    from minimin.core.mail import OutboundEmail
    from minimin.extensions import db

    with app.app_context():
        rows = db.session.execute(
            sa.select(OutboundEmail.to_address, OutboundEmail.kind).where(
                OutboundEmail.user_id == user_id
            )
        ).all()
        return sorted((str(to), str(kind)) for to, kind in rows)


def test_sending_emails_the_invoice_to_an_address_on_record_only(app: Flask, api: Any) -> None:
    draft = _draft(api, _client(api))
    url = f"/api/v1/invoices/{draft['id']}"
    _refused(api.post(f"{url}/send", json={}), 409)  # a draft is not sent

    api.post(f"{url}/issue")
    elsewhere = api.post(f"{url}/send", json={"to": "someone@elsewhere.example"})
    _refused(elsewhere, 422, "to")
    assert _outbox(app, api.user.id) == []
    assert api.get(url).get_json()["status"] == "issued"

    sent = api.post(f"{url}/send", json={"message": "Hello Sam", "copy_to_self": True})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["status"] == "sent"
    emailed = sorted([("accounts@acme.example", "invoice"), (api.user.email, "invoice")])
    assert _outbox(app, api.user.id) == emailed

    again = api.post(f"{url}/send", json={})
    _refused(again, 429)
    assert int(again.headers["Retry-After"]) >= 1
    assert _outbox(app, api.user.id) == emailed


def test_the_pages_and_the_api_share_one_sending_allowance(
    app: Flask, api: Any, login: Any
) -> None:
    draft = _draft(api, _client(api))
    url = f"/api/v1/invoices/{draft['id']}"
    assert api.post(f"{url}/issue").status_code == 200
    page = app.test_client()
    login(page, api.user)
    send = f"/invoices/{draft['id']}/send"
    token = page.csrf_token(send)
    # Two attempts on the page, the first refused (an address not on record) ...
    assert page.post(send, data={"csrf_token": token, "to": "x@y.example"}).status_code == 400
    sent = page.post(send, data={"csrf_token": token, "to": "accounts@acme.example"})
    assert sent.status_code == 302
    # ... leave one of the three for the API; then both doors refuse.
    assert api.post(f"{url}/send", json={}).status_code == 200
    _refused(api.post(f"{url}/send", json={}), 429)
    limited = page.post(send, data={"csrf_token": token, "to": "accounts@acme.example"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "At most 3 invoices an hour can be emailed." in limited.get_data(as_text=True)
    assert [kind for _to, kind in _outbox(app, api.user.id)] == ["invoice", "invoice"]


def test_a_payment_is_removed_and_a_refusal_keeps_it(api: Any) -> None:
    invoice = _issued(api)
    url = f"/api/v1/invoices/{invoice['id']}"
    payment = api.post(
        f"{url}/payments", json={"amount": _gbp("40.00"), "paid_on": invoice["issue_date"]}
    ).get_json()
    other = _issued(api)
    # The payment under another invoice's URL is no such thing.
    _refused(api.open(f"/api/v1/invoices/{other['id']}/payments/{payment['id']}", "DELETE"), 404)
    assert api.get(url).get_json()["paid"] == _gbp("40.00")

    removed = api.open(f"{url}/payments/{payment['id']}", "DELETE")
    assert removed.status_code == 204, removed.get_json()
    after = api.get(url).get_json()
    assert after["payments"] == []
    assert after["outstanding"] == _gbp("100.00")
    assert after["status"] == "issued"
    _refused(api.open(f"{url}/payments/{payment['id']}", "DELETE"), 404)


def test_credit_note_refund_and_its_removal(api: Any) -> None:
    invoice = _issued(api)
    url = f"/api/v1/invoices/{invoice['id']}"
    api.post(f"{url}/payments", json={"amount": _gbp("100.00"), "paid_on": invoice["issue_date"]})
    _refused(
        api.post(f"{url}/refunds", json={"amount": _gbp("1.00"), "refunded_on": "2030-01-01"}), 409
    )

    too_many = {"lines": [{"line_id": invoice["lines"][0]["id"], "quantity": "2"}]}
    _refused(api.post(f"{url}/credit-notes", json=too_many), 422)
    foreign_line = {"lines": [{"line_id": str(uuid.uuid4()), "quantity": "1"}]}
    _refused(api.post(f"{url}/credit-notes", json=foreign_line), 422)
    assert api.get(url).get_json()["credit_note_ids"] == []

    note = api.post(f"{url}/credit-notes", json={"full": True, "reason": "Cancelled"})
    assert note.status_code == 201, note.get_json()
    assert note.get_json()["total"] == _gbp("100.00")
    after = api.get(url).get_json()
    assert after["refund_due"] == _gbp("100.00")
    _refused(api.post(f"{url}/credit-notes", json={"full": True}), 409)  # nothing left

    day = invoice["issue_date"]
    over = api.post(f"{url}/refunds", json={"amount": _gbp("100.01"), "refunded_on": day})
    _refused(over, 422)
    assert api.get(url).get_json() == after

    recorded = api.post(f"{url}/refunds", json={"amount": _gbp("100.00"), "refunded_on": day})
    assert recorded.status_code == 201, recorded.get_json()
    [refund] = recorded.get_json()["refunds"]
    assert refund["credit_note_id"] == note.get_json()["id"]
    assert api.get(url).get_json()["status"] == "void"

    removed = api.open(f"{url}/refunds/{refund['id']}", "DELETE")
    assert removed.status_code == 204, removed.get_json()
    assert api.get(url).get_json()["refund_due"] == _gbp("100.00")
    assert api.get(url).get_json()["refunds"] == []


def test_repeat_and_reminder_pause(api: Any) -> None:
    invoice = _issued(api)
    url = f"/api/v1/invoices/{invoice['id']}"
    _refused(api.open(f"{url}/repeat", "PUT", json={"recurrence": "weekly"}), 422, "recurrence")
    past = {"recurrence": "monthly", "next_on": "2001-01-01"}
    _refused(api.open(f"{url}/repeat", "PUT", json=past), 422, "next_on")
    assert api.get(url).get_json()["repeat"] is None

    future = {"recurrence": "quarterly", "next_on": "2099-01-31", "issue_automatically": True}
    repeating = api.open(f"{url}/repeat", "PUT", json=future)
    assert repeating.status_code == 200, repeating.get_json()
    assert repeating.get_json()["repeat"] == {
        "recurrence": "quarterly",
        "next_on": "2099-01-31",
        "issue_automatically": True,
    }
    stopped = api.open(f"{url}/repeat", "PUT", json={"recurrence": None})
    assert stopped.get_json()["repeat"] is None

    paused = api.open(f"{url}/reminders", "PUT", json={"paused": True})
    assert paused.status_code == 200, paused.get_json()
    assert paused.get_json()["reminders_paused"] is True
    resumed = api.open(f"{url}/reminders", "PUT", json={"paused": False})
    assert resumed.get_json()["reminders_paused"] is False


def test_the_reminder_schedule(api: Any) -> None:
    schedule = api.get("/api/v1/reminder-rules").get_json()
    assert [r["offset_days"] for r in schedule["data"]] == [-3, 1, 14, 30]

    unknown = {"offset_days": 7, "subject": "Invoice {number}", "body": "Please pay."}
    _refused(api.post("/api/v1/reminder-rules", json=unknown), 422, "subject")
    _refused(api.post("/api/v1/reminder-rules", json={**unknown, "offset_days": 400}), 422)
    assert api.get("/api/v1/reminder-rules").get_json() == schedule

    good = {**unknown, "subject": "Invoice {invoice_number}"}
    made = api.post("/api/v1/reminder-rules", json=good)
    assert made.status_code == 201, made.get_json()
    rule = made.get_json()
    assert rule["enabled"] is True

    off = api.open(f"/api/v1/reminder-rules/{rule['id']}", "PATCH", json={"enabled": False})
    assert off.status_code == 200, off.get_json()
    assert off.get_json()["enabled"] is False
    gone = api.open(f"/api/v1/reminder-rules/{rule['id']}", "DELETE")
    assert gone.status_code == 204, gone.get_json()
    assert api.get("/api/v1/reminder-rules").get_json() == schedule


def test_another_users_ids_are_404_and_change_nothing(api_for: Any) -> None:
    owner, other = api_for(), api_for()
    invoice = _issued(owner)
    url = f"/api/v1/invoices/{invoice['id']}"
    payment = owner.post(
        f"{url}/payments", json={"amount": _gbp("10.00"), "paid_on": invoice["issue_date"]}
    ).get_json()
    rule = owner.get("/api/v1/reminder-rules").get_json()["data"][0]
    before = owner.get(url).get_json()

    for method, path, body in [
        ("PUT", url, {"notes": "x"}),
        ("DELETE", url, None),
        ("POST", f"{url}/duplicate", None),
        ("POST", f"{url}/send", {}),
        ("DELETE", f"{url}/payments/{payment['id']}", None),
        ("POST", f"{url}/credit-notes", {"full": True}),
        ("POST", f"{url}/refunds", {"amount": _gbp("1.00"), "refunded_on": "2030-01-01"}),
        ("PUT", f"{url}/repeat", {"recurrence": "monthly"}),
        ("PUT", f"{url}/reminders", {"paused": True}),
        ("PATCH", f"/api/v1/reminder-rules/{rule['id']}", {"enabled": False}),
        ("DELETE", f"/api/v1/reminder-rules/{rule['id']}", None),
    ]:
        _refused(other.open(path, method, json=body), 404)
    assert owner.get(url).get_json() == before
    assert owner.get("/api/v1/reminder-rules").get_json()["data"][0] == rule
    assert other.get("/api/v1/invoices").get_json()["data"] == []
