"""Shared fixtures for the journal's tests: a VAT-registered business with a client and an
agency, and the proof that a user's books are whole."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask


@dataclass(frozen=True)
class Business:
    """The ids of a sole trader's business: the user, one client and one agency."""

    user_id: uuid.UUID
    client_id: uuid.UUID
    agency_id: uuid.UUID


@pytest.fixture
def make_business(app: Flask, make_user: Any) -> Any:
    """Make (and commit) a VAT-registered business on the standard scheme with a company
    client and an agency taking 20 % commission without VAT on it."""

    def make(*, vat_registered: bool = True) -> Business:
        from minimin.business.models import BusinessProfile
        from minimin.contacts.models import Agency, Client
        from minimin.extensions import db

        user = make_user(full_name="Alex Freelance")
        with app.app_context():
            db.session.add(
                BusinessProfile(
                    user_id=user.id,
                    business_name="Alex Freelance Photography",
                    address_line1="1 High Street",
                    town="Bristol",
                    postcode="BS1 1AA",
                    invoice_email="alex@example.com",
                    vat_registered=vat_registered,
                    vat_number="GB123456789" if vat_registered else None,
                    vat_scheme="standard" if vat_registered else None,
                    onboarding_step="done",
                )
            )
            client = Client(
                user_id=user.id,
                name="Acme Studios Ltd",
                email="accounts@acme.example",
                address_line1="2 Market Road",
                town="Leeds",
                postcode="LS1 2BB",
                kind="company",
            )
            agency = Agency(
                user_id=user.id,
                name="Top Models Agency",
                email="pay@top.example",
                default_commission_percent=Decimal(20),
                commission_vat_added=False,
            )
            db.session.add_all([client, agency])
            db.session.commit()
            return Business(user.id, client.id, agency.id)

    return make


@pytest.fixture
def books_whole() -> Any:
    """Assert that ``minimin.ledger.check`` finds nothing wrong in *user_id*'s books."""

    def assert_whole(session: Any, user_id: uuid.UUID) -> None:
        from minimin.ledger.check import check

        report = check(session, [user_id])
        assert report.ok, "\n".join(report.problems)

    return assert_whole
