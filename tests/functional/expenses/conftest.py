"""Fixtures for the expense pages: a signed-in owner, another user, form data and files."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
import sqlalchemy as sa


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user(email=f"owner-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def intruder(make_user: Any) -> Any:
    return make_user(email=f"intruder-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


def expense_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "date": "2025-05-10",
        "supplier": "Spotlight",
        "description": "Annual listing",
        "category": "advertising",
        "currency": "GBP",
        "amount": "120.00",
        "vat_treatment": "standard",
        "vat": "20.00",
        "business_percent": "100",
        "payment_method": "card",
        "job_id": "",
        "notes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def count_rows(app: Any) -> Any:
    from minimin.extensions import db

    def count(model: Any, **where: Any) -> int:
        with app.app_context():
            query = sa.select(sa.func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return int(db.session.scalar(query) or 0)

    return count


def png_bytes(exif: bool = False) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (40, 30), (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCameraMaker"  # Make
        image.save(out, "JPEG", exif=data.tobytes())
    else:
        image.save(out, "PNG")
    return out.getvalue()


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)
