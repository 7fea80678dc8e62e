"""The business logo, uploaded on the business settings page, is printed on the invoice PDF;
without a logo the PDF has no image. An issued PDF keeps the logo it was issued with."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber

from tests.functional.invoices.conftest import draft_data, invoice_id_from
from tests.unit.business import images


def _issue(client: Any, user: Any) -> str:
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Day", "1", "100", "standard")])
    )
    invoice_id = invoice_id_from(r)
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    return invoice_id


def _images(client: Any, invoice_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        return [image for page in pdf.pages for image in page.images]


def test_logo_is_on_the_invoice_pdf_only_when_the_profile_has_one(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    without = _issue(client, user)
    assert _images(client, without) == []

    r = client.submit(
        "/settings/business/logo",
        {"logo": (io.BytesIO(images.png(240, 120)), "logo.png", "image/png")},
        form_page="/settings/business",
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    with_logo = _issue(client, user)
    [logo] = _images(client, with_logo)
    assert logo["srcsize"] == (240, 120)
    assert logo["x0"] > 300  # top right, beside the title
    # The invoice issued before the logo was added is not re-rendered.
    assert _images(client, without) == []

    # Removing the logo: later invoices have none, the issued one keeps its own.
    r = client.submit("/settings/business/logo/remove", {}, form_page="/settings/business")
    assert r.status_code == 302
    after_removal = _issue(client, user)
    assert _images(client, after_removal) == []
    assert len(_images(client, with_logo)) == 1
