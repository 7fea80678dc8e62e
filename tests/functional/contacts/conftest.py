"""Fixtures for the client and agency pages."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask

#: A selection of the Big List of Naughty Strings plus the inputs docs/security.md names ("Input").
NAUGHTY = [
    "\x00",
    "abc\x00def",
    "\ud800",
    "line one\r\nline two",
    "tab\there",
    "\u202etxet",
    "<script>alert(1)</script>",
    "'; DROP TABLE client; --",
    "{{ 7*7 }}",
    "${7*7}",
    "%s%s%s%n",
    "../../etc/passwd",
    "Ω≈ç√∫˜µ≤≥÷",
    "田中さんにあげて下さい",
    "👾 🙇 💁 🙅",
    "ﷺ",
    "ZWSP\u200bhere",
    "null",
    "NaN",
    "-1",
    "1e999999",
    "0x0",
    "x" * 10_000,
]

TEXT_FIELDS_ONE_LINE = [
    "name",
    "contact_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "vat_number",
]


def form_error(body: str) -> bool:
    return "There is a problem" in body


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user(email=f"owner-{uuid.uuid4().hex[:6]}@example.com", full_name="Olive Owner")


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


@pytest.fixture
def add_client(app: Flask) -> Any:
    def add(user: Any, **values: Any) -> uuid.UUID:
        from minimin.contacts import services
        from minimin.contacts.inputs import ClientInput
        from minimin.extensions import db

        values.setdefault("name", "Acme Studios Ltd")
        with app.app_context():
            given, stored = _split(ClientInput, values)
            obj = services.create_client(user.id, ClientInput(**given))
            _set(obj, stored)
            db.session.commit()
            return obj.id

    return add


@pytest.fixture
def add_agency(app: Flask) -> Any:
    def add(user: Any, rates: dict[str, Any] | None = None, **values: Any) -> uuid.UUID:
        from decimal import Decimal

        from minimin.contacts import services
        from minimin.contacts.inputs import AgencyInput
        from minimin.extensions import db

        values.setdefault("name", "Models One")
        values.setdefault("default_commission_percent", Decimal("20"))
        with app.app_context():
            given, stored = _split(AgencyInput, values)
            obj = services.create_agency(
                user.id, AgencyInput(**given, commission_rates=rates or {})
            )
            _set(obj, stored)
            db.session.commit()
            return obj.id

    return add


def _split(input_type: Any, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values a user can enter, and the others (such as ``archived_at``) that a test sets
    on the row directly."""
    names = input_type.__dataclass_fields__
    given = {k: v for k, v in values.items() if k in names}
    return given, {k: v for k, v in values.items() if k not in names}


def _set(obj: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def count_rows(app: Flask, model: Any) -> int:
    import sqlalchemy as sa

    from minimin.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
