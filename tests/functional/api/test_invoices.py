"""Invoices through the API: a draft made, issued, its PDF downloaded, a payment recorded;
lists in pages; money as exact strings; refusals as problem details."""

from __future__ import annotations

from typing import Any

from minimin.api.problems import MEDIA_TYPE as PROBLEM


def _client(api: Any, name: str = "Acme Studios Ltd") -> str:
    response = api.post("/api/v1/clients", json={"name": name, "email": "accounts@example.com"})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _draft(api: Any, client_id: str, price: str = "1250.00", **extra: Any) -> Any:
    body = {
        "client_id": client_id,
        "lines": [
            {
                "description": "Photography, one day",
                "quantity": "1",
                "unit_price": {"amount": price, "currency": "GBP"},
                "vat_treatment": "outside_scope",
            }
        ],
        **extra,
    }
    return api.post("/api/v1/invoices", json=body)


def test_draft_issue_pdf_and_payment(api: Any) -> None:
    client_id = _client(api)
    response = _draft(api, client_id)
    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert draft["status"] == "draft"
    assert draft["total"] == {"amount": "1250.00", "currency": "GBP"}
    assert draft["lines"][0]["unit_price"] == {"amount": "1250.00", "currency": "GBP"}
    invoice_id = draft["id"]

    assert api.get(f"/api/v1/invoices/{invoice_id}/pdf").status_code == 404

    issued = api.post(f"/api/v1/invoices/{invoice_id}/issue")
    assert issued.status_code == 200, issued.get_json()
    body = issued.get_json()
    assert body["status"] == "issued"
    assert body["number"]
    assert body["outstanding"] == {"amount": "1250.00", "currency": "GBP"}
    again = api.post(f"/api/v1/invoices/{invoice_id}/issue")
    assert again.status_code == 409
    assert again.headers["Content-Type"] == PROBLEM

    pdf = api.get(f"/api/v1/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF")

    paid = api.post(
        f"/api/v1/invoices/{invoice_id}/payments",
        json={"amount": {"amount": "250.01", "currency": "GBP"}, "paid_on": body["issue_date"]},
    )
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["amount"] == {"amount": "250.01", "currency": "GBP"}
    after = api.get(f"/api/v1/invoices/{invoice_id}").get_json()
    assert after["status"] == "part_paid"
    assert after["outstanding"] == {"amount": "999.99", "currency": "GBP"}


def test_a_payment_above_what_is_owed_is_a_422_problem_and_changes_nothing(api: Any) -> None:
    invoice_id = _draft(api, _client(api), "100.00").get_json()["id"]
    issued = api.post(f"/api/v1/invoices/{invoice_id}/issue").get_json()
    refused = api.post(
        f"/api/v1/invoices/{invoice_id}/payments",
        json={"amount": {"amount": "100.01", "currency": "GBP"}, "paid_on": issued["issue_date"]},
    )
    assert refused.status_code == 422
    problem = refused.get_json()
    assert refused.headers["Content-Type"] == PROBLEM
    assert "more than" in problem["detail"]
    assert problem["errors"][0]["code"]
    assert api.get(f"/api/v1/invoices/{invoice_id}").get_json()["payments"] == []


def test_bad_input_names_each_field(api: Any) -> None:
    response = api.post(
        "/api/v1/invoices",
        json={
            "lines": [{"description": "", "unit_price": {"amount": "1.234", "currency": "GBP"}}],
            "surprise": 1,
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert "lines.0.description" in fields
    assert "surprise" in fields
    assert "lines.0.unit_price" in fields  # three decimal places in pounds
    assert api.get("/api/v1/invoices").get_json()["data"] == []

    not_json = api.post("/api/v1/invoices", data="x", content_type="text/plain")
    assert not_json.status_code == 415
    broken = api.post("/api/v1/invoices", data="{", content_type="application/json")
    assert broken.status_code == 400


def test_another_users_client_on_a_draft_is_404(api_for: Any) -> None:
    owner, other = api_for(), api_for()
    foreign = _client(owner)
    response = _draft(other, foreign)
    assert response.status_code == 404
    assert other.get("/api/v1/invoices").get_json()["data"] == []


def test_list_pages_with_an_opaque_cursor_and_filters(api: Any) -> None:
    client_id = _client(api)
    made = [_draft(api, client_id, f"{n}.00").get_json()["id"] for n in range(1, 6)]
    api.post(f"/api/v1/invoices/{made[0]}/issue")

    seen: list[str] = []
    url = "/api/v1/invoices?limit=2"
    while url:
        page = api.get(url).get_json()
        assert len(page["data"]) <= 2
        seen += [row["id"] for row in page["data"]]
        url = (
            f"/api/v1/invoices?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
        )
    assert seen == list(reversed(made))

    drafts = api.get("/api/v1/invoices?status=draft").get_json()["data"]
    assert {row["id"] for row in drafts} == set(made[1:])
    assert [r["id"] for r in api.get("/api/v1/invoices?status=open").get_json()["data"]] == [
        made[0]
    ]

    for bad in ("limit=0", "limit=101", "cursor=nonsense", "status=lost"):
        response = api.get(f"/api/v1/invoices?{bad}")
        assert response.status_code == 422, bad
        assert response.get_json()["errors"][0]["field"] == bad.split("=")[0]


def test_reads_carry_an_etag_and_if_none_match_answers_304(api: Any) -> None:
    invoice_id = _draft(api, _client(api)).get_json()["id"]
    first = api.get(f"/api/v1/invoices/{invoice_id}")
    etag = first.headers["ETag"]
    assert etag
    same = api.get(f"/api/v1/invoices/{invoice_id}", headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.data == b""
    api.post(f"/api/v1/invoices/{invoice_id}/issue")
    changed = api.get(f"/api/v1/invoices/{invoice_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(api: Any) -> None:
    client_id = _client(api)
    body = {"client_id": client_id, "notes": "First"}
    headers = {"Idempotency-Key": "order-42"}
    first = api.post("/api/v1/invoices", json=body, headers=headers)
    assert first.status_code == 201
    replay = api.post("/api/v1/invoices", json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.get_json() == first.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/api/v1/invoices").get_json()["data"]) == 1

    other = api.post("/api/v1/invoices", json={**body, "notes": "Second"}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(api.get("/api/v1/invoices").get_json()["data"]) == 1

    # A refused request stores nothing: the same key with a corrected body then runs.
    bad = {"client_id": client_id, "lines": [{"description": "x"}]}
    key = {"Idempotency-Key": "fix-me"}
    assert api.post("/api/v1/invoices", json=bad, headers=key).status_code == 422
    assert api.post("/api/v1/invoices", json=body, headers=key).status_code == 201


def test_credit_notes_list_is_empty_and_unknown_note_is_404(api: Any) -> None:
    assert api.get("/api/v1/credit-notes").get_json() == {"data": [], "next_cursor": None}
    response = api.get("/api/v1/credit-notes/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == PROBLEM
