"""Fixtures for the job pages: a signed-in owner, contacts and a job form builder."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user(email=f"owner-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


@pytest.fixture
def make_agency(app: Any) -> Any:
    from minimin.contacts.models import Agency, AgencyCommissionRate
    from minimin.extensions import db

    def make(
        user: Any, name: str = "Bookers Ltd", rates: dict[str, str] | None = None, **fields: Any
    ) -> uuid.UUID:
        with app.app_context():
            agency = Agency(user_id=user.id, name=name, **fields)
            db.session.add(agency)
            db.session.flush()
            for kind, percent in (rates or {}).items():
                db.session.add(
                    AgencyCommissionRate(
                        user_id=user.id,
                        agency_id=agency.id,
                        kind_of_work=kind,
                        percent=Decimal(percent),
                    )
                )
            db.session.commit()
            return agency.id

    return make


@pytest.fixture
def make_client(app: Any) -> Any:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    def make(user: Any, name: str = "Acme Studios") -> uuid.UUID:
        with app.app_context():
            row = Client(user_id=user.id, name=name)
            db.session.add(row)
            db.session.commit()
            return row.id

    return make


@pytest.fixture
def make_profile(app: Any) -> Any:
    """A business profile complete enough to issue invoices, VAT-registered or not."""
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    def make(user: Any, *, vat_registered: bool = False) -> None:
        with app.app_context():
            db.session.add(
                BusinessProfile(
                    user_id=user.id,
                    business_name="Sam Freelance",
                    address_line1="1 High Street",
                    town="Bristol",
                    postcode="BS1 1AA",
                    vat_registered=vat_registered,
                    vat_number="GB123456789" if vat_registered else None,
                    vat_scheme="standard" if vat_registered else None,
                    onboarding_step="done",
                )
            )
            db.session.commit()

    return make


def job_form(**overrides: Any) -> dict[str, Any]:
    """Form data for a one-day job with one £1,000 day-rate line."""
    data: dict[str, Any] = {
        "action": "save",
        "title": "Spring campaign",
        "client_id": "",
        "agency_id": "",
        "location": "London",
        "kind_of_work": "",
        "currency": "GBP",
        "notes": "",
        "commission_percent": "",
        "commission_vat": "",
        "quoting": "",
        "agency_fee_percent": "",
        "mother_agency_share_percent": "",
        "dates-0-day": "2026-11-10",
        "dates-0-starts_at": "",
        "dates-0-ends_at": "",
        "fee_lines-0-kind": "day_rate",
        "fee_lines-0-description": "Shoot day",
        "fee_lines-0-quantity": "1",
        "fee_lines-0-unit_amount": "1000",
        "fee_lines-0-commissionable": "",
        "fee_lines-0-vat_applies": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def job_count(app: Any) -> int:
    import sqlalchemy as sa

    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(Job)) or 0)


def only_job_id(app: Any) -> uuid.UUID:
    import sqlalchemy as sa

    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        ids = db.session.scalars(sa.select(Job.id)).all()
        assert len(ids) == 1, ids
        return ids[0]


def errors_of(response: Any) -> str:
    """The error summary of a page (for assertion messages)."""
    import re

    page = response.get_data(as_text=True)
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))) if match else ""
