"""An agency job invoiced through /invoices/from-jobs bills the agency: the agency is the
customer on the invoice and its PDF, the job's fee lines are copied with the agency fee of a
"fee + agency fee" booking, and VAT is charged on fees, agency fee and the expenses charged on
(part of the supply: outside the scope only when the user marks a line a disbursement)."""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pdfplumber

from tests.functional.invoices.conftest import invoice_id_from

AGENCY = {
    "name": "Northern Faces Agency",
    "contact_name": "Bea Booker",
    "email": "accounts@northernfaces.example",
    "address_line1": "12 Kings Road",
    "address_line2": "Second Floor",
    "town": "Manchester",
    "postcode": "M1 4BT",
    "country": "GB",
    "vat_registered": "y",
    "vat_number": "GB980780684",
    "default_commission_percent": "15",
    "commission_vat_added": "y",
    "quoting": "fee_plus_agency_fee",
    "agency_fee_percent": "20",
}


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _bill_to_column(data: bytes) -> str:
    """The text of the "Bill to" block only (the supplier's block sits beside it)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        words = page.extract_words()
        heading = next(w for w in words if w["text"].upper() == "BILL")
        table = next(w for w in words if w["text"] == "Description")
        box = (heading["x0"] - 1, heading["top"] - 1, page.width, table["top"] - 1)
        return page.crop(box).extract_text() or ""


def test_agency_job_is_invoiced_to_the_agency_with_fee_agency_fee_and_vat(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice
    from minimin.jobs import services as jobs
    from minimin.jobs.models import Job

    user = business()
    login(client, user)
    r = client.submit("/agencies/new", AGENCY)
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    agency_id = uuid.UUID(r.headers["Location"].rsplit("/", 1)[1])

    # The job is booked through the agency (arranged with the jobs service, as the jobs pages do).
    with app.test_request_context():
        job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title="Knitwear catalogue",
                agency_id=agency_id,
                dates=[jobs.DateInput(day=date(2025, 3, 3)), jobs.DateInput(day=date(2025, 3, 4))],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate",
                        quantity=Decimal(2),
                        unit_amount_pence=50000,
                        description="Shoot days",
                    ),
                    jobs.FeeLineInput(
                        kind="expenses",
                        quantity=Decimal(1),
                        unit_amount_pence=4000,
                        description="Train to Manchester",
                    ),
                ],
            ),
        )
        job.status = "completed"
        db.session.commit()
        job_id = str(job.id)

    assert "Knitwear catalogue" in client.get("/invoices/from-jobs").get_data(as_text=True)
    r = client.submit("/invoices/from-jobs", {"job": job_id, "bill_to": f"agency:{agency_id}"})
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    invoice_id = invoice_id_from(r)

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        assert invoice.agency_id == agency_id and invoice.client_id is None
        assert invoice.customer_name == "Northern Faces Agency"
        assert [
            (line.description, line.quantity, line.unit_price_pence, line.vat_treatment)
            for line in invoice.lines
        ] == [
            ("Shoot days", 2, 50000, "standard"),
            ("Train to Manchester", 1, 4000, "standard"),
            # "Fee + agency fee": 20% of the commissionable £1,000, itself VAT-able.
            ("Agency fee: Knitwear catalogue", 1, 20000, "standard"),
        ]
        assert {line.job_id for line in invoice.lines} == {uuid.UUID(job_id)}
        assert db.session.get(Job, uuid.UUID(job_id)).status == "invoiced"

    # The draft bills the agency: its form has the agency chosen as "Bill to".
    edit = client.get(f"/invoices/{invoice_id}/edit").get_data(as_text=True)
    assert f'<option selected value="agency:{agency_id}">' in edit or (
        f'value="agency:{agency_id}" selected' in edit
    )

    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        assert [(line.net_pence, line.vat_pence) for line in invoice.lines] == [
            (100000, 20000),
            (4000, 800),
            (20000, 4000),
        ]
        assert (invoice.net_pence, invoice.vat_pence, invoice.total_pence) == (
            124000,
            24800,
            148800,
        )
        assert invoice.customer_snapshot["kind"] == "agency"
        assert invoice.customer_snapshot["name"] == "Northern Faces Agency"

    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "Northern Faces Agency" in page and "£1,488.00" in page

    text = _pdf_text(client.get(f"/invoices/{invoice_id}/pdf").data)
    bill_to = _bill_to_column(client.get(f"/invoices/{invoice_id}/pdf").data)
    for expected in [
        "Northern Faces Agency",
        "12 Kings Road",
        "Second Floor",
        "Manchester",
        "M1 4BT",
        "VAT number: GB980780684",
    ]:
        assert expected in bill_to, expected
    assert "Alex Freelance Photography" not in bill_to and "GB123456789" not in bill_to
    assert "Acme Studios Ltd" not in text  # the user's direct client is not the customer
    for expected in [
        "Shoot days",
        "£500.00",
        "£1,000.00",
        "Train to Manchester",
        "£40.00",
        "Agency fee: Knitwear catalogue",
        "£200.00",
        "Total excluding VAT £1,240.00",
        "Total VAT £248.00",
        "Total due £1,488.00",
    ]:
        assert expected in text, expected
    assert "Outside scope" not in text  # the train is part of the supply, not a disbursement
