"""Jobs and quotes through the API, as on the job pages: a job booked, changed, moved through
its statuses and deleted; files attached and removed; a usage licence renewed; a quote sent
and withdrawn. A refusal is a problem naming the field (409 when the job's state forbids it)
and changes nothing; another user's ids are 404."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from minimin.api.problems import MEDIA_TYPE as PROBLEM
from minimin.core.dates import uk_today
from tests.functional.jobs.test_job_attachments import MINIMAL_PDF

NEXT_MONTH = (uk_today() + timedelta(days=30)).isoformat()


def _client(api: Any, email: str | None = "book@acme.example") -> str:
    response = api.post("/api/v1/clients", json={"name": "Acme Studios", "email": email})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _gbp(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "GBP"}


def _job_body(client_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Spring campaign",
        "client_id": client_id,
        "location": "London",
        "dates": [{"day": NEXT_MONTH, "starts_at": "09:00", "ends_at": "17:30"}],
        "fee_lines": [
            {"kind": "day_rate", "description": "Shoot day", "unit_amount": _gbp("1000.00")}
        ],
        **extra,
    }


def _book(api: Any, client_id: str | None = None, **extra: Any) -> dict[str, Any]:
    response = api.post("/api/v1/jobs", json=_job_body(client_id or _client(api), **extra))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _move(api: Any, job_id: str, *statuses: str) -> Any:
    response = None
    for status in statuses:
        response = api.post(f"/api/v1/jobs/{job_id}/status", json={"status": status})
        assert response.status_code == 200, response.get_json()
    return response


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.headers["Content-Type"] == PROBLEM
    return dict(response.get_json())


def _field(response: Any) -> str:
    return str(_problem(response, 422)["errors"][0]["field"])


def test_book_change_move_and_delete_a_job(api: Any) -> None:
    job = _book(api)
    assert job["status"] == "enquiry"
    assert job["gross"] == _gbp("1000.00")
    assert job["dates"] == [{"day": NEXT_MONTH, "starts_at": "09:00:00", "ends_at": "17:30:00"}]
    assert [line["description"] for line in job["fee_lines"]] == ["Shoot day"]

    changed = _job_body(
        job["client_id"],
        title="Spring campaign, two days",
        fee_lines=[
            {"kind": "day_rate", "quantity": "2", "unit_amount": _gbp("800.00")},
            {"kind": "expenses", "description": "Taxi", "unit_amount": _gbp("42.50")},
        ],
    )
    response = api.open(f"/api/v1/jobs/{job['id']}", "PUT", json=changed)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Spring campaign, two days"
    assert [line["amount"]["amount"] for line in body["fee_lines"]] == ["1600.00", "42.50"]
    assert body["fee_lines"][1]["commissionable"] is False  # expenses carry no commission
    assert body["gross"] == _gbp("1642.50")

    moved = _move(api, job["id"], "confirmed", "cancelled")
    assert moved.get_json()["status"] == "cancelled"
    reopened = api.post(f"/api/v1/jobs/{job['id']}/status", json={"status": "enquiry"})
    assert reopened.get_json()["status"] == "enquiry"
    cancelled = api.post(
        f"/api/v1/jobs/{job['id']}/status",
        json={"status": "cancelled", "cancellation_fee": _gbp("250.00")},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["cancellation_fee"] == _gbp("250.00")
    assert cancelled.get_json()["gross"] == _gbp("250.00")

    deleted = api.open(f"/api/v1/jobs/{job['id']}", "DELETE")
    assert deleted.status_code == 204 and deleted.data == b""
    assert api.get(f"/api/v1/jobs/{job['id']}").status_code == 404


def test_refused_input_names_the_field_and_changes_nothing(api: Any, api_for: Any) -> None:
    theirs = _client(api_for())
    refused = api.post("/api/v1/jobs", json=_job_body(theirs))
    assert _field(refused) == "client_id"
    assert "your own" in refused.get_json()["errors"][0]["detail"]
    assert api.get("/api/v1/jobs").get_json()["data"] == []

    job = _book(api)
    url = f"/api/v1/jobs/{job['id']}"
    backwards = _job_body(
        job["client_id"], dates=[{"day": NEXT_MONTH, "starts_at": "18:00", "ends_at": "09:00"}]
    )
    assert _field(api.open(url, "PUT", json=backwards)) == "dates.0.ends_at"
    usage_on_a_day_rate = _job_body(
        job["client_id"],
        title="Changed",
        fee_lines=[{"kind": "day_rate", "unit_amount": _gbp("10.00"), "media": "Online"}],
    )
    assert _field(api.open(url, "PUT", json=usage_on_a_day_rate)) == "fee_lines.0.kind"
    assert _field(api.open(url, "PUT", json=_job_body(job["client_id"], dates=[]))) == "dates"
    no_one = {**_job_body(job["client_id"]), "client_id": None}
    assert _problem(api.open(url, "PUT", json=no_one), 422)["errors"]
    assert _field(api.post(f"{url}/status", json={"status": "invoiced"})) == "status"
    assert _field(api.post(f"{url}/status", json={"status": "completed"})) == "status"
    fee_without_cancelling = {"status": "confirmed", "cancellation_fee": _gbp("10.00")}
    assert _field(api.post(f"{url}/status", json=fee_without_cancelling)) == "cancellation_fee"
    assert api.get(url).get_json() == job


def test_an_invoiced_job_follows_its_invoice(app: Any, api: Any) -> None:
    from minimin.extensions import db
    from minimin.jobs import services

    job = _book(api)
    _move(api, job["id"], "confirmed", "completed")
    with app.app_context():
        services.mark_invoiced(api.user.id, uuid.UUID(job["id"]))
        db.session.commit()
    url = f"/api/v1/jobs/{job['id']}"
    before = api.get(url).get_json()
    assert (
        "invoiced"
        in _problem(api.open(url, "PUT", json=_job_body(job["client_id"])), 409)["detail"]
    )
    _problem(api.open(url, "DELETE"), 409)
    _problem(api.post(f"{url}/status", json={"status": "cancelled"}), 409)
    assert api.get(url).get_json() == before


def test_files_attached_and_removed(api: Any) -> None:
    job = _book(api)
    url = f"/api/v1/jobs/{job['id']}/attachments"
    added = api.post(url, data={"file": (io.BytesIO(MINIMAL_PDF), "call sheet.pdf")})
    assert added.status_code == 201, added.get_json()
    attachment = added.get_json()
    assert attachment["content_type"] == "application/pdf"
    assert attachment["filename"] == "call sheet.pdf"
    assert api.get(f"/api/v1/jobs/{job['id']}").get_json()["attachments"] == [attachment]

    refused = api.post(url, data={"file": (io.BytesIO(b"MZ not a document"), "virus.exe")})
    assert refused.status_code in (415, 422)
    assert refused.get_json()["errors"][0]["field"] == "file"
    missing = api.post(url, data={}, content_type="multipart/form-data")
    assert _field(missing) == "file"
    assert len(api.get(f"/api/v1/jobs/{job['id']}").get_json()["attachments"]) == 1

    # An attachment is removed only under its own job.
    other = _book(api, job["client_id"])
    wrong_job = api.open(f"/api/v1/jobs/{other['id']}/attachments/{attachment['id']}", "DELETE")
    assert wrong_job.status_code == 404
    removed = api.open(f"{url}/{attachment['id']}", "DELETE")
    assert removed.status_code == 204
    assert api.get(f"/api/v1/jobs/{job['id']}").get_json()["attachments"] == []
    assert api.open(f"{url}/{attachment['id']}", "DELETE").status_code == 404


def _usage_job(api: Any) -> tuple[dict[str, Any], str]:
    expires = (uk_today() + timedelta(days=20)).isoformat()
    usage = {
        "kind": "usage",
        "description": "Usage buyout",
        "unit_amount": _gbp("2500.00"),
        "media": "Online",
        "territory": "UK",
        "term": "12 months",
        "usage_expires_on": expires,
    }
    job = _book(api, fee_lines=[usage])
    _move(api, job["id"], "confirmed", "completed")
    return job, job["fee_lines"][0]["id"]


def test_a_usage_licence_renewed_as_a_new_job(api: Any) -> None:
    job, line_id = _usage_job(api)
    url = f"/api/v1/jobs/{job['id']}/fee-lines/{line_id}/renewal"
    new_expiry = (uk_today() + timedelta(days=400)).isoformat()

    past = api.post(url, json={"fee": _gbp("900.00"), "expires_on": "2020-01-01"})
    assert _field(past) == "expires_on"
    dollars = api.post(
        url, json={"fee": {"amount": "900", "currency": "USD"}, "expires_on": new_expiry}
    )
    assert _field(dollars) == "fee.currency"
    assert len(api.get("/api/v1/jobs").get_json()["data"]) == 1

    renewed = api.post(
        url, json={"fee": _gbp("900.00"), "expires_on": new_expiry, "term": "1 year"}
    )
    assert renewed.status_code == 201, renewed.get_json()
    body = renewed.get_json()
    assert body["id"] != job["id"] and body["status"] == "completed"
    assert body["client_id"] == job["client_id"]
    [line] = body["fee_lines"]
    assert line["kind"] == "usage" and line["usage_expires_on"] == new_expiry
    assert line["amount"] == _gbp("900.00")
    original = api.get(f"/api/v1/jobs/{job['id']}").get_json()
    assert original["fee_lines"][0]["renewed_by_job_id"] == body["id"]

    again = api.post(url, json={"fee": _gbp("900.00"), "expires_on": new_expiry})
    assert "already been renewed" in _problem(again, 409)["detail"]
    # The line of another job of the same user is not under this job.
    assert (
        api.post(
            f"/api/v1/jobs/{body['id']}/fee-lines/{line_id}/renewal",
            json={"fee": _gbp("1.00"), "expires_on": new_expiry},
        ).status_code
        == 404
    )


def test_a_quote_sent_listed_and_withdrawn(api: Any, mailbox: Any) -> None:
    job = _book(api)
    url = f"/api/v1/jobs/{job['id']}/quotes"

    elsewhere = api.post(url, json={"to": "someone@elsewhere.example"})
    assert _field(elsewhere) == "to"
    assert not mailbox.to("someone@elsewhere.example")
    assert api.get(url).get_json()["data"] == []

    sent = api.post(url, json={"to": "book@acme.example", "days": 14, "message": "Hello"})
    assert sent.status_code == 201, sent.get_json()
    quote = sent.get_json()
    assert quote["status"] == "sent" and quote["total"] == _gbp("1000.00")
    assert quote["expires_on"] == (uk_today() + timedelta(days=14)).isoformat()
    assert [line["amount"] for line in quote["lines"]] == [_gbp("1000.00")]
    [message] = mailbox.to("book@acme.example")
    assert "Quote for Spring campaign" in message["Subject"]
    assert api.get(url).get_json()["data"] == [quote]
    assert api.get(f"/api/v1/quotes/{quote['id']}").get_json() == quote

    withdrawn = api.post(f"/api/v1/quotes/{quote['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert withdrawn.get_json()["status"] == "withdrawn"
    _problem(api.post(f"/api/v1/quotes/{quote['id']}/withdraw"), 409)

    _move(api, job["id"], "confirmed")
    booked = api.post(url, json={"to": "book@acme.example"})
    assert "booked" in _problem(booked, 409)["detail"]
    assert len(mailbox.to("book@acme.example")) == 1


def test_another_users_ids_are_404_and_change_nothing(api: Any, api_for: Any) -> None:
    job, line_id = _usage_job(api)
    job_url = f"/api/v1/jobs/{job['id']}"
    attachment = api.post(
        f"{job_url}/attachments", data={"file": (io.BytesIO(MINIMAL_PDF), "brief.pdf")}
    ).get_json()
    quote = api.post(f"{job_url}/quotes", json={"to": "book@acme.example"})
    assert quote.status_code == 409  # completed: no quote; a sent one comes from another job
    enquiry = _book(api, job["client_id"])
    quote_id = api.post(
        f"/api/v1/jobs/{enquiry['id']}/quotes", json={"to": "book@acme.example"}
    ).get_json()["id"]
    before = [api.get(f"/api/v1/jobs/{j}").get_json() for j in (job["id"], enquiry["id"])]

    intruder = api_for()
    requests = [
        ("GET", job_url, None),
        ("PUT", job_url, _job_body(_client(intruder))),
        ("DELETE", job_url, None),
        ("POST", f"{job_url}/status", {"status": "cancelled"}),
        ("DELETE", f"{job_url}/attachments/{attachment['id']}", None),
        (
            "POST",
            f"{job_url}/fee-lines/{line_id}/renewal",
            {"fee": _gbp("1.00"), "expires_on": "2099-01-01"},
        ),
        ("GET", f"/api/v1/jobs/{enquiry['id']}/quotes", None),
        ("POST", f"/api/v1/jobs/{enquiry['id']}/quotes", {"to": "book@acme.example"}),
        ("GET", f"/api/v1/quotes/{quote_id}", None),
        ("POST", f"/api/v1/quotes/{quote_id}/withdraw", None),
    ]
    for method, url, body in requests:
        kwargs = {"json": body} if body is not None else {}
        _problem(intruder.open(url, method, **kwargs), 404)
    added = intruder.post(
        f"{job_url}/attachments", data={"file": (io.BytesIO(MINIMAL_PDF), "x.pdf")}
    )
    _problem(added, 404)
    assert [api.get(f"/api/v1/jobs/{j}").get_json() for j in (job["id"], enquiry["id"])] == before
    assert api.get(f"/api/v1/quotes/{quote_id}").get_json()["status"] == "sent"


def test_writing_needs_the_jobs_write_scope(api_for: Any) -> None:
    reader = api_for(scopes=("jobs:read", "contacts:write"))
    refused = reader.post("/api/v1/jobs", json=_job_body(_client(reader)))
    assert _problem(refused, 403)
    assert reader.get("/api/v1/jobs").get_json()["data"] == []


def test_dates_and_times_the_form_would_refuse_are_refused(api: Any) -> None:
    client_id = _client(api)
    for day in ("0226-01-01", "2200-01-01"):
        body = _job_body(client_id, dates=[{"day": day}])
        assert _field(api.post("/api/v1/jobs", json=body)).startswith("dates.0.day")
    zoned = _job_body(client_id, dates=[{"day": NEXT_MONTH, "starts_at": "09:00+02:00"}])
    assert _field(api.post("/api/v1/jobs", json=zoned)).startswith("dates.0.starts_at")
    assert api.get("/api/v1/jobs").get_json()["data"] == []
