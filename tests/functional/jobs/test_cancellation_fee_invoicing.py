"""A cancelled job's cancellation fee is invoiced like a completed job: it is on the "to invoice"
list and the create-invoice-from-jobs page, its invoice bills the fee alone (VAT-able), and
once invoiced it leaves both; the status history keeps the cancellation. An invoiced job's page
links to its invoice."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from tests.functional.jobs.conftest import job_form, only_job_id


def _move(client, job_id, status, **extra):
    return client.submit(
        f"/jobs/{job_id}/status", {"status": status, **extra}, form_page=f"/jobs/{job_id}"
    )


def _invoice_id(response):
    match = re.search(r"/invoices/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return uuid.UUID(match.group(1))


def _table_row(page, text):
    """The text of the table row containing *text* (tags removed, spaces collapsed)."""
    for row in re.findall(r"<tr>.*?</tr>", page, re.S):
        if text in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    return ""


def test_a_cancellation_fee_is_invoiced_from_the_to_invoice_list(
    app, signed_in, owner, make_client, make_profile
):
    import sqlalchemy as sa

    from minimin.extensions import db
    from minimin.invoices.models import Invoice
    from minimin.jobs.models import Job

    make_profile(owner, vat_registered=True)
    signed_in.submit("/jobs/new", job_form(client_id=str(make_client(owner))))
    job_id = only_job_id(app)
    assert _move(signed_in, job_id, "confirmed").status_code == 302
    assert _move(signed_in, job_id, "cancelled", cancellation_fee="250").status_code == 302

    # On the "to invoice" list, for the fee (not the £1,000 day rate it replaces).
    page = signed_in.get("/jobs/to-invoice").get_data(as_text=True)
    row = _table_row(page, "Spring campaign")
    # Gross £250; expected £300, the fee with the VAT the client pays on it.
    assert "Cancellation fee" in row and "£250.00 £300.00" in row, row
    assert "£1,000.00" not in page
    assert "1 job" in page and "gross £250.00" in page
    # The job's own page shows the same figures.
    job_page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert re.search(r'id="total-gross">£250.00<', job_page)

    # On the create-invoice-from-jobs page, saying it is the cancellation fee.
    page = signed_in.get("/invoices/from-jobs").get_data(as_text=True)
    assert f'value="{job_id}"' in page
    assert "cancelled: cancellation fee £250.00" in page

    response = signed_in.submit("/invoices/from-jobs", {"job": str(job_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    invoice_id = _invoice_id(response)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        lines = [
            (line.description, line.quantity, line.net_pence, line.vat_treatment, line.vat_pence)
            for line in invoice.lines
        ]
        assert lines == [("Cancellation fee: Spring campaign", Decimal(1), 25000, "standard", 5000)]
        assert (invoice.net_pence, invoice.vat_pence, invoice.total_pence) == (25000, 5000, 30000)
        assert invoice.client_id is not None
        job = db.session.get(Job, job_id)
        assert job.status == "invoiced" and job.invoice_id == invoice_id
        assert job.cancellation_fee_pence == 25000  # kept: what the invoice billed
        moves = [(c.from_status, c.to_status) for c in job.status_changes]
        assert moves[-2:] == [("confirmed", "cancelled"), ("cancelled", "invoiced")]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1
    invoice_page = signed_in.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "Cancellation fee: Spring campaign" in invoice_page and "£300.00" in invoice_page

    # Invoiced: off both lists; the job says it was invoiced, and for its cancellation fee.
    page = signed_in.get("/jobs/to-invoice").get_data(as_text=True)
    assert "Spring campaign" not in page and "Nothing to invoice" in page
    assert "Spring campaign" not in signed_in.get("/invoices/from-jobs").get_data(as_text=True)
    job_page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "job-status-invoiced" in job_page
    assert "its invoice bills this fee only" in job_page
    assert "Cancelled → Invoiced" in job_page.replace("&nbsp;", " ")


def test_an_agency_cancellation_fee_carries_commission_and_no_agency_fee(
    app, signed_in, owner, make_agency
):
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    agency_id = make_agency(
        owner,
        default_commission_percent=Decimal("20"),
        commission_vat_added=True,
        quoting="fee_plus_agency_fee",
        agency_fee_percent=Decimal("10"),
    )
    signed_in.submit("/jobs/new", job_form(agency_id=str(agency_id)))
    job_id = only_job_id(app)
    _move(signed_in, job_id, "confirmed")
    _move(signed_in, job_id, "cancelled", cancellation_fee="250")

    # £250 less 20 % commission (£50) and VAT on it (£10): £190 expected (not VAT-registered).
    row = _table_row(signed_in.get("/jobs/to-invoice").get_data(as_text=True), "Spring campaign")
    assert "£250.00" in row and "£190.00" in row, row

    response = signed_in.submit("/invoices/from-jobs", {"job": str(job_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        invoice = db.session.get(Invoice, _invoice_id(response))
        assert invoice.agency_id == agency_id
        # One line, the fee: no agency fee is added on top of a cancellation fee.
        assert [(line.description, line.net_pence) for line in invoice.lines] == [
            ("Cancellation fee: Spring campaign", 25000)
        ]


def test_a_cancelled_job_without_a_fee_is_never_invoiced(app, signed_in, owner, make_client):
    from minimin.extensions import db
    from minimin.invoices.models import Invoice
    from minimin.jobs.models import Job

    client_id = str(make_client(owner))
    signed_in.submit("/jobs/new", job_form(client_id=client_id, title="No fee job"))
    signed_in.submit("/jobs/new", job_form(client_id=client_id, title="Zero fee job"))
    with app.app_context():
        ids = {job.title: job.id for job in db.session.query(Job)}
    for title, fee in (("No fee job", ""), ("Zero fee job", "0")):
        _move(signed_in, ids[title], "confirmed")
        _move(signed_in, ids[title], "completed")
        assert _move(signed_in, ids[title], "cancelled", cancellation_fee=fee).status_code == 302

    for path in ("/jobs/to-invoice", "/invoices/from-jobs"):
        page = signed_in.get(path).get_data(as_text=True)
        assert "No fee job" not in page and "Zero fee job" not in page, path
    response = signed_in.submit(
        "/invoices/from-jobs", {"job": str(ids["No fee job"])}, form_page="/invoices/from-jobs"
    )
    assert response.status_code == 400
    assert "no fee lines to invoice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Invoice).count() == 0
        assert {job.status for job in db.session.query(Job)} == {"cancelled"}


def test_an_invoiced_jobs_page_links_to_its_invoice(
    app, signed_in, owner, make_client, make_profile
):
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    make_profile(owner)
    signed_in.submit("/jobs/new", job_form(client_id=str(make_client(owner))))
    job_id = only_job_id(app)
    for status in ("confirmed", "completed"):
        _move(signed_in, job_id, status)
    assert "View the invoice" not in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    response = signed_in.submit("/invoices/from-jobs", {"job": str(job_id)})
    invoice_id = _invoice_id(response)
    response = signed_in.submit(
        f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        number = db.session.get(Invoice, invoice_id).number
    assert number

    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">View the invoice</a>', page)
    assert link, "no link to the invoice on the job page"
    assert link.group(1) == f"/invoices/{invoice_id}"
    invoice_page = signed_in.get(link.group(1))
    assert invoice_page.status_code == 200
    assert number in invoice_page.get_data(as_text=True)
