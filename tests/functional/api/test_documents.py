"""Contract documents through the API: templates written, copied and versioned; a document made
for a client with its PDF, checked byte for byte; refusals change nothing; another user's
template or client is not reachable."""

from __future__ import annotations

import io
from typing import Any

from tests.functional.api.conftest import ApiClient

BODY = "<h2>Booking terms</h2><p>Between {your_name} and {client_name}.</p>"


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.get_json()
    return {error["field"] for error in response.get_json()["errors"]}


def test_templates_are_written_copied_and_versioned(api: ApiClient) -> None:
    made = api.post("/api/v1/document-templates", json={"name": "Booking terms", "body": BODY})
    assert made.status_code == 201, made.get_json()
    template = made.get_json()
    assert template["version"] == 1 and "{client_name}" in template["body"]
    url = f"/api/v1/document-templates/{template['id']}"

    renamed = api.open(url, "PATCH", json={"name": "Terms"}).get_json()
    assert renamed["name"] == "Terms" and renamed["version"] == 1
    rewritten = api.open(url, "PATCH", json={"body": BODY + "<p>Paid in {payment_terms}.</p>"})
    assert _fields(rewritten) == {"body"}  # not a placeholder of the list
    assert "{payment_terms}" in rewritten.get_json()["errors"][0]["detail"]
    rewritten = api.open(url, "PATCH", json={"body": BODY + "<p>Fee: {fee}.</p>"}).get_json()
    assert rewritten["version"] == 2 and "{fee}" in rewritten["body"]

    copied = api.post("/api/v1/document-templates/from-starter", json={"starter": "letter"})
    assert copied.status_code == 201, copied.get_json()
    assert copied.get_json()["starter"] == "letter"
    assert _fields(
        api.post("/api/v1/document-templates/from-starter", json={"starter": "nonsense"})
    ) == {"starter"}
    assert _fields(
        api.post("/api/v1/document-templates", json={"name": "Odd", "body": "{unknown}"})
    ) == {"body"}
    listed = api.get("/api/v1/document-templates").get_json()["data"]
    assert sorted(t["name"] for t in listed) == sorted(["Terms", copied.get_json()["name"]])


def test_a_document_is_made_with_its_pdf_and_checked(api: ApiClient) -> None:
    template = api.post(
        "/api/v1/document-templates", json={"name": "Booking terms", "body": BODY}
    ).get_json()
    client = api.post("/api/v1/clients", json={"name": "Acme Studios Ltd"}).get_json()
    made = api.post(
        "/api/v1/documents", json={"template_id": template["id"], "client_id": client["id"]}
    )
    assert made.status_code == 201, made.get_json()
    document = made.get_json()
    assert document["title"] == "Booking terms" and document["client_id"] == client["id"]
    assert document["template_version"] == 1

    pdf = api.get(f"/api/v1/documents/{document['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    listed = api.get("/api/v1/documents").get_json()["data"]
    assert [d["id"] for d in listed] == [document["id"]]

    def verify(data: bytes) -> Any:
        return api.post(
            "/api/v1/documents/verify",
            data={"file": (io.BytesIO(data), "copy.pdf")},
            content_type="multipart/form-data",
        ).get_json()

    assert verify(pdf.get_data()) == {"matches": True, "document_id": document["id"]}
    assert verify(pdf.get_data() + b"\n") == {"matches": False, "document_id": None}


def test_another_users_records_are_not_reachable(api_for: Any) -> None:
    owner, intruder = api_for(), api_for()
    template = owner.post(
        "/api/v1/document-templates", json={"name": "Booking terms", "body": BODY}
    ).get_json()
    client = owner.post("/api/v1/clients", json={"name": "Acme Studios Ltd"}).get_json()
    url = f"/api/v1/document-templates/{template['id']}"
    assert intruder.get(url).status_code == 404
    assert intruder.open(url, "PATCH", json={"name": "Mine now"}).status_code == 404
    # Named in a body, another user's template or client is refused, and nothing is made.
    refused = intruder.post(
        "/api/v1/documents", json={"template_id": template["id"], "client_id": client["id"]}
    )
    assert _fields(refused) == {"template_id"}
    own = intruder.post(
        "/api/v1/document-templates", json={"name": "Mine", "body": BODY}
    ).get_json()
    refused = intruder.post(
        "/api/v1/documents", json={"template_id": own["id"], "client_id": client["id"]}
    )
    assert _fields(refused) == {"client_id"}
    assert intruder.get("/api/v1/documents").get_json()["data"] == []
    assert owner.get(url).get_json()["name"] == "Booking terms"


def test_documents_need_their_scope(api_for: Any) -> None:
    reader = api_for(scopes=("documents:read",))
    refused = reader.post("/api/v1/document-templates", json={"name": "X", "body": BODY})
    assert refused.status_code == 403
    assert api_for(scopes=("contacts:read",)).get("/api/v1/documents").status_code == 403
