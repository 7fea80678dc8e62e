"""Fixtures for invoice journeys: a signed-in VAT-registered business with a client."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask


@pytest.fixture
def business(app: Flask, make_user: Any) -> Any:
    """Create a user with a complete business profile and a business client."""

    def make(*, vat_registered: bool = True, email: str | None = None, **profile: Any) -> Any:
        from minimin.business.models import BusinessProfile
        from minimin.contacts.models import Agency, Client
        from minimin.extensions import db

        user = make_user(email=email, full_name="Alex Freelance")
        with app.app_context():
            values = {
                "user_id": user.id,
                "business_name": "Alex Freelance Photography",
                "address_line1": "1 High Street",
                "town": "Bristol",
                "postcode": "BS1 1AA",
                "invoice_email": "alex@example.com",
                "vat_registered": vat_registered,
                "vat_number": "GB123456789" if vat_registered else None,
                "vat_scheme": "standard" if vat_registered else None,
                "bank_account_name": "A Freelance",
                "bank_sort_code": "12-34-56",
                "bank_account_number": "12345678",
                "onboarding_step": "done",
                **profile,
            }
            db.session.add(BusinessProfile(**values))
            client = Client(
                user_id=user.id,
                name="Acme Studios Ltd",
                email="accounts@acme.example",
                address_line1="2 Market Road",
                town="Leeds",
                postcode="LS1 2BB",
                vat_number="GB987654321",
                kind="company",
            )
            agency = Agency(user_id=user.id, name="Top Models Agency", email="pay@top.example")
            db.session.add_all([client, agency])
            db.session.commit()
            user.client_id = client.id
            user.agency_id = agency.id
        return user

    return make


def draft_data(client_id: uuid.UUID, lines: list[tuple[str, str, str, str]], **extra: Any) -> dict:
    data: dict[str, Any] = {"bill_to": f"client:{client_id}", "currency": "GBP", **extra}
    for i, (desc, qty, price, vat) in enumerate(lines):
        data[f"lines-{i}-description"] = desc
        data[f"lines-{i}-quantity"] = qty
        data[f"lines-{i}-unit_price"] = price
        data[f"lines-{i}-vat_treatment"] = vat
    return data


def invoice_id_from(response: Any) -> str:
    match = re.search(r"/invoices/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)
