"""What the VAT scheme of the business does to its invoices.

* Flat Rate Scheme: the customer is charged VAT at the normal rates (20% here); the flat rate
  percentage only works out what the business pays HMRC on its own return, so it never appears
  on the invoice. The PDF says that the supplier is on the Flat Rate Scheme.
* Not VAT-registered (for example deregistered, with the old VAT number still in the profile):
  no VAT is charged and no VAT number or VAT rate is shown, on the page or the PDF.
"""

from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal
from typing import Any

import pdfplumber
import pytest

from tests.functional.invoices.conftest import draft_data, invoice_id_from

FLAT_RATE_WORDING = (
    "VAT is charged at the standard rate; the supplier accounts for VAT under the Flat Rate Scheme."
)


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _issue(client: Any, user: Any, lines: list[tuple[str, str, str, str]]) -> str:
    r = client.submit("/invoices/new", draft_data(user.client_id, lines))
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    invoice_id = invoice_id_from(r)
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    return invoice_id


@pytest.mark.parametrize(
    ("scheme", "percent"), [("flat_rate", Decimal("12.5")), ("flat_rate_lct", Decimal("16.5"))]
)
def test_flat_rate_business_charges_vat_at_the_normal_rate(
    client: Any, business: Any, login: Any, app: Any, scheme: str, percent: Decimal
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    user = business(vat_scheme=scheme, flat_rate_percent=percent)
    login(client, user)
    invoice_id = _issue(
        client,
        user,
        [("Shoot day", "2", "450", "standard"), ("Prints", "1", "100", "reduced")],
    )
    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        assert [(line.vat_rate, line.net_pence, line.vat_pence) for line in invoice.lines] == [
            (Decimal(20), 90000, 18000),
            (Decimal(5), 10000, 500),
        ]
        assert (invoice.net_pence, invoice.vat_pence, invoice.total_pence) == (
            100000,
            18500,
            118500,
        )

    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    for expected in ["Standard rate (20%)", "£180.00", "£185.00", "£1,000.00", "£1,185.00"]:
        assert expected in page, expected
    assert f"{percent.normalize()}%" not in page

    text = _pdf_text(client.get(f"/invoices/{invoice_id}/pdf").data)
    for expected in [
        "VAT invoice",
        "VAT number: GB123456789",
        "Shoot day 2 £450.00 20% £900.00 £180.00",
        "Prints 1 £100.00 5% £100.00 £5.00",
        "Total excluding VAT £1,000.00",
        "Total VAT £185.00",
        "Total due £1,185.00",
    ]:
        assert expected in text, expected
    assert f"{percent.normalize()}%" not in text
    assert FLAT_RATE_WORDING in " ".join(text.split())


def test_standard_scheme_pdf_has_no_flat_rate_wording(
    client: Any, business: Any, login: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _issue(client, user, [("Shoot day", "1", "450", "standard")])
    text = _pdf_text(client.get(f"/invoices/{invoice_id}/pdf").data)
    assert "Flat Rate" not in text
    assert "Total VAT £90.00" in text


def test_deregistered_business_with_a_stored_vat_number_shows_no_vat(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    # No longer registered; the old number and scheme are still in the profile.
    user = business(
        vat_registered=False,
        vat_number="GB123456789",
        vat_scheme="flat_rate",
        flat_rate_percent=Decimal("12.5"),
    )
    login(client, user)
    lines = [("Shoot day", "2", "450", "standard"), ("Prints", "1", "100", "reduced")]
    r = client.submit("/invoices/new", draft_data(user.client_id, lines))
    invoice_id = invoice_id_from(r)
    draft = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "GB123456789" not in draft
    assert "20%" not in draft and "5%" not in draft
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        assert [(line.net_pence, line.vat_pence) for line in invoice.lines] == [
            (90000, 0),
            (10000, 0),
        ]
        assert (invoice.vat_pence, invoice.total_pence) == (0, 100000)
        assert invoice.supplier_snapshot["vat_number"] is None
        assert invoice.supplier_snapshot["vat_scheme"] is None

    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "GB123456789" not in page
    assert "20%" not in page and "5%" not in page
    assert "£1,000.00" in page

    text = _pdf_text(client.get(f"/invoices/{invoice_id}/pdf").data)
    assert "GB123456789" not in text
    # No "VAT invoice", VAT number, rate, column or total (the customer's own number stays).
    assert "VAT" not in text.replace("VAT number: GB987654321", "")
    assert "20%" not in text and "5%" not in text and "Flat Rate" not in text
    assert "Shoot day 2 £450.00 £900.00" in text
    assert "Total due £1,000.00" in text

    # The client's page behind the payment link.
    link = re.search(r'href="https?://[^/"]+(/pay/[^"]+)"', page)
    assert link
    client.post("/logout", data={"csrf_token": client.csrf_token("/invoices")})
    public = app.test_client().get(link.group(1)).get_data(as_text=True)
    assert "£1,000.00" in public
    assert "GB123456789" not in public
    assert "VAT" not in public
