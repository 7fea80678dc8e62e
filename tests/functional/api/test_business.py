"""The business profile through the API: changed section by section with the rules of the
settings pages, all or nothing; bank details and the UTR neither sent nor accepted; the logo."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from tests.functional.api.conftest import ApiClient
from tests.unit.business.images import png


def _stored(app: Flask, api: ApiClient) -> Any:
    from minimin.business.services import get_profile

    with app.app_context():
        return get_profile(api.user.id)


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.get_json()
    return {error["field"] for error in response.get_json()["errors"]}


def test_the_profile_is_changed_section_by_section(app: Flask, api: ApiClient) -> None:
    changed = api.open(
        "/api/v1/business",
        "PATCH",
        json={
            "business_name": "Alex Photography",
            "phone": "020 7946 0000",
            "website": "alex.example",
            "vat_registered": True,
            "vat_number": "GB 980 7806 84",
            "vat_scheme": "flat_rate",
            "flat_rate_percent": "11",
            "invoice_prefix": "AP-",
            "next_invoice_number": 100,
            "accountant_name": "Jo Numbers",
            "day_rate": {"amount": "500.00", "currency": "GBP"},
            "hourly_rate": None,
        },
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["business_name"] == "Alex Photography"
    assert body["town"] == "Bristol"  # not sent: kept
    assert body["phone"] == "+442079460000" and body["website"] == "https://alex.example"
    assert body["vat_number"] == "GB980780684" and body["flat_rate_percent"] == "11.00"
    assert body["next_invoice_number"] == 100 and body["invoice_prefix"] == "AP-"
    assert body["day_rate"] == {"amount": "500.00", "currency": "GBP"}
    assert body["accountant_name"] == "Jo Numbers"
    assert api.get("/api/v1/business").get_json() == body
    stored = _stored(app, api)
    # The bank details were neither sent nor touched.
    assert stored.bank_account_number == "12345678" and stored.bank_account_name == "A Freelance"
    text = changed.get_data(as_text=True)
    assert "12345678" not in text and "utr" not in body and "bank_sort_code" not in body


def test_a_refused_change_changes_nothing(app: Flask, api: ApiClient) -> None:
    before = api.get("/api/v1/business").get_json()
    # The name would be fine; registering for VAT without a number is not: nothing is kept.
    refused = api.open(
        "/api/v1/business", "PATCH", json={"business_name": "New Name", "vat_registered": True}
    )
    assert _fields(refused) == {"vat_number"}
    assert "VAT number" in refused.get_json()["errors"][0]["detail"]
    assert _fields(
        api.open("/api/v1/business", "PATCH", json={"day_rate": {"amount": "5", "currency": "EUR"}})
    ) == {"day_rate.currency"}
    assert _fields(api.open("/api/v1/business", "PATCH", json={"day_rate": {"amount": "-5"}})) == {
        "day_rate"
    }
    assert _fields(api.open("/api/v1/business", "PATCH", json={"invoice_prefix": "IN V"})) == {
        "invoice_prefix"
    }
    # Bank details and the UTR are not members of the body.
    assert _fields(
        api.open("/api/v1/business", "PATCH", json={"bank_sort_code": "60-16-13", "utr": "1"})
    ) == {"bank_sort_code", "utr"}
    assert api.get("/api/v1/business").get_json() == before
    assert _stored(app, api).bank_sort_code == "12-34-56"


def test_an_issued_number_is_never_reused(api: ApiClient) -> None:
    client = api.post("/api/v1/clients", json={"name": "Acme Studios Ltd"}).get_json()
    line = {
        "description": "One day",
        "unit_price": {"amount": "100.00", "currency": "GBP"},
        "vat_treatment": "outside_scope",
    }
    draft = api.post("/api/v1/invoices", json={"client_id": client["id"], "lines": [line]})
    assert api.post(f"/api/v1/invoices/{draft.get_json()['id']}/issue").status_code == 200
    refused = api.open("/api/v1/business", "PATCH", json={"next_invoice_number": 1})
    assert _fields(refused) == {"next_invoice_number"}
    raised = api.open("/api/v1/business", "PATCH", json={"next_invoice_number": 50})
    assert raised.get_json()["next_invoice_number"] == 50


def test_a_new_account_sets_up_its_profile(app: Flask, api_for: Any, make_user: Any) -> None:
    api = api_for(user=make_user())
    assert api.get("/api/v1/business").status_code == 404
    made = api.open("/api/v1/business", "PATCH", json={"work_type": "both"})
    assert made.status_code == 200, made.get_json()
    assert made.get_json()["work_type"] == "both"
    assert _fields(api.open("/api/v1/business", "PATCH", json={"work_type": None})) == {"work_type"}


def test_the_logo_is_uploaded_and_removed(api: ApiClient) -> None:
    upload = api.post(
        "/api/v1/business/logo",
        data={"logo": (io.BytesIO(png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.get_json()
    assert upload.get_json()["has_logo"] is True
    refused = api.post(
        "/api/v1/business/logo",
        data={"logo": (io.BytesIO(b"not an image"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code in (415, 422)
    assert api.get("/api/v1/business").get_json()["has_logo"] is True
    assert api.open("/api/v1/business/logo", "DELETE").status_code == 204
    assert api.get("/api/v1/business").get_json()["has_logo"] is False
    assert api.open("/api/v1/business/logo", "DELETE").status_code == 404


def test_changing_the_profile_needs_the_write_scope(api_for: Any) -> None:
    reader = api_for(scopes=("business:read",))
    assert reader.open("/api/v1/business", "PATCH", json={"town": "Leeds"}).status_code == 403
    assert reader.get("/api/v1/business").get_json()["town"] == "Bristol"
