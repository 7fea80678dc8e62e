"""Expenses re-billed on a job carry the job's VAT (they are part of the supply); outside the
scope of VAT, a disbursement, only when the user chooses it, with HMRC's conditions beside the
choice (VAT Notice 700, section 25)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from tests.functional.invoices.conftest import invoice_id_from
from tests.functional.jobs.conftest import errors_of, job_form, only_job_id


def _book_and_invoice(app: Any, signed_in: Any, agency_id: uuid.UUID, vat_choice: str) -> Any:
    """Book a £1,000 agency job with £45.00 of travel charged on, complete it and draft its
    invoice from /invoices/from-jobs. Returns (fee line's vat_applies, invoice lines)."""
    from minimin.extensions import db
    from minimin.invoices.models import Invoice
    from minimin.jobs.models import FeeLine, Job

    data = job_form(
        agency_id=str(agency_id),
        **{
            "fee_lines-1-kind": "expenses",
            "fee_lines-1-description": "Travel to the shoot",
            "fee_lines-1-quantity": "1",
            "fee_lines-1-unit_amount": "45.00",
            "fee_lines-1-commissionable": "",
            "fee_lines-1-vat_applies": vat_choice,
        },
    )
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 302, errors_of(response)
    job_id = only_job_id(app)
    with app.app_context():
        db.session.get(Job, job_id).status = "completed"
        db.session.commit()
        applies = db.session.scalar(
            sa.select(FeeLine.vat_applies).where(
                FeeLine.job_id == job_id, FeeLine.kind == "expenses"
            )
        )
    response = signed_in.submit(
        "/invoices/from-jobs", {"job": str(job_id), "bill_to": f"agency:{agency_id}"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    invoice_id = uuid.UUID(invoice_id_from(response))
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        lines = [
            (line.description, line.net_pence, line.vat_treatment, line.vat_pence)
            for line in invoice.lines
        ]
        totals = (invoice.net_pence, invoice.vat_pence, invoice.total_pence)
    return applies, lines, totals


def test_rebilled_travel_defaults_to_the_jobs_vat(
    app: Any, signed_in: Any, owner: Any, make_profile: Any, make_agency: Any
) -> None:
    make_profile(owner, vat_registered=True)
    agency = make_agency(owner, default_commission_percent=15)
    applies, lines, totals = _book_and_invoice(app, signed_in, agency, vat_choice="")
    # The travel is part of the supply: standard rate, 20 % of £45.00 = £9.00.
    assert applies is True
    assert lines == [
        ("Shoot day", 100000, "standard", 20000),
        ("Travel to the shoot", 4500, "standard", 900),
    ]
    assert totals == (104500, 20900, 125400)


def test_disbursement_is_an_explicit_choice(
    app: Any, signed_in: Any, owner: Any, make_profile: Any, make_agency: Any
) -> None:
    make_profile(owner, vat_registered=True)
    agency = make_agency(owner, default_commission_percent=15)
    form = signed_in.get("/jobs/new").get_data(as_text=True)
    # The choice is named for what it is, and HMRC's conditions are shown beside it.
    assert "No: outside the scope of VAT (a disbursement)" in form
    assert "VAT Notice 700, section 25" in form
    for condition in (
        "your client was responsible for paying for them;",
        "your client authorised you to pay for them;",
        "the cost is shown separately on your invoice;",
        "you charge on only the exact amount you paid;",
    ):
        assert condition in form.replace("&#39;", "'"), condition
    applies, lines, totals = _book_and_invoice(app, signed_in, agency, vat_choice="no")
    assert applies is False
    assert lines == [
        ("Shoot day", 100000, "standard", 20000),
        ("Travel to the shoot", 4500, "outside_scope", 0),
    ]
    assert totals == (104500, 20000, 124500)
    job_page = signed_in.get(f"/jobs/{only_job_id(app)}").get_data(as_text=True)
    assert "No: disbursement" in job_page


def test_not_vat_registered_charges_no_vat_on_either(
    app: Any, signed_in: Any, owner: Any, make_profile: Any, make_agency: Any
) -> None:
    make_profile(owner, vat_registered=False)
    agency = make_agency(owner, default_commission_percent=15)
    applies, lines, totals = _book_and_invoice(app, signed_in, agency, vat_choice="")
    assert applies is True
    assert [(description, vat) for description, _net, _treatment, vat in lines] == [
        ("Shoot day", 0),
        ("Travel to the shoot", 0),
    ]
    assert totals == (104500, 0, 104500)
