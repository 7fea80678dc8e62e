"""Credit notes on paid and part-paid invoices, refunds, and what they do to the invoice's
status, its jobs, the tax-year report and the VAT return (standard accounting, cash
accounting and the Flat Rate Scheme), with figures worked by hand."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pdfplumber
import pytest
import sqlalchemy as sa

from tests.functional.invoices.conftest import draft_data, invoice_id_from

REGISTERED = {"vat_registration_date": date(2025, 1, 1), "vat_stagger": "1"}


# --------------------------------------------------------------------------- helpers


def _issue(client: Any, user: Any, lines: list[tuple[str, str, str, str]], **extra: Any) -> str:
    r = client.submit("/invoices/new", draft_data(user.client_id, lines, **extra))
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    invoice_id = invoice_id_from(r)
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    return invoice_id


def _pay(client: Any, invoice_id: str, amount: str, on: date) -> None:
    r = client.submit(
        f"/invoices/{invoice_id}/payments",
        {"amount": amount, "paid_on": on.isoformat(), "method": "bank_transfer"},
        form_page=f"/invoices/{invoice_id}",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]


def _refund(client: Any, invoice_id: str, amount: str, on: date, **extra: Any) -> Any:
    data = {"amount": amount, "refunded_on": on.isoformat(), "method": "bank_transfer", **extra}
    return client.submit(
        f"/invoices/{invoice_id}/refunds", data, form_page=f"/invoices/{invoice_id}"
    )


def _credit_on(
    app: Any, invoice_id: str, on: date, quantities: dict[int, str] | None = None
) -> None:
    """A credit note dated *on* (the page dates a note the day it is issued), through the same
    service the page uses: every line's remainder, or *quantities* by line position."""
    from minimin.extensions import db
    from minimin.invoices import credit_notes
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        lines = [
            credit_notes.CreditLineInput(invoice.lines[i].id, Decimal(q))
            for i, q in (quantities or {}).items()
        ]
        credit_notes.create_credit_note(
            invoice,
            credit_notes.CreditNoteInput(full=not quantities, lines=lines),
            today=on,
        )
        db.session.commit()


def _invoice(app: Any, invoice_id: str) -> Any:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        db.session.expunge_all()
        return invoice


def _count(app: Any, model: Any) -> int:
    from minimin.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _today() -> date:
    from minimin.invoices.services import today_london

    return today_london()


# --------------------------------------------------------------------------- journeys


def test_partial_credit_of_a_paid_invoice_gives_a_refund_due_then_a_refund(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.invoices.models import Refund

    user = business()
    login(client, user)
    # £1,000 + £200 VAT, paid in full; then £300 of the work is cancelled.
    invoice_id = _issue(client, user, [("Shoot day", "2", "500", "standard")])
    _pay(client, invoice_id, "1200", _today())
    page = client.get(f"/invoices/{invoice_id}/credit-notes/new").get_data(as_text=True)
    assert 'id="creditable">£1,200.00' in page
    assert "becomes a refund due" in page
    line_id = _invoice(app, invoice_id).lines[0].id
    r = client.submit(
        f"/invoices/{invoice_id}/credit-notes/new",
        {f"qty-{line_id}": "0.5", "reason": "Half day cancelled"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]

    invoice = _invoice(app, invoice_id)
    assert (invoice.status, invoice.credited_pence, invoice.paid_pence) == ("paid", 30000, 120000)
    assert (invoice.outstanding_pence, invoice.refund_due_pence) == (0, 30000)
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="refund-due"><strong>£300.00' in page
    assert "Refund due £300.00" in page
    assert 'id="outstanding">£0.00' in page
    assert "Record a refund" in page
    # The client's page says so too.
    link = re.search(r"/pay/[A-Za-z0-9_-]+", page)
    assert link
    public = app.test_client().get(link.group(0)).get_data(as_text=True)
    assert "To be refunded to you" in public and "£300.00" in public

    # The credit note PDF carries every HMRC item and the refund due.
    note = invoice.credit_notes[0]
    assert (note.net_pence, note.vat_pence, note.total_pence) == (25000, 5000, 30000)
    text = _pdf_text(client.get(f"/invoices/credit-notes/{note.id}/pdf").data)
    for expected in [
        "Credit note",
        "CN-0001",
        invoice.number,
        "GB123456789",
        "Acme Studios Ltd",
        "Shoot day",
        "0.5",
        "20%",
        "£250.00",
        "£50.00",
        "Total credited",
        "£300.00",
        "Refund due",
        "Half day cancelled",
    ]:
        assert expected in text, expected

    # More than the refund due is refused with the amount; nothing is stored.
    r = _refund(client, invoice_id, "300.01", _today())
    assert r.status_code == 400
    assert "more than the £300.00 due back to the customer" in r.get_data(as_text=True)
    assert _count(app, Refund) == 0

    r = _refund(client, invoice_id, "300", _today(), note="Paid back by transfer")
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    invoice = _invoice(app, invoice_id)
    assert (invoice.status, invoice.refunded_pence, invoice.refund_due_pence) == ("paid", 30000, 0)
    refund = invoice.refunds[0]
    assert (refund.amount_pence, refund.method, refund.note) == (
        30000,
        "bank_transfer",
        "Paid back by transfer",
    )
    assert refund.credit_note_id == note.id
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="refunded">£300.00' in page
    assert "refunded £300.00" in page  # beside the credit note
    assert "Record a refund" not in page
    # Nothing is due any more: a second refund is refused.
    r = _refund(client, invoice_id, "1", _today())
    assert r.status_code == 400
    assert "Nothing is due back" in r.get_data(as_text=True)

    # A refund recorded by mistake is removed: the refund is due again.
    r = client.submit(
        f"/invoices/{invoice_id}/refunds/{refund.id}/delete", form_page=f"/invoices/{invoice_id}"
    )
    assert r.status_code == 302
    invoice = _invoice(app, invoice_id)
    assert (invoice.refunded_pence, invoice.refund_due_pence, invoice.status) == (0, 30000, "paid")
    assert _count(app, Refund) == 0

    # The list never shows a negative balance.
    listing = client.get("/invoices").get_data(as_text=True)
    assert "-£" not in listing and "−£" not in listing


def test_part_paid_invoice_credited_in_full_owes_back_what_was_paid(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _issue(
        client, user, [("Shoot day", "2", "500", "standard"), ("Travel", "1", "40", "zero")]
    )
    _pay(client, invoice_id, "500", _today())
    day_line = _invoice(app, invoice_id).lines[0]
    url = f"/invoices/{invoice_id}/credit-notes/new"
    # One day credited: £600 off £1,240, £500 paid: £140 still to pay, nothing due back.
    assert client.submit(url, {f"qty-{day_line.id}": "1"}).status_code == 302
    invoice = _invoice(app, invoice_id)
    assert (invoice.status, invoice.outstanding_pence, invoice.refund_due_pence) == (
        "part_paid",
        14000,
        0,
    )
    # Crediting the rest of the line, and the travel: £640 credited, £500 comes back.
    r = client.submit(url, {"full": "y", "reason": "Job cancelled"})
    assert r.status_code == 302
    invoice = _invoice(app, invoice_id)
    assert invoice.credited_pence == invoice.total_pence == 124000
    assert (invoice.status, invoice.outstanding_pence, invoice.refund_due_pence) == (
        "paid",
        0,
        50000,
    )
    second = invoice.credit_notes[1]
    assert (second.net_pence, second.vat_pence) == (54000, 10000)
    assert [item["quantity"] for item in second.lines_snapshot] == ["1", "1"]
    text = _pdf_text(client.get(f"/invoices/credit-notes/{second.id}/pdf").data)
    assert "Taken off the amount still to pay" in text and "£140.00" in text
    assert "Refund due" in text and "£500.00" in text
    # Refunded in full: void, nothing owed either way.
    assert _refund(client, invoice_id, "500.00", _today()).status_code == 302
    invoice = _invoice(app, invoice_id)
    assert (invoice.status, invoice.outstanding_pence, invoice.refund_due_pence) == ("void", 0, 0)
    assert "Credited in full" in client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    # Nothing left to credit, and a payment the refund depends on cannot be removed.
    r = client.submit(url, {"full": "y"}, form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 400
    assert "already been credited" in r.get_data(as_text=True)
    # The void invoice's refund can still be removed: it is paid again, with a refund due.
    refund_id = invoice.refunds[0].id
    r = client.submit(
        f"/invoices/{invoice_id}/refunds/{refund_id}/delete", form_page=f"/invoices/{invoice_id}"
    )
    assert r.status_code == 302
    invoice = _invoice(app, invoice_id)
    assert (invoice.status, invoice.refund_due_pence, invoice.voided_at) == ("paid", 50000, None)


def test_a_payment_behind_a_refund_cannot_be_removed(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business(vat_registered=False)
    login(client, user)
    invoice_id = _issue(client, user, [("Portraits", "1", "800", "standard")])
    _pay(client, invoice_id, "800", _today())
    _credit_on(app, invoice_id, _today(), {0: "0.25"})
    assert _refund(client, invoice_id, "200", _today(), method="cash").status_code == 302
    payment_id = _invoice(app, invoice_id).payments[0].id
    r = client.submit(
        f"/invoices/{invoice_id}/payments/{payment_id}/delete",
        form_page=f"/invoices/{invoice_id}",
    )
    assert r.status_code == 400
    assert "remove the refund before this payment" in r.get_data(as_text=True)
    invoice = _invoice(app, invoice_id)
    assert (invoice.paid_pence, invoice.refunded_pence, invoice.status) == (80000, 20000, "paid")


def test_a_paid_invoice_credited_in_full_gives_its_jobs_back(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.jobs import services as jobs
    from minimin.jobs.models import Job

    user = business()
    login(client, user)
    with app.test_request_context():
        job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title="Catalogue shoot",
                client_id=user.client_id,
                dates=[jobs.DateInput(day=date(2025, 3, 3))],
                fee_lines=[
                    jobs.FeeLineInput(kind="day_rate", quantity=Decimal(1), unit_amount_pence=50000)
                ],
            ),
        )
        job.status = "completed"
        db.session.commit()
        job_id = uuid.UUID(str(job.id))
    r = client.submit("/invoices/from-jobs", {"job": str(job_id)})
    invoice_id = invoice_id_from(r)
    client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    _pay(client, invoice_id, "600", _today())

    def job_state() -> tuple[str, Any]:
        with app.app_context():
            row = db.session.get(Job, job_id)
            return row.status, row.invoice_id

    assert job_state() == ("paid", uuid.UUID(invoice_id))
    # A partial credit keeps the job billed.
    _credit_on(app, invoice_id, _today(), {0: "0.5"})
    assert job_state() == ("paid", uuid.UUID(invoice_id))
    # Credited in full (the refund still due): the job can be invoiced again.
    assert (
        client.submit(f"/invoices/{invoice_id}/credit-notes/new", {"full": "y"}).status_code == 302
    )
    assert job_state() == ("completed", None)
    assert "Catalogue shoot" in client.get("/invoices/from-jobs").get_data(as_text=True)
    invoice = _invoice(app, invoice_id)
    assert (invoice.status, invoice.refund_due_pence) == ("paid", 60000)
    # Re-invoiced elsewhere; removing and re-recording a refund on the old invoice leaves the
    # job with its new invoice.
    r = client.submit("/invoices/from-jobs", {"job": str(job_id)})
    new_invoice = uuid.UUID(invoice_id_from(r))
    # One transfer pays back both credit notes: one refund per note, each with its own VAT.
    r = _refund(client, invoice_id, "600", _today())
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    invoice = _invoice(app, invoice_id)
    assert invoice.status == "void"
    by_note = {n.id: n.number for n in invoice.credit_notes}
    assert sorted((by_note[r.credit_note_id], r.amount_pence) for r in invoice.refunds) == [
        ("CN-0001", 30000),
        ("CN-0002", 30000),
    ]
    refund_id = invoice.refunds[0].id
    client.submit(
        f"/invoices/{invoice_id}/refunds/{refund_id}/delete", form_page=f"/invoices/{invoice_id}"
    )
    assert job_state() == ("invoiced", new_invoice)


def test_credit_notes_of_a_foreign_invoice_add_up_to_its_sterling_vat(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    """€300 + €60 VAT at €1.17 per £1: £51.28 VAT. Each third converts to £17.09; the note
    that completes the invoice states what is left (£17.10), so nothing is lost to rounding."""
    user = business()
    login(client, user)
    invoice_id = _issue(
        client,
        user,
        [("Shoot day", "3", "100", "standard")],
        currency="EUR",
        exchange_rate="1.17",
    )
    _pay(client, invoice_id, "360", _today())
    assert _invoice(app, invoice_id).vat_gbp_pence == 5128
    _credit_on(app, invoice_id, _today(), {0: "1"})
    _credit_on(app, invoice_id, _today(), {0: "1"})
    _credit_on(app, invoice_id, _today())
    invoice = _invoice(app, invoice_id)
    assert [n.vat_gbp_pence for n in invoice.credit_notes] == [1709, 1709, 1710]
    assert [n.total_pence for n in invoice.credit_notes] == [12000, 12000, 12000]
    assert (invoice.status, invoice.refund_due_pence) == ("paid", 36000)
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="refund-due"><strong>€360.00' in page


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("NaN", "not NaN or infinity"),
        ("sNaN", "not NaN or infinity"),
        ("Infinity", "not NaN or infinity"),
        ("-Infinity", "not NaN or infinity"),
        ("1e2", "without an exponent"),
        ("1E999999", "without an exponent"),
        ("10.001", "at most 2 decimal places"),
        ("-5", "zero or more"),
        ("0", "more than zero"),
        ("99999999999999999999", ""),
        ("", "This field is required"),
        ("ten pounds", "in figures"),
    ],
)
def test_bad_refund_amounts_are_refused_and_store_nothing(
    client: Any, business: Any, login: Any, app: Any, amount: str, message: str
) -> None:
    from minimin.invoices.models import Refund

    user = business()
    login(client, user)
    invoice_id = _issue(client, user, [("Day", "1", "100", "standard")])
    _pay(client, invoice_id, "120", _today())
    _credit_on(app, invoice_id, _today())
    r = _refund(client, invoice_id, amount, _today())
    assert r.status_code == 400, (amount, r.status_code)
    assert message in r.get_data(as_text=True), amount
    assert _count(app, Refund) == 0
    invoice = _invoice(app, invoice_id)
    assert (invoice.refunded_pence, invoice.refund_due_pence) == (0, 12000)


def test_bad_refund_dates_methods_and_notes_are_refused(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.invoices.models import Refund

    user = business()
    login(client, user)
    invoice_id = _issue(client, user, [("Day", "1", "100", "standard")], issue_date="2025-05-01")
    other_id = _issue(client, user, [("Other", "1", "50", "standard")])
    _pay(client, invoice_id, "120", _today())
    _credit_on(app, invoice_id, _today())
    _pay(client, other_id, "60", _today())
    _credit_on(app, other_id, _today())
    foreign_note = str(_invoice(app, other_id).credit_notes[0].id)
    tomorrow = _today() + timedelta(days=1)
    cases = [
        ({"refunded_on": "2025-02-30"}, "That date does not exist"),
        ({"refunded_on": "30/02/2025"}, "That date does not exist"),
        ({"refunded_on": "0001-01-01"}, "Enter a year between"),
        ({"refunded_on": "9999-12-31"}, "Enter a year between"),
        ({"refunded_on": "yesterday"}, "Enter a date like"),
        ({"refunded_on": ""}, "This field is required"),
        ({"refunded_on": tomorrow.isoformat()}, "cannot be in the future"),
        ({"refunded_on": "2025-04-30"}, "before the invoice was issued (01 May 2025)"),
        ({"method": "stripe"}, "Not a valid choice"),
        ({"method": "x" * 5000}, "Not a valid choice"),
        ({"credit_note": foreign_note}, "Not a valid choice"),
        ({"credit_note": str(uuid.uuid4())}, "Not a valid choice"),
        ({"note": "n" * 501}, "500"),
        ({"note": "bad\x00byte"}, ""),
    ]
    for extra, message in cases:
        data = {"amount": "120", "refunded_on": _today().isoformat(), "method": "cash", **extra}
        r = client.submit(
            f"/invoices/{invoice_id}/refunds", data, form_page=f"/invoices/{invoice_id}"
        )
        assert r.status_code == 400, (extra, r.status_code)
        assert message in r.get_data(as_text=True), (extra, message)
    assert _count(app, Refund) == 0
    # Without a CSRF token nothing is recorded either.
    r = client.post(
        f"/invoices/{invoice_id}/refunds",
        data={"amount": "120", "refunded_on": _today().isoformat(), "method": "cash"},
    )
    assert r.status_code == 400
    assert _count(app, Refund) == 0
    # A draft has nothing to refund; an unpaid invoice has nothing due back.
    draft = invoice_id_from(
        client.submit("/invoices/new", draft_data(user.client_id, [("D", "1", "1", "zero")]))
    )
    assert _refund(client, draft, "1", _today()).status_code == 400
    unpaid = _issue(client, user, [("U", "1", "10", "zero")])
    r = _refund(client, unpaid, "1", _today())
    assert r.status_code == 400 and "Nothing is due back" in r.get_data(as_text=True)
    assert _count(app, Refund) == 0


@pytest.mark.parametrize("quantity", ["NaN", "Infinity", "1e2", "-1", "0.0001", "abc", "9" * 30])
def test_bad_credit_quantities_are_refused(
    client: Any, business: Any, login: Any, app: Any, quantity: str
) -> None:
    from minimin.invoices.models import CreditNote

    user = business()
    login(client, user)
    invoice_id = _issue(client, user, [("Day", "2", "100", "standard")])
    _pay(client, invoice_id, "240", _today())
    line_id = _invoice(app, invoice_id).lines[0].id
    r = client.submit(f"/invoices/{invoice_id}/credit-notes/new", {f"qty-{line_id}": quantity})
    assert r.status_code == 400, quantity
    assert _count(app, CreditNote) == 0
    assert _invoice(app, invoice_id).status == "paid"


def test_another_user_gets_404_on_refund_routes(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    owner = business()
    login(client, owner)
    invoice_id = _issue(client, owner, [("Day", "1", "100", "standard")])
    _pay(client, invoice_id, "120", _today())
    _credit_on(app, invoice_id, _today())
    assert _refund(client, invoice_id, "20", _today()).status_code == 302
    refund_id = _invoice(app, invoice_id).refunds[0].id

    intruder = business()
    other = app.test_client()
    login(other, intruder)
    own_invoice = _issue(other, intruder, [("Mine", "1", "10", "zero")])
    token = other.csrf_token("/invoices")
    for url in [
        f"/invoices/{invoice_id}/refunds",
        f"/invoices/{invoice_id}/refunds/{refund_id}/delete",
        f"/invoices/{own_invoice}/refunds/{refund_id}/delete",
        f"/invoices/{invoice_id}/refunds/not-a-uuid/delete",
    ]:
        data = {"csrf_token": token, "amount": "10", "refunded_on": _today().isoformat()}
        assert other.post(url, data=data).status_code == 404, url
    assert _invoice(app, invoice_id).refunded_pence == 2000


# --------------------------------------------------------------------------- reports


def _paid_credited_refunded(client: Any, app: Any, user: Any) -> None:
    """Two invoices paid in the April-June 2025 quarter, credited in it and refunded in the
    next one:

    A: £1,000 + £200 VAT, paid; a quarter of it (£250 + £50) credited on 25 June; the £300
       refunded on 3 July.
    B: £500 + £100 VAT, paid; credited in full on 26 June; the £600 refunded on 4 July (void).
    """
    a = _issue(
        client,
        user,
        [("Shoot", "1", "1000", "standard")],
        issue_date="2025-05-10",
        tax_point="2025-05-10",
    )
    b = _issue(
        client,
        user,
        [("Usage", "1", "500", "standard")],
        issue_date="2025-05-12",
        tax_point="2025-05-12",
    )
    _pay(client, a, "1200", date(2025, 5, 20))
    _pay(client, b, "600", date(2025, 5, 21))
    _credit_on(app, a, date(2025, 6, 25), {0: "0.25"})
    _credit_on(app, b, date(2025, 6, 26))
    assert _refund(client, a, "300", date(2025, 7, 3)).status_code == 302
    assert _refund(client, b, "600", date(2025, 7, 4)).status_code == 302
    assert _invoice(app, b).status == "void"
    assert _invoice(app, a).status == "paid"


def _boxes(app: Any, user: Any, start: date, end: date) -> dict[int, int]:
    from minimin.invoices.services import business_profile
    from minimin.reports import vat_return

    with app.app_context():
        return vat_return.compute(business_profile(user.id), start, end).boxes


def _box(html: str, n: int) -> str:
    marker = f'id="box-{n}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


Q2 = (date(2025, 4, 1), date(2025, 6, 30))
Q3 = (date(2025, 7, 1), date(2025, 9, 30))


def test_vat_return_standard_accounting_takes_credit_notes_by_their_date(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business(vat_scheme="standard", **REGISTERED)
    login(client, user)
    _paid_credited_refunded(client, app, user)
    # Output VAT: 200 + 100 on the invoices, less 50 and 100 on the credit notes (June).
    q2 = _boxes(app, user, *Q2)
    assert (q2[1], q2[6]) == (15000, 75000)
    # The refunds in July change nothing under standard accounting.
    q3 = _boxes(app, user, *Q3)
    assert (q3[1], q3[6]) == (0, 0)
    html = client.get("/reports/vat/2025-04-01/2025-06-30").get_data(as_text=True)
    assert (_box(html, 1), _box(html, 6)) == ("£150.00", "£750.00")
    drill = client.get("/reports/vat/2025-04-01/2025-06-30/box/1").get_data(as_text=True)
    assert "CN-0001" in drill and "CN-0002" in drill


def test_vat_return_cash_accounting_takes_refunds_by_their_date(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business(vat_scheme="cash_accounting", **REGISTERED)
    login(client, user)
    _paid_credited_refunded(client, app, user)
    # Payments in May: all their VAT is due; the credit notes change nothing until refunded.
    q2 = _boxes(app, user, *Q2)
    assert (q2[1], q2[6]) == (30000, 150000)
    # Refunds in July: VAT of the credit notes they refund (£50 of £300, £100 of £600).
    q3 = _boxes(app, user, *Q3)
    assert (q3[1], q3[5], q3[6]) == (-15000, -15000, -75000)
    drill = client.get("/reports/vat/2025-07-01/2025-09-30/box/1").get_data(as_text=True)
    assert "Refund paid" in drill and "CN-0001" in drill


def test_vat_return_flat_rate_scheme_takes_credit_notes_off_turnover(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business(vat_scheme="flat_rate", flat_rate_percent=Decimal("12"), **REGISTERED)
    login(client, user)
    _paid_credited_refunded(client, app, user)
    q2 = _boxes(app, user, *Q2)
    # VAT-inclusive turnover: £1,800 invoiced less £900 credited = £900; no goods bought, so
    # the limited cost trader rate of 16.5 % applies: £148.50.
    assert (q2[6], q2[1]) == (90000, 14850)
    assert _boxes(app, user, *Q3)[1] == 0


def test_cash_accounting_refund_carries_its_credit_notes_vat_not_the_invoices(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    """A refund of an outside-the-scope line (a disbursement at cost) takes no VAT back, though
    the invoice as a whole carried VAT; and, being outside the scope, it is not in box 6 either
    (neither was the disbursement when it was paid: boxes 6 and 7 leave out supplies outside
    the scope of VAT, on every scheme)."""
    user = business(vat_scheme="cash_accounting", **REGISTERED)
    login(client, user)
    invoice_id = _issue(
        client,
        user,
        [("Shoot", "1", "1000", "standard"), ("Travel at cost", "1", "40", "outside_scope")],
        issue_date="2025-05-10",
    )
    _pay(client, invoice_id, "1240", date(2025, 5, 20))
    _credit_on(app, invoice_id, date(2025, 6, 25), {1: "1"})
    assert _refund(client, invoice_id, "40", date(2025, 7, 3)).status_code == 302
    q2 = _boxes(app, user, *Q2)
    assert (q2[1], q2[6]) == (20000, 100000)  # paid in May: the shoot's £1,000 and its VAT
    q3 = _boxes(app, user, *Q3)
    assert (q3[1], q3[6]) == (0, 0)


def _turnover(client: Any, year: str, basis: str) -> str:
    response = client.get(f"/reports/tax-year.csv?year={year}&basis={basis}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    return {(r[0], r[1]): r[3] for r in rows[1:] if r[1]}[("income", "15")]


def test_tax_year_report_on_both_bases(client: Any, business: Any, login: Any, app: Any) -> None:
    user = business(vat_scheme="standard", **REGISTERED)
    login(client, user)
    _paid_credited_refunded(client, app, user)
    # C: £400 + £80 VAT issued and paid in March 2026 (2025/26), credited in full on 30 March,
    # refunded on 15 April 2026 (2026/27).
    c = _issue(client, user, [("Campaign", "1", "400", "standard")], issue_date="2026-03-20")
    _pay(client, c, "480", date(2026, 3, 25))
    _credit_on(app, c, date(2026, 3, 30))
    assert _refund(client, c, "480", date(2026, 4, 15)).status_code == 302
    assert _invoice(app, c).status == "void"

    # Cash: payments 1,000 + 500 + 400 (VAT out) less refunds 250 + 500 in the year.
    assert _turnover(client, "2025/26", "cash") == "1150.00"
    # Accruals: invoices 1,000 + 500 + 400 less credit notes 250 + 500 + 400.
    assert _turnover(client, "2025/26", "accruals") == "750.00"
    # The refund of C falls in the next year on the cash basis only.
    assert _turnover(client, "2026/27", "cash") == "-400.00"
    assert _turnover(client, "2026/27", "accruals") == "0.00"


def test_a_later_credit_does_not_change_a_closed_year(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    """Issued and paid in 2024/25, credited in full and refunded in 2025/26: 2024/25 keeps its
    income on both bases, 2025/26 takes it off."""
    user = business(vat_registered=False)
    login(client, user)
    invoice_id = _issue(client, user, [("Stills", "1", "700", "zero")], issue_date="2025-03-20")
    _pay(client, invoice_id, "700", date(2025, 3, 25))
    before = {basis: _turnover(client, "2024/25", basis) for basis in ("cash", "accruals")}
    assert before == {"cash": "700.00", "accruals": "700.00"}
    _credit_on(app, invoice_id, date(2025, 4, 10))
    assert _refund(client, invoice_id, "700", date(2025, 4, 12)).status_code == 302
    assert _invoice(app, invoice_id).status == "void"
    after = {basis: _turnover(client, "2024/25", basis) for basis in ("cash", "accruals")}
    assert after == before
    assert _turnover(client, "2025/26", "cash") == "-700.00"
    assert _turnover(client, "2025/26", "accruals") == "-700.00"
