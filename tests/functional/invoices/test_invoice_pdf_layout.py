"""The invoice PDF: the sort code written as banks print it, the business's phone and website
under its address, and the logo against the right margin."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber

from tests.functional.invoices.conftest import draft_data, invoice_id_from

RIGHT_MARGIN_PT = 16 / 25.4 * 72  # the page's 16 mm right margin (pdf.html)


def _logo(app: Any, user: Any) -> None:
    from PIL import Image

    from minimin.business.models import BusinessProfile
    from minimin.extensions import db
    from minimin.files.services import store_upload

    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (20, 60, 160)).save(buffer, "PNG")
    buffer.seek(0)
    with app.test_request_context():
        stored = store_upload(user.id, buffer, "logo.png", "logo")
        profile = db.session.query(BusinessProfile).filter_by(user_id=user.id).one()
        profile.logo_file_id = stored.id
        db.session.commit()


def test_pdf_has_sort_code_phone_website_and_right_aligned_logo(
    app: Any, client: Any, business: Any, login: Any
) -> None:
    user = business(
        vat_registered=False,
        bank_sort_code="200000",
        phone="+441174960000",
        website="https://alexfreelance.example",
    )
    _logo(app, user)
    login(client, user)
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Shoot", "1", "500", "outside_scope")])
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    invoice_id = invoice_id_from(r)
    page = f"/invoices/{invoice_id}"
    assert client.submit(f"{page}/issue", form_page=page).status_code == 302
    data = client.get(f"{page}/pdf").data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0]
        text = first.extract_text() or ""
        assert "20-00-00" in text and "200000" not in text
        assert "0117 496 0000" in text
        assert "alexfreelance.example" in text
        assert len(first.images) == 1
        logo = first.images[0]
        assert abs((first.width - RIGHT_MARGIN_PT) - logo["x1"]) < 1.5
