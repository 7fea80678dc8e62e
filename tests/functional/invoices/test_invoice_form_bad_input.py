"""Bad input through the invoice form (and the payment and credit-note forms of an invoice):
numbers that are not plain amounts, values that overflow, hostile text. Each is refused with a
clear message and a 400, nothing is stored or changed; hostile text that is accepted is shown
escaped on the pages and literally in the PDF."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pdfplumber
import sqlalchemy as sa

from tests.functional.invoices.conftest import draft_data, invoice_id_from

NOT_FINITE = "Enter a number, not NaN or infinity."
EXPONENT = "Write the number in full, without an exponent (e)."

BAD_UNIT_PRICES = [
    ("NaN", NOT_FINITE),
    ("nan", NOT_FINITE),
    ("sNaN", NOT_FINITE),
    ("Infinity", NOT_FINITE),
    ("-Infinity", NOT_FINITE),
    ("inf", NOT_FINITE),
    ("1e3", EXPONENT),
    ("1E+3", EXPONENT),
    ("1e999999", EXPONENT),
    ("0.001", "Use at most 2 decimal places."),
    ("12.345", "Use at most 2 decimal places."),
    ("-5", "Enter an amount of zero or more."),
    ("−5", "Enter an amount of zero or more."),  # U+2212 minus sign
    ("100000000.01", "Enter an amount no larger than £100,000,000.00."),
    (str(10**20), "Enter an amount no larger than £100,000,000.00."),
    ("1" * 65, "This number is too long."),
    ("12,34,5", "Enter a number in figures, like 1234.56."),
    ("0x10", "Enter a number in figures, like 1234.56."),
    ("", "Enter an amount."),
]

BAD_QUANTITIES = [
    ("NaN", NOT_FINITE),
    ("sNaN", NOT_FINITE),
    ("Infinity", NOT_FINITE),
    ("-Infinity", NOT_FINITE),
    ("1e3", EXPONENT),
    ("-1", "The quantity must be more than zero."),
    ("−1", "The quantity must be more than zero."),  # U+2212 minus sign
    ("0", "The quantity must be more than zero."),
    ("0.0001", "Use at most 3 decimal places."),
    ("100001", "Enter a quantity no larger than 100,000."),
    ("1,000", "Enter a quantity in figures, like 1.5."),
    ("½", "Enter a quantity in figures, like 1.5."),
    ("1" * 21, "Field cannot be longer than 20 characters."),
    ("", "Enter a quantity."),
]

# Accepted as text: stored as typed, escaped on the pages, printed literally on the PDF.
HOSTILE_ACCEPTED = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'; DROP TABLE invoice; --",
    "1' OR '1'='1",
    "{{ 7*191 }} ${7*191} %s%n",
    "<b>bold</b> &amp; &lt;i&gt;",
    "../../etc/passwd",
]
RTL_TEXT = "abc\u202egnp.exe"
# No CJK here: no font the PDF renderer has covers it (it prints as empty boxes) and pdfplumber
# then reads no text at all from the page.
EMOJI_TEXT = "Ünïcödé 😀 Ω≈ç√"

BAD_TEXT = [
    ("lines-0-description", "bad\x00text", "Remove the null character"),
    ("lines-0-description", "x" * 10_000, "Field cannot be longer than 500 characters."),
    ("lines-0-description", "two\nlines", "Remove the control characters"),
    ("lines-0-description", "bell\x07", "Remove the control characters"),
    ("notes", "bad\x00notes", "Remove the null character"),
    ("notes", "n" * 10_000, "Field cannot be longer than 2000 characters."),
    ("notes", "escape\x1b[31m", "Remove the control characters"),
]


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _state(app: Any) -> list[tuple[Any, ...]]:
    """Every invoice and line as stored, to prove a refused form changed nothing."""
    from minimin.extensions import db
    from minimin.invoices.models import Invoice, InvoiceLine

    with app.app_context():
        invoices = db.session.execute(
            sa.select(Invoice.id, Invoice.notes, Invoice.total_pence, Invoice.updated_at).order_by(
                Invoice.id
            )
        ).all()
        lines = db.session.execute(
            sa.select(
                InvoiceLine.id,
                InvoiceLine.description,
                InvoiceLine.quantity,
                InvoiceLine.unit_price_pence,
            ).order_by(InvoiceLine.id)
        ).all()
        db.session.remove()
    return [tuple(r) for r in invoices] + [tuple(r) for r in lines]


def _refused(response: Any, message: str, what: Any) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 400, (what, response.status_code)
    assert message in body, (what, message)
    assert "Traceback" not in body and "Internal Server Error" not in body


def test_bad_unit_prices_and_quantities_are_refused_and_store_nothing(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    r = client.submit(
        "/invoices/new",
        draft_data(user.client_id, [("Day", "1", "100", "standard")], notes="Original"),
    )
    draft_id = invoice_id_from(r)
    edit = f"/invoices/{draft_id}/edit"
    before = _state(app)

    for field, cases in (("unit_price", BAD_UNIT_PRICES), ("quantity", BAD_QUANTITIES)):
        for value, message in cases:
            for path in ("/invoices/new", edit):
                data = draft_data(user.client_id, [("Changed", "2", "250", "zero")])
                data[f"lines-0-{field}"] = value
                _refused(client.submit(path, data, form_page=edit), message, (path, field, value))
    assert _state(app) == before

    # Each amount within its limit, but the invoice total too large for the column's limit.
    data = draft_data(user.client_id, [("Huge", "100000", "100000000", "standard")])
    for path in ("/invoices/new", edit):
        _refused(client.submit(path, data, form_page=edit), "The invoice total is too large.", path)
    assert _state(app) == before

    # Three decimal places are a valid quantity (0.001 of a £1,000 licence is £1.00).
    r = client.submit(
        edit, draft_data(user.client_id, [("Licence share", "0.001", "1000", "zero")])
    )
    assert r.status_code == 302
    page = client.get(f"/invoices/{draft_id}").get_data(as_text=True)
    assert "0.001" in page and "£1.00" in page


def test_hostile_text_is_refused_or_escaped_on_the_page_and_literal_in_the_pdf(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business()
    login(client, user)
    r = client.submit(
        "/invoices/new",
        draft_data(user.client_id, [("Day", "1", "100", "standard")], notes="Original"),
    )
    draft_id = invoice_id_from(r)
    edit = f"/invoices/{draft_id}/edit"
    before = _state(app)
    for field, value, message in BAD_TEXT:
        for path in ("/invoices/new", edit):
            data = draft_data(user.client_id, [("Day", "1", "100", "standard")])
            data[field] = value
            _refused(client.submit(path, data, form_page=edit), message, (path, field, value[:20]))
    assert _state(app) == before

    lines = [(text, "1", "10", "standard") for text in [*HOSTILE_ACCEPTED, RTL_TEXT, EMOJI_TEXT]]
    notes = "\n".join(HOSTILE_ACCEPTED)
    r = client.submit(edit, draft_data(user.client_id, lines, notes=notes))
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(draft_id))
        assert [line.description for line in invoice.lines] == [
            *HOSTILE_ACCEPTED,
            RTL_TEXT,
            EMOJI_TEXT,
        ]
        assert invoice.notes == notes

    r = client.submit(f"/invoices/{draft_id}/issue", form_page=f"/invoices/{draft_id}")
    assert r.status_code == 302
    page = client.get(f"/invoices/{draft_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert (
        "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt; &amp;amp; &amp;lt;i&amp;gt;" in page
    )
    assert "1337" not in page  # {{ 7*191 }} is text, never evaluated
    assert RTL_TEXT in page and EMOJI_TEXT in page

    text = _pdf_text(client.get(f"/invoices/{draft_id}/pdf").data)
    for hostile in HOSTILE_ACCEPTED:
        assert text.count(hostile) == 2, hostile  # once as a line, once in the notes
    assert "1337" not in text

    # The payment reference: refused when unstorable, escaped when stored.
    show = f"/invoices/{draft_id}"
    for reference, message in [
        ("ref\x00", "Remove the null character"),
        ("r" * 10_000, "Field cannot be longer than 120 characters."),
        ("two\r\nlines", "Remove the control characters"),
    ]:
        r = client.submit(
            f"{show}/payments",
            {"amount": "10", "paid_on": "2025-05-01", "method": "cash", "reference": reference},
            form_page=show,
        )
        _refused(r, message, reference[:10])
    with app.app_context():
        assert db.session.get(Invoice, uuid.UUID(draft_id)).paid_pence == 0
    r = client.submit(
        f"{show}/payments",
        {
            "amount": "10",
            "paid_on": "2025-05-01",
            "method": "cash",
            "reference": "<script>alert(3)</script>",
        },
        form_page=show,
    )
    assert r.status_code == 302
    page = client.get(show).get_data(as_text=True)
    assert "<script>alert(3)</script>" not in page and "&lt;script&gt;alert(3)" in page

    # A credit note's reason: on the credit note PDF as typed.
    r = client.submit(
        f"{show}/credit-notes/new", {"full": "y", "reason": "<b>Cancelled</b> '; DROP TABLE x;--"}
    )
    assert r.status_code == 302
    with app.app_context():
        note_id = db.session.get(Invoice, uuid.UUID(draft_id)).credit_notes[0].id
    note = _pdf_text(client.get(f"/invoices/credit-notes/{note_id}/pdf").data)
    assert "<b>Cancelled</b> '; DROP TABLE x;--" in note
    page = client.get(show).get_data(as_text=True)
    assert "<b>Cancelled</b>" not in page and "&lt;b&gt;Cancelled&lt;/b&gt;" in page
