"""One rule for a service's refusal in every operation: refused because of the record's state
(the code ``core.user_error.CONFLICT``) is a 409 problem with the service's message; any other
refusal a 422 naming the field. No resource maps refusals itself, so these go through real
operations and the services' own refusals."""

from __future__ import annotations

from typing import Any

from minimin.api.problems import MEDIA_TYPE as PROBLEM

LINE = {
    "description": "Photography, one day",
    "unit_price": {"amount": "100.00", "currency": "GBP"},
    "vat_treatment": "outside_scope",
}


def _gbp(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "GBP"}


def _draft(api: Any) -> str:
    client = api.post("/api/v1/clients", json={"name": "Acme"})
    assert client.status_code == 201, client.get_json()
    body = {"client_id": client.get_json()["id"], "lines": [LINE]}
    draft = api.post("/api/v1/invoices", json=body)
    assert draft.status_code == 201, draft.get_json()
    return str(draft.get_json()["id"])


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.headers["Content-Type"] == PROBLEM
    problem = dict(response.get_json())
    assert problem["status"] == status
    return problem


def test_the_records_state_is_409_and_what_was_sent_is_422_in_one_operation(api: Any) -> None:
    url = f"/api/v1/invoices/{_draft(api)}"
    payment = {"amount": _gbp("50.00"), "paid_on": "2025-05-01"}

    # A draft is not awaiting payment: its state, whatever was sent.
    conflict = _problem(api.post(f"{url}/payments", json=payment), 409)
    assert conflict["detail"] == "Issue the invoice before recording a payment."
    assert conflict["title"] == "That conflicts with the current state"
    assert conflict["instance"] == f"{url}/payments"
    assert "errors" not in conflict or conflict["errors"] == []

    assert api.post(f"{url}/issue").status_code == 200
    # Issued, the same operation refuses what was sent: 422 with the field and its code.
    too_much = {**payment, "amount": _gbp("500.00")}
    invalid = _problem(api.post(f"{url}/payments", json=too_much), 422)
    assert [(e["field"], e["code"]) for e in invalid["errors"]] == [("amount", "invalid")]
    assert "still owed" in invalid["detail"]

    invoice = api.get(url).get_json()
    assert invoice["payments"] == [] and invoice["outstanding"] == _gbp("100.00")
    assert api.post(f"{url}/payments", json=payment).status_code == 201


def test_a_state_refusal_of_another_feature_is_409_too(api: Any) -> None:
    client = api.post("/api/v1/clients", json={"name": "Acme", "email": "book@acme.example"})
    job = api.post(
        "/api/v1/jobs",
        json={
            "title": "Spring campaign",
            "client_id": client.get_json()["id"],
            "dates": [{"day": "2025-05-01"}],
            "fee_lines": [{"kind": "day_rate", "unit_amount": _gbp("1000.00")}],
        },
    )
    assert job.status_code == 201, job.get_json()
    url = f"/api/v1/jobs/{job.get_json()['id']}"
    # The quotes service refuses an address not on record: what was sent, 422 naming it.
    stranger = api.post(f"{url}/quotes", json={"to": "someone@else.example"})
    assert [e["field"] for e in _problem(stranger, 422)["errors"]] == ["to"]
    for status in ("confirmed", "completed"):
        assert api.post(f"{url}/status", json={"status": status}).status_code == 200
    # Booked, the job cannot be quoted whatever is sent: its state, 409.
    booked = _problem(api.post(f"{url}/quotes", json={"to": "book@acme.example"}), 409)
    assert booked["detail"] == "Only an enquiry or an option can be quoted: this job is booked."
    assert api.get(f"{url}/quotes").get_json()["data"] == []


def test_issuing_an_issued_invoice_is_the_services_refusal(api: Any) -> None:
    url = f"/api/v1/invoices/{_draft(api)}"
    assert api.post(f"{url}/issue").status_code == 200
    issued = api.get(url).get_json()
    again = _problem(api.post(f"{url}/issue"), 409)
    assert again["detail"] == "This invoice has already been issued."
    assert api.get(url).get_json() == issued
