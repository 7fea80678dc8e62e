"""Agency remittances and agency jobs in the journal, through the real services and the
remittance pages: every pound of an agency job counted once.

The scenario of the defect: a VAT-registered model invoices a completed agency job to the
agency (£1,200 + £240 VAT = £1,440), then posts the agency's remittance for it (commission
20 % = £240, VAT on commission £48, net paid £1,152). Posting settles the invoice (an
"agency remittance" payment of £1,440) and adds no income of its own; before, the job was
counted twice (invoice + remittance: box 1 £480, box 6 £2,400) and the invoice stayed open.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.ledger import accounts, queries
from minimin.ledger.check import check

JOB_DAY = dt.date(2025, 5, 1)
ISSUED_ON = dt.date(2025, 5, 2)
REMITTED_ON = dt.date(2025, 5, 20)
QUARTER = {"start": dt.date(2025, 4, 1), "end": dt.date(2025, 6, 30)}
BASES = ("accruals", "cash")


@pytest.fixture
def owner(app: Any, make_user: Any) -> Any:
    """A VAT-registered model on the standard scheme, with an agency taking 20 % commission
    plus VAT on it."""
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency
    from minimin.extensions import db

    user = make_user(email=f"model-{uuid.uuid4().hex[:8]}@example.com", full_name="Alex Model")
    with app.app_context():
        db.session.add(
            BusinessProfile(
                user_id=user.id,
                business_name="Alex Model",
                address_line1="1 High Street",
                town="Bristol",
                postcode="BS1 1AA",
                invoice_email="alex@example.com",
                vat_registered=True,
                vat_number="GB123456789",
                vat_scheme="standard",
                onboarding_step="done",
            )
        )
        agency = Agency(
            user_id=user.id,
            name="Top Models Agency",
            email="pay@top.example",
            default_commission_percent=Decimal(20),
            commission_vat_added=True,
            vat_registered=True,
        )
        db.session.add(agency)
        db.session.commit()
        user.agency_id = agency.id
    return user


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


def _job(app: Any, owner: Any, *, day: dt.date = JOB_DAY, fee_pence: int = 120000) -> uuid.UUID:
    """A completed agency job of one day at *fee_pence*, 20 % commission plus VAT on it."""
    from minimin.extensions import db
    from minimin.jobs import services as jobs
    from minimin.jobs.models import COMPLETED

    with app.test_request_context():
        job = jobs.create_job(
            owner.id,
            jobs.JobInput(
                title="Knitwear catalogue",
                agency_id=owner.agency_id,
                commission_percent=Decimal(20),
                commission_vat=True,
                quoting="fee_inclusive",
                dates=[jobs.DateInput(day=day)],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate", quantity=Decimal(1), unit_amount_pence=fee_pence
                    )
                ],
            ),
            status=COMPLETED,
        )
        db.session.commit()
        return job.id


def _invoice(app: Any, owner: Any, job_id: uuid.UUID) -> uuid.UUID:
    """The job invoiced to the agency and issued on ISSUED_ON."""
    from minimin.extensions import db
    from minimin.invoices import from_jobs, services

    with app.test_request_context():
        invoice = from_jobs.create_from_jobs(owner.id, from_jobs.FromJobsInput([job_id]))
        invoice.issue_date = ISSUED_ON
        services.issue(invoice, today=ISSUED_ON)
        assert (invoice.net_pence, invoice.vat_pence, invoice.total_pence) == (
            120000,
            24000,
            144000,
        )
        db.session.commit()
        return invoice.id


def _remit(
    client: Any,
    owner: Any,
    job_id: uuid.UUID,
    *,
    kind: str = "advice",
    gross: str = "1,200.00",
    fee_vat: str = "240.00",
    commission: str = "240.00",
    commission_vat: str = "48.00",
    net: str = "1,152.00",
    post: bool = True,
) -> str:
    """Enter the agency's remittance, match its line to the job (no bank deposit imported
    yet) and post it (unless told not to), confirming the differences listed; returns its
    id."""
    form = {
        "action": "save",
        "agency_id": str(owner.agency_id),
        "kind": kind,
        "date": REMITTED_ON.isoformat(),
        "reference": "RA-77",
        "agency_invoice_number": "SB-77" if kind == "self_billed" else "",
        "total_net": net,
        "source_file_id": "",
        "lines-0-reference": "",
        "lines-0-description": "Knitwear catalogue",
        "lines-0-work_date": JOB_DAY.strftime("%d/%m/%Y"),
        "lines-0-gross": gross,
        "lines-0-fee_vat": fee_vat,
        "lines-0-commission": commission,
        "lines-0-commission_vat": commission_vat,
        "lines-0-expenses": "",
        "lines-0-net": net,
    }
    response = client.submit("/remittances/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    match = re.search(r"/remittances/([0-9a-f-]{36})", response.headers["Location"])
    assert match
    rid = match.group(1)
    page = f"/remittances/{rid}"
    response = client.submit(
        f"{page}/match", {"job-0": str(job_id), "bank_transaction_id": ""}, form_page=page
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    if post:
        _post(client, rid)
    return rid


def _post(client: Any, rid: str) -> None:
    page = f"/remittances/{rid}"
    response = client.submit(f"{page}/post", {"confirm": "y"}, form_page=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def _sum(db: Any, owner: Any, basis: str, *, sign: int = 1, **where: Any) -> int:
    return queries.total(db.session, owner.id, basis=basis, sign=sign, **QUARTER, **where)


def _turnover(db: Any, owner: Any, basis: str) -> int:
    return _sum(db, owner, basis, sign=-1, prefixes=[accounts.TURNOVER_PREFIX])


def _assert_books_whole(db: Any, owner: Any) -> None:
    report = check(db.session, [owner.id])
    assert report.ok, "\n".join(report.problems)


def test_remittance_for_an_invoiced_job_settles_the_invoice_and_counts_the_job_once(
    app: Any, db: Any, signed_in: Any, owner: Any
) -> None:
    from minimin.invoices.models import METHOD_AGENCY_REMITTANCE, PAID, Invoice, Payment
    from minimin.jobs.models import Job
    from minimin.remittances.models import AgencyIncome

    job_id = _job(app, owner)
    invoice_id = _invoice(app, owner, job_id)
    rid = _remit(signed_in, owner, job_id)

    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice_id)
    assert invoice.status == PAID and invoice.outstanding_pence == 0
    [payment] = db.session.scalars(sa.select(Payment).where(Payment.invoice_id == invoice_id))
    # What the agency paid for the job before its commission: £1,200 + £240 VAT.
    assert (payment.amount_pence, payment.method, payment.paid_on) == (
        144000,
        METHOD_AGENCY_REMITTANCE,
        REMITTED_ON,  # no bank deposit chosen: the money arrived on the remittance's date
    )
    assert payment.remittance_id == uuid.UUID(rid)
    assert db.session.get(Job, job_id).status == "paid"
    [income] = db.session.scalars(sa.select(AgencyIncome))
    # The invoice is the income document: the line's own income figures are zero.
    assert (income.invoice_id, income.payment_id) == (invoice_id, payment.id)
    assert (income.income_pence, income.gross_fee_pence, income.output_vat_pence) == (0, 0, 0)
    assert (income.commission_pence, income.commission_vat_pence, income.net_pence) == (
        24000,
        4800,
        115200,
    )

    for basis in BASES:
        # Accruals: the invoice's £1,200 on 2 May; cash: the payment's £1,440 less its VAT
        # share (1,440 × 240 / 1,440 = £240) on 20 May. Nothing from the remittance itself.
        assert _turnover(db, owner, basis) == 120000, basis
        assert _sum(db, owner, basis, sign=-1, codes=[accounts.OUTPUT_VAT]) == 24000, basis
        # The commission deducted: £240 in box 28 and its £48 VAT reclaimable.
        assert _sum(db, owner, basis, codes=[accounts.INPUT_VAT]) == 4800, basis
        assert _sum(db, owner, basis, codes=[accounts.expense_box(28)]) == 24000, basis
        # Agency clearing: £1,440 paid in less £288 deducted = £1,152, the net on its way.
        assert _sum(db, owner, basis, codes=[accounts.AGENCY_CLEARING]) == 115200, basis
        # The agency owes nothing: invoiced £1,440, paid £1,440.
        debtor = accounts.debtor(agency_id=owner.agency_id)
        assert _sum(db, owner, basis, codes=[debtor]) == 0, basis
    _assert_books_whole(db, owner)

    # The remittance's page shows the invoice its line paid, and no difference.
    text = signed_in.get(f"/remittances/{rid}").get_data(as_text=True).replace("&nbsp;", " ")
    assert re.search(rf'Paid £1,440.00 of invoice <a href="/invoices/{invoice_id}">INV-0001', text)
    assert "stays outstanding" not in text and "Differences" not in text


def test_a_short_paid_remittance_leaves_the_shortfall_outstanding_and_lists_it(
    app: Any, db: Any, signed_in: Any, owner: Any
) -> None:
    from minimin.invoices.models import PART_PAID, Invoice, Payment
    from minimin.jobs.models import Job

    job_id = _job(app, owner)
    invoice_id = _invoice(app, owner, job_id)
    # The agency pays on £1,000 instead of the £1,200 invoiced: £1,000 + £200 VAT - £200
    # commission - £40 VAT on it = £960.
    rid = _remit(
        signed_in,
        owner,
        job_id,
        gross="1,000.00",
        fee_vat="200.00",
        commission="200.00",
        commission_vat="40.00",
        net="960.00",
    )

    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice_id)
    [payment] = db.session.scalars(sa.select(Payment).where(Payment.invoice_id == invoice_id))
    assert payment.amount_pence == 120000  # £1,000 + £200 VAT, before the commission
    # £1,440 billed - £1,200 paid: £240 still owed, a real shortfall (not the commission).
    assert invoice.status == PART_PAID and invoice.outstanding_pence == 24000
    assert db.session.get(Job, job_id).status == "invoiced"

    text = signed_in.get(f"/remittances/{rid}").get_data(as_text=True)
    assert (
        "Line 1: invoice INV-0001 bills £1,440.00 for this job, but the agency paid £1,200.00 "
        "for it before its commission: £240.00 stays outstanding on the invoice."
    ) in text.replace("&nbsp;", " ")

    debtor = accounts.debtor(agency_id=owner.agency_id)
    # Accruals: the invoice's £1,200 net and £240 VAT.
    assert _turnover(db, owner, "accruals") == 120000
    assert _sum(db, owner, "accruals", sign=-1, codes=[accounts.OUTPUT_VAT]) == 24000
    # Cash: the £1,200 received, VAT share 1,200 × 240 / 1,440 = £200, turnover £1,000.
    assert _turnover(db, owner, "cash") == 100000
    assert _sum(db, owner, "cash", sign=-1, codes=[accounts.OUTPUT_VAT]) == 20000
    for basis in BASES:
        assert _sum(db, owner, basis, codes=[accounts.INPUT_VAT]) == 4000, basis
        assert _sum(db, owner, basis, codes=[accounts.expense_box(28)]) == 20000, basis
        # £1,200 paid in less £240 deducted.
        assert _sum(db, owner, basis, codes=[accounts.AGENCY_CLEARING]) == 96000, basis
        assert _sum(db, owner, basis, codes=[debtor]) == 24000, basis
    _assert_books_whole(db, owner)


def test_a_self_billed_remittance_without_an_invoice_is_the_income(
    app: Any, db: Any, signed_in: Any, owner: Any
) -> None:
    from minimin.invoices.models import Payment
    from minimin.jobs.models import Job
    from minimin.remittances.models import AgencyIncome

    # Done on 28 March (last quarter), remitted on 20 May.
    job_id = _job(app, owner, day=dt.date(2025, 3, 28))
    _remit(signed_in, owner, job_id, kind="self_billed")

    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "paid"
    assert db.session.get(Job, job_id).invoice_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    [income] = db.session.scalars(sa.select(AgencyIncome))
    assert (income.income_pence, income.output_vat_pence, income.invoice_id) == (
        120000,
        24000,
        None,
    )

    debtor = accounts.debtor(agency_id=owner.agency_id)
    agency_turnover = {"prefixes": [accounts.TURNOVER_AGENCY]}
    # Accruals: the job is earned when done (28 March, the quarter before); the remittance
    # then clears the agency's debtor. Cash: the remittance's £1,200 on 20 May.
    assert _sum(db, owner, "accruals", sign=-1, **agency_turnover) == 0
    assert _sum(db, owner, "cash", sign=-1, **agency_turnover) == 120000
    spring = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}
    assert (
        queries.total(db.session, owner.id, basis="accruals", sign=-1, **spring, **agency_turnover)
        == 120000
    )
    assert queries.total(db.session, owner.id, basis="accruals", codes=[debtor]) == 0
    for basis in BASES:
        # The user's VAT on the self-billed fee, and the commission's.
        assert _sum(db, owner, basis, sign=-1, codes=[accounts.OUTPUT_VAT]) == 24000, basis
        assert _sum(db, owner, basis, codes=[accounts.INPUT_VAT]) == 4800, basis
        assert _sum(db, owner, basis, codes=[accounts.expense_box(28)]) == 24000, basis
        # £1,440 collected for the user less £288 deducted.
        assert _sum(db, owner, basis, codes=[accounts.AGENCY_CLEARING]) == 115200, basis
    _assert_books_whole(db, owner)


def test_a_remittance_for_an_invoice_already_paid_adds_no_income(
    app: Any, db: Any, signed_in: Any, owner: Any
) -> None:
    from minimin.invoices import services as invoice_services
    from minimin.invoices.models import Invoice, Payment

    job_id = _job(app, owner)
    invoice_id = _invoice(app, owner, job_id)
    rid = _remit(signed_in, owner, job_id, post=False)
    # Matched, then the agency's money recorded by hand on the invoice before posting: the
    # £1,152 that arrived, so £288 (the commission) is still owed.
    with app.test_request_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice_services.record_payment(
            invoice,
            invoice_services.PaymentInput(
                amount_pence=115200,
                paid_on=dt.date(2025, 5, 15),
                method="bank_transfer",
            ),
        )
        db.session.commit()
    _post(signed_in, rid)

    db.session.expire_all()
    # The remittance pays what is still owed, the commission it deducted: £288.
    assert sorted(
        (p.method, p.amount_pence)
        for p in db.session.scalars(sa.select(Payment).where(Payment.invoice_id == invoice_id))
    ) == [("agency_remittance", 28800), ("bank_transfer", 115200)]
    assert db.session.get(Invoice, invoice_id).status == "paid"
    text = signed_in.get(f"/remittances/{rid}").get_data(as_text=True).replace("&nbsp;", " ")
    assert (
        "the agency paid £1,440.00 for this job, £1,152.00 more than invoice INV-0001 still "
        "owed: that much is already recorded on the invoice (by hand or by a bank match) and "
        "is not recorded again."
    ) in text

    debtor = accounts.debtor(agency_id=owner.agency_id)
    for basis in BASES:
        assert _turnover(db, owner, basis) == 120000, basis  # the invoice's, once
        assert _sum(db, owner, basis, sign=-1, codes=[accounts.OUTPUT_VAT]) == 24000, basis
        assert _sum(db, owner, basis, codes=[debtor]) == 0, basis
        # The £1,152 received by hand waits for its bank line; the commission's £288 went
        # through agency clearing (in by the remittance's payment, out as the expense).
        assert _sum(db, owner, basis, codes=[accounts.UNDEPOSITED]) == 115200, basis
        assert _sum(db, owner, basis, codes=[accounts.AGENCY_CLEARING]) == 0, basis
    _assert_books_whole(db, owner)


def test_the_payment_a_remittance_recorded_cannot_be_removed_from_the_invoice(
    app: Any, db: Any, signed_in: Any, owner: Any
) -> None:
    from minimin.invoices.models import PAID, Invoice, Payment

    job_id = _job(app, owner)
    invoice_id = _invoice(app, owner, job_id)
    _remit(signed_in, owner, job_id)
    payment_id = db.session.scalar(sa.select(Payment.id).where(Payment.invoice_id == invoice_id))
    page = f"/invoices/{invoice_id}"
    response = signed_in.submit(f"{page}/payments/{payment_id}/delete", {}, form_page=page)
    assert "This payment was recorded by posting an agency remittance." in response.get_data(
        as_text=True
    )

    db.session.expire_all()
    assert db.session.get(Payment, payment_id) is not None
    assert db.session.get(Invoice, invoice_id).status == PAID
    _assert_books_whole(db, owner)
