"""Schemathesis over every operation of the OpenAPI document: generated requests (valid and
not) never get a 5xx, and every answer matches the document (status, media type, body).

A few examples per operation keep it to well under a minute; the account has a client, a
draft and an issued invoice, so object URLs and writes meet real rows as well as unknown ids.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.functional.api.conftest import ApiClient

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture
def seeded(api_for: Any) -> ApiClient:
    api = api_for()
    client = api.post("/api/v1/clients", json={"name": "Acme Studios Ltd"}).get_json()
    line = {
        "description": "One day",
        "unit_price": {"amount": "100.00", "currency": "GBP"},
        "vat_treatment": "outside_scope",
    }
    draft = api.post("/api/v1/invoices", json={"client_id": client["id"], "lines": [line]})
    api.post("/api/v1/invoices", json={"client_id": client["id"], "lines": [line]})
    api.post(f"/api/v1/invoices/{draft.get_json()['id']}/issue")
    return api


def test_every_operation_answers_as_documented(app: Flask, seeded: ApiClient) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def answers_as_documented(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses.append(response.status_code)

        answers_as_documented()

    # The run reached the operations, and not only their refusals.
    assert len(statuses) >= 3 * len(operations)
    assert {200, 201, 404, 422} <= set(statuses), sorted(set(statuses))
