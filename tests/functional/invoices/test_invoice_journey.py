"""Invoices end to end: draft, issue with a stored PDF, payments, credit notes, client page."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from typing import Any

import pdfplumber
import pytest
import sqlalchemy as sa

from tests.functional.invoices.conftest import draft_data, invoice_id_from


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _make_issued(
    client: Any, user: Any, lines: list[tuple[str, str, str, str]], **extra: Any
) -> str:
    r = client.submit("/invoices/new", draft_data(user.client_id, lines, **extra))
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    invoice_id = invoice_id_from(r)
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    return invoice_id


def _invoice(app: Any, invoice_id: str) -> Any:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        db.session.expunge_all()
        return invoice


def test_issue_renders_pdf_with_every_hmrc_item(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(
        client,
        user,
        [
            ("Shoot day, 3 March", "2", "450.00", "standard"),
            ("Usage: web, UK, 1 year", "1", "300.50", "reduced"),
            ("Travel at cost", "1", "40", "outside_scope"),
        ],
        issue_date="2025-03-10",
        tax_point="2025-03-03",
        notes="Thank you for the booking",
    )
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "INV-0001" in page
    response = client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    for expected in [
        "VAT invoice",
        "INV-0001",
        "10 March 2025",
        "3 March 2025",
        "9 April 2025",
        "Alex Freelance Photography",
        "1 High Street",
        "Bristol",
        "GB123456789",
        "Acme Studios Ltd",
        "2 Market Road",
        "Leeds",
        "Shoot day, 3 March",
        "£450.00",
        "£900.00",
        "20%",
        "Usage: web, UK, 1 year",
        "£300.50",
        "5%",
        "£15.03",
        "Travel at cost",
        "Outside scope",
        "£40.00",
        "Total excluding VAT",
        "£1,240.50",
        "Total VAT",
        "£195.03",
        "£1,435.53",
        "Sort code",
        "12-34-56",
        "12345678",
        "Thank you for the booking",
    ]:
        assert expected in text, expected
    assert "Reverse charge" not in text
    invoice = _invoice(app, invoice_id)
    assert invoice.pdf_sha256 == hashlib.sha256(response.data).hexdigest()
    assert invoice.supplier_snapshot["vat_number"] == "GB123456789"
    # Downloading again serves the same stored bytes: never re-rendered.
    assert client.get(f"/invoices/{invoice_id}/pdf").data == response.data


def test_not_vat_registered_shows_no_vat(client: Any, business: Any, login: Any) -> None:
    user = business(vat_registered=False)
    login(client, user)
    invoice_id = _make_issued(client, user, [("Hair and make-up", "1", "350", "standard")])
    text = _pdf_text(client.get(f"/invoices/{invoice_id}/pdf").data)
    assert "VAT invoice" not in text
    assert "VAT number: GB123456789" not in text
    assert "Total VAT" not in text
    assert "£350.00" in text
    assert "Total due £350.00" in text


def test_reverse_charge_wording_and_foreign_currency(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(
        client,
        user,
        [("Consultancy", "1", "1000", "reverse_charge"), ("Styling", "1", "117", "standard")],
        currency="EUR",
        exchange_rate="1.17",
    )
    text = _pdf_text(client.get(f"/invoices/{invoice_id}/pdf").data)
    assert "Reverse charge: customer to account for VAT to HMRC" in text
    assert "€1,117.00" in text or "€1,140.40" in text
    assert "Total VAT in sterling" in text
    assert "£20.00" in text  # €23.40 VAT / 1.17
    invoice = _invoice(app, invoice_id)
    assert invoice.vat_pence == 2340
    assert invoice.vat_gbp_pence == 2000


def test_numbers_are_sequential_and_assigned_at_issue(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business(invoice_prefix="AF-", invoice_padding=3, next_invoice_number=41)
    login(client, user)
    draft = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Day", "1", "100", "standard")])
    )
    draft_id = invoice_id_from(draft)
    assert _invoice(app, draft_id).number is None
    first = _make_issued(client, user, [("A", "1", "10", "standard")])
    second = _make_issued(client, user, [("B", "1", "10", "standard")])
    assert _invoice(app, first).number == "AF-041"
    assert _invoice(app, second).number == "AF-042"
    # A refused issue (no lines) does not use a number.
    empty = client.submit(
        "/invoices/new", {"bill_to": f"client:{user.client_id}", "currency": "GBP"}
    )
    empty_id = invoice_id_from(empty)
    refused = client.submit(f"/invoices/{empty_id}/issue", form_page=f"/invoices/{empty_id}")
    assert refused.status_code == 400
    assert "Add at least one line" in refused.get_data(as_text=True)
    third = _make_issued(client, user, [("C", "1", "10", "standard")])
    assert _invoice(app, third).number == "AF-043"


def test_issued_invoice_is_immutable(client: Any, business: Any, login: Any, app: Any) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(client, user, [("Day", "1", "100", "standard")])
    before = _invoice(app, invoice_id)
    r = client.submit(
        f"/invoices/{invoice_id}/edit",
        draft_data(user.client_id, [("Changed", "9", "999", "zero")]),
        form_page=f"/invoices/{invoice_id}",
    )
    assert r.status_code in (302, 400)
    after = _invoice(app, invoice_id)
    assert after.total_pence == before.total_pence == 12000
    assert after.pdf_sha256 == before.pdf_sha256
    r = client.submit(f"/invoices/{invoice_id}/delete", form_page=f"/invoices/{invoice_id}")
    assert _invoice(app, invoice_id) is not None
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 400
    assert _invoice(app, invoice_id).number == before.number


def test_payments_part_paid_overpayment_refused_and_paid(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(client, user, [("Day", "1", "100", "standard")])  # £120
    show = f"/invoices/{invoice_id}"
    r = client.submit(
        f"{show}/payments",
        {"amount": "50.00", "paid_on": "2025-05-01", "method": "bank_transfer"},
        form_page=show,
    )
    assert r.status_code == 302
    assert _invoice(app, invoice_id).status == "part_paid"
    r = client.submit(
        f"{show}/payments",
        {"amount": "70.01", "paid_on": "2025-05-02", "method": "cash"},
        form_page=show,
    )
    assert r.status_code == 400
    assert "more than the £70.00 still owed" in r.get_data(as_text=True)
    assert _invoice(app, invoice_id).paid_pence == 5000
    r = client.submit(
        f"{show}/payments",
        {"amount": "70", "paid_on": "2025-05-02", "method": "cash"},
        form_page=show,
    )
    assert r.status_code == 302
    invoice = _invoice(app, invoice_id)
    assert invoice.status == "paid"
    assert invoice.outstanding_pence == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("NaN", "not NaN"),
        ("sNaN", "not NaN"),
        ("Infinity", "not NaN"),
        ("1e999999", "exponent"),
        ("10.001", "decimal places"),
        ("-5", "zero or more"),
        ("99999999999999999", "no larger"),
        ("", "required"),
        ("12,34,5", "figures"),
    ],
)
def test_bad_payment_amounts(
    client: Any, business: Any, login: Any, app: Any, amount: str, message: str
) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(client, user, [("Day", "1", "100", "standard")])
    show = f"/invoices/{invoice_id}"
    r = client.submit(
        f"{show}/payments",
        {"amount": amount, "paid_on": "2025-05-01", "method": "cash"},
        form_page=show,
    )
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert _invoice(app, invoice_id).paid_pence == 0


def test_bad_dates_and_hostile_text_store_nothing(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    user = business()
    login(client, user)
    cases = [
        ({"issue_date": "30/02/2025"}, "does not exist"),
        ({"issue_date": "2025-03-10", "due_date": "2025-03-01"}, "due date cannot be before"),
        ({"issue_date": "0001-01-01"}, "year between"),
        ({"lines-0-description": "bad\x00text"}, "null character"),
        ({"lines-0-description": "x" * 501}, "Field cannot be longer"),
        ({"lines-0-quantity": "1e5"}, "without an exponent"),
        ({"lines-0-quantity": "0"}, "more than zero"),
        ({"lines-0-unit_price": "Infinity"}, "NaN"),
        ({"lines-0-vat_treatment": "twenty"}, "Not a valid choice"),
        ({"currency": "XXX"}, "Not a valid choice"),
        ({"currency": "EUR", "exchange_rate": "-1"}, "exchange rate"),
        ({"bill_to": "client:not-a-uuid"}, "Not a valid choice"),
    ]
    for extra, message in cases:
        data = draft_data(user.client_id, [("Day", "1", "100", "standard")])
        data.update(extra)
        r = client.submit("/invoices/new", data)
        body = r.get_data(as_text=True)
        assert r.status_code == 400, extra
        assert message in body, (extra, message)
    r = client.submit(
        "/invoices/new",
        draft_data(user.client_id, [("<script>alert(1)</script>", "1", "1", "zero")]),
    )
    invoice_id = invoice_id_from(r)
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1


def test_credit_notes_partial_then_full_voids(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(
        client, user, [("Day", "2", "100", "standard"), ("Extra", "1", "50", "standard")]
    )
    invoice = _invoice(app, invoice_id)
    day_line = invoice.lines[0]
    url = f"/invoices/{invoice_id}/credit-notes/new"
    r = client.submit(url, {f"qty-{day_line.id}": "3"})
    assert r.status_code == 400
    assert "cannot credit more than the quantity invoiced" in r.get_data(as_text=True)
    r = client.submit(url, {f"qty-{day_line.id}": "1", "reason": "One day cancelled"})
    assert r.status_code == 302
    invoice = _invoice(app, invoice_id)
    assert invoice.credited_pence == 12000
    assert invoice.outstanding_pence == 18000
    assert invoice.status == "issued"
    note = invoice.credit_notes[0]
    assert note.number == "CN-0001"
    response = client.get(f"/invoices/credit-notes/{note.id}/pdf")
    text = _pdf_text(response.data)
    for expected in [
        "Credit note",
        "CN-0001",
        invoice.number,
        "One day cancelled",
        "£100.00",
        "£20.00",
        "£120.00",
        "GB123456789",
    ]:
        assert expected in text, expected
    # Only what is left of a line can be credited again.
    r = client.submit(url, {f"qty-{day_line.id}": "2"})
    assert r.status_code == 400
    assert "Only 1 of “Day” is left to credit: 2 invoiced, 1 already credited" in r.get_data(
        as_text=True
    )
    # A full credit now credits what is left of every line, and voids the unpaid invoice.
    r = client.submit(url, {"full": "y"})
    assert r.status_code == 302
    invoice = _invoice(app, invoice_id)
    assert invoice.status == "void"
    assert invoice.credited_pence == invoice.total_pence == 30000
    assert [n.number for n in invoice.credit_notes] == ["CN-0001", "CN-0002"]
    assert invoice.credit_notes[1].total_pence == 18000
    # Nothing is left to credit: the page sends the user back, a submission is refused.
    assert client.get(url).status_code == 302
    r = client.submit(url, {"full": "y"}, form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 400
    assert "already been credited" in r.get_data(as_text=True)


def test_full_credit_note_voids(client: Any, business: Any, login: Any, app: Any) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(client, user, [("Day", "1", "100", "standard")])
    r = client.submit(
        f"/invoices/{invoice_id}/credit-notes/new", {"full": "y", "reason": "Cancelled"}
    )
    assert r.status_code == 302
    assert _invoice(app, invoice_id).status == "void"


def test_ageing_buckets(client: Any, business: Any, login: Any, app: Any) -> None:
    from datetime import date

    from minimin.invoices import listing

    user = business()
    login(client, user)
    ids = []
    for due in ("2025-01-01", "2025-01-20", "2025-02-15", "2025-03-20", "2025-05-01"):
        ids.append(
            _make_issued(
                client, user, [("Day", "1", "100", "zero")], issue_date="2024-12-01", due_date=due
            )
        )
    with app.app_context():
        ages = listing.ageing(user.id, date(2025, 4, 10))
    assert ages["GBP"] == {
        "current": 10000,
        "1_30": 10000,
        "31_60": 10000,
        "61_90": 10000,
        "90_plus": 10000,
    }
    page = client.get("/invoices").get_data(as_text=True)
    assert "Over 90 days" in page


def test_duplicate_makes_a_new_draft(client: Any, business: Any, login: Any, app: Any) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(client, user, [("Day", "1", "100", "standard")])
    r = client.submit(f"/invoices/{invoice_id}/duplicate", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302
    copy_id = invoice_id_from(r)
    copy = _invoice(app, copy_id)
    assert copy.status == "draft" and copy.number is None
    assert [line.description for line in copy.lines] == ["Day"]
    assert client.get(f"/invoices/{copy_id}/edit").status_code == 200


def test_send_email_with_pdf_and_copy_and_client_page(
    client: Any, business: Any, login: Any, app: Any, mailbox: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(client, user, [("Day", "1", "100", "standard")])
    send = f"/invoices/{invoice_id}/send"
    assert "accounts@acme.example" in client.get(send).get_data(as_text=True)
    r = client.submit(
        send, {"to": "accounts@acme.example", "message": "Hi there", "copy_to_self": "y"}
    )
    assert r.status_code == 302
    [message] = mailbox.to("accounts@acme.example")
    assert "INV-0001" in message["Subject"]
    attachments = list(message.iter_attachments())
    assert attachments[0].get_filename() == "INV-0001.pdf"
    stored = client.get(f"/invoices/{invoice_id}/pdf").data
    assert attachments[0].get_content() == stored
    assert mailbox.to(user.email), "copy to self"
    assert _invoice(app, invoice_id).status == "sent"
    assert "Sent" in client.get(send).get_data(as_text=True)
    link = mailbox.last_link("accounts@acme.example", r"http://\S+/pay/\S+")
    path = re.sub(r"^https?://[^/]+", "", link)
    client.post("/logout", data={"csrf_token": client.csrf_token("/invoices")})
    anon = app.test_client()
    page = anon.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    body = page.get_data(as_text=True)
    assert "INV-0001" in body and "£120.00" in body
    assert "Shoot" not in body
    # Bank transfer details, as on the PDF behind the same link (test_pay_page.py).
    assert "Sort code" in body and "12-34-56" in body
    pdf = anon.get(path + "/pdf")
    assert pdf.status_code == 200 and pdf.data == stored
    assert anon.get(path[:-2] + "xx").status_code == 404
    assert anon.get("/pay/" + "a" * 43).status_code == 404
    assert anon.get(f"/invoices/{invoice_id}").status_code == 302  # owner page needs login


def test_validation_error_for_email(client: Any, business: Any, login: Any) -> None:
    user = business()
    login(client, user)
    invoice_id = _make_issued(client, user, [("Day", "1", "100", "standard")])
    r = client.submit(f"/invoices/{invoice_id}/send", {"to": "not an email\r\nBcc: x@y"})
    assert r.status_code == 400
