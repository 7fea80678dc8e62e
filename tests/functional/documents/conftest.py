"""Fixtures for the documents pages: a signed-in owner with a profile, a client and a job with
a usage line, and helpers to make a template and a document."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.functional.jobs.conftest import job_form


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user(email=f"owner-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def signed_in(app: Any, client: Any, owner: Any, login: Any) -> Any:
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    with app.app_context():
        db.session.add(
            BusinessProfile(
                user_id=owner.id,
                business_name="Sam Freelance",
                address_line1="1 High Street",
                town="Bristol",
                postcode="BS1 1AA",
                onboarding_step="done",
            )
        )
        db.session.commit()
    login(client, owner)
    return client


@pytest.fixture
def usage_job(app: Any, signed_in: Any, owner: Any) -> str:
    """A job for Acme Studios with a usage line: 'Online', 'UK', expiring 9 November 2027."""
    from minimin.contacts.models import Client
    from minimin.extensions import db

    with app.app_context():
        acme = Client(user_id=owner.id, name="Acme Studios", email="book@acme.example")
        db.session.add(acme)
        db.session.commit()
        client_id = str(acme.id)
    data = job_form(
        client_id=client_id,
        title="Lookbook <AW27>",
        **{
            "fee_lines-1-kind": "usage",
            "fee_lines-1-description": "Usage",
            "fee_lines-1-quantity": "1",
            "fee_lines-1-unit_amount": "500",
            "fee_lines-1-media": "Online & social",
            "fee_lines-1-territory": "UK",
            "fee_lines-1-term": "12 months",
            "fee_lines-1-usage_expires_on": "2027-11-09",
        },
    )
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return str(response.headers["Location"].rsplit("/", 1)[-1])


def copy_starter(client: Any, key: str) -> str:
    response = client.submit(
        "/documents/templates/copy", {"starter": key}, form_page="/documents/templates"
    )
    assert response.status_code == 302
    return str(response.headers["Location"].rsplit("/", 1)[-1])


def make_document(client: Any, template_id: str, job_id: str = "", title: str = "") -> str:
    response = client.submit(
        "/documents/new",
        {"template": template_id, "job": job_id, "client": "", "agency": "", "title": title},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return str(response.headers["Location"].rsplit("/", 1)[-1])


def link_in(text: str) -> str:
    match = re.search(r"https?://\S+/sign/([A-Za-z0-9_\-]{20,})", text)
    assert match, text
    return match.group(1)
