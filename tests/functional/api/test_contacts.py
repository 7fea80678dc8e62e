"""Clients and agencies through the API: changed, archived, restored and deleted with the rules
of their pages; a refusal changes nothing; another user's id is 404."""

from __future__ import annotations

from typing import Any

from tests.functional.api.conftest import ApiClient

AGENCY = {
    "name": "Models One",
    "default_commission_percent": "20",
    "vat_registered": True,
    "vat_number": "GB980780684",
    "commission_vat_added": True,
    "commission_rates": [{"kind_of_work": "editorial", "percent": "10"}],
}


def _client(api: ApiClient, **values: Any) -> dict[str, Any]:
    made = api.post("/api/v1/clients", json={"name": "Acme Studios Ltd", **values})
    assert made.status_code == 201, made.get_json()
    return dict(made.get_json())


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    return {error["field"] for error in response.get_json()["errors"]}


def test_a_client_is_changed_archived_restored_and_deleted(api: ApiClient) -> None:
    client = _client(api, email="old@acme.example", phone="020 7946 0000")
    url = f"/api/v1/clients/{client['id']}"

    changed = api.open(url, "PATCH", json={"email": "Accounts@Acme.example", "town": "Leeds"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["email"] == "Accounts@acme.example" and body["town"] == "Leeds"
    assert body["name"] == "Acme Studios Ltd" and body["phone"] == "+44 20 7946 0000"

    # Refused: a bad email, a name taken away. Nothing of either request is kept.
    assert _fields(api.open(url, "PATCH", json={"email": "nope", "town": "York"})) == {"email"}
    assert _fields(api.open(url, "PATCH", json={"name": None})) == {"name"}
    assert _fields(api.open(url, "PATCH", json={"postcode": "not a postcode"})) == {"postcode"}
    assert api.get(url).get_json() == body

    archived = api.post(f"{url}/archive")
    assert archived.status_code == 200 and archived.get_json()["archived_at"]
    assert api.get("/api/v1/clients").get_json()["data"] == []
    listed = api.get("/api/v1/clients?archived=true").get_json()["data"]
    assert [c["id"] for c in listed] == [client["id"]]
    restored = api.post(f"{url}/unarchive")
    assert restored.status_code == 200 and restored.get_json()["archived_at"] is None

    deleted = api.open(url, "DELETE")
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert api.get(url).status_code == 404


def test_a_client_with_an_invoice_is_not_deleted(api: ApiClient) -> None:
    client = _client(api)
    line = {"description": "One day", "unit_price": {"amount": "100.00", "currency": "GBP"}}
    draft = api.post("/api/v1/invoices", json={"client_id": client["id"], "lines": [line]})
    assert draft.status_code == 201, draft.get_json()

    refused = api.open(f"/api/v1/clients/{client['id']}", "DELETE")
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "archive it instead" in refused.get_json()["detail"]
    assert api.get(f"/api/v1/clients/{client['id']}").status_code == 200


def test_an_agency_is_added_with_the_rules_of_its_form(api: ApiClient) -> None:
    made = api.post("/api/v1/agencies", json=AGENCY)
    assert made.status_code == 201, made.get_json()
    agency = made.get_json()
    assert agency["default_commission_percent"] == "20.000"
    assert agency["commission_rates"] == [{"kind_of_work": "editorial", "percent": "10.000"}]

    refusals = [
        ({"vat_number": None}, "vat_number"),
        ({"vat_registered": False}, "commission_vat_added"),
        ({"quoting": "fee_plus_agency_fee"}, "agency_fee_percent"),
        ({"mother_agency_name": "Mother Mgmt"}, "mother_agency_share_percent"),
        ({"self_billing": True}, "self_billing_start_date"),
        ({"default_commission_percent": "101"}, "default_commission_percent"),
        ({"commission_rates": [{"kind_of_work": "nonsense", "percent": "5"}]}, None),
    ]
    for change, field in refusals:
        fields = _fields(api.post("/api/v1/agencies", json={**AGENCY, **change}))
        assert field is None or fields == {field}, (change, fields)
    assert len(api.get("/api/v1/agencies").get_json()["data"]) == 1


def test_an_agency_is_changed_archived_and_deleted(api: ApiClient) -> None:
    agency = api.post("/api/v1/agencies", json=AGENCY).get_json()
    url = f"/api/v1/agencies/{agency['id']}"

    changed = api.open(
        url,
        "PATCH",
        json={
            "self_billing": True,
            "self_billing_start_date": "2024-02-29",
            "phone": "0117 496 0000",
        },
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["self_billing_review_date"] == "2025-02-28"
    assert body["self_billing_vat_number"] == "GB980780684"
    assert body["commission_rates"] == agency["commission_rates"]  # not sent: kept

    rates = api.open(url, "PATCH", json={"commission_rates": []}).get_json()
    assert rates["commission_rates"] == [] and rates["default_commission_percent"] == "20.000"
    assert _fields(api.open(url, "PATCH", json={"vat_registered": False})) == {
        "commission_vat_added"
    }
    assert api.get(url).get_json()["vat_registered"] is True

    assert api.post(f"{url}/archive").get_json()["archived_at"]
    assert api.post(f"{url}/unarchive").get_json()["archived_at"] is None
    assert api.open(url, "DELETE").status_code == 204
    assert api.get(url).status_code == 404


def test_another_users_contacts_are_404_and_unchanged(api_for: Any) -> None:
    owner, intruder = api_for(), api_for()
    client = _client(owner)
    agency = owner.post("/api/v1/agencies", json=AGENCY).get_json()
    for url in (f"/api/v1/clients/{client['id']}", f"/api/v1/agencies/{agency['id']}"):
        for method, suffix in (("PATCH", ""), ("POST", "/archive"), ("DELETE", "")):
            answer = intruder.open(url + suffix, method, json={"name": "Intruder"})
            assert answer.status_code == 404, (method, url + suffix)
        assert owner.get(url).get_json()["name"] in ("Acme Studios Ltd", "Models One")
        assert owner.get(url).get_json()["archived_at"] is None


def test_writing_contacts_needs_the_write_scope(api_for: Any) -> None:
    reader = api_for(scopes=("contacts:read",))
    refused = reader.post("/api/v1/agencies", json=AGENCY)
    assert refused.status_code == 403
    assert reader.get("/api/v1/agencies").get_json()["data"] == []
