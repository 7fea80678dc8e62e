"""The business's own invoice wording, set on the business settings page (payment notes,
late-payment wording, footer), is printed on the invoice PDF as it stood at issue; the footer
also on credit notes. Late-payment wording goes to business customers only."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pdfplumber
import sqlalchemy as sa

from tests.functional.invoices.conftest import draft_data, invoice_id_from

WORDING = {
    "invoice_prefix": "INV-",
    "credit_note_prefix": "CN-",
    "invoice_padding": "4",
    "payment_terms_days": "30",
    "invoice_footer": "Thank you for your business.\nAlex Freelance Photography",
    "payment_notes": "Please quote the invoice number with your transfer.",
    "late_payment_text": "Overdue invoices carry statutory interest at 8% over base rate.",
}


def _pdf_text(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return " ".join(text.split())  # lines as wrapped on the page, joined


def _issue(client: Any, customer_id: Any) -> str:
    r = client.submit(
        "/invoices/new",
        draft_data(
            customer_id,
            [("Shoot day", "1", "1000", "standard"), ("Travel", "1", "40", "outside_scope")],
        ),
    )
    invoice_id = invoice_id_from(r)
    r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    return invoice_id


def test_profile_wording_is_printed_on_invoices_and_credit_notes(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import CreditNote

    user = business()
    login(client, user)
    before = _issue(client, user.client_id)
    plain = _pdf_text(client, f"/invoices/{before}/pdf")
    assert "Please quote the invoice number" not in plain
    assert "Late Payment of Commercial Debts" in plain  # the default wording
    # Lines with no VAT are summarised as such, not as "VAT at Outside scope".
    assert "Outside scope: £40.00, no VAT" in plain
    assert "VAT at 20% on £1,000.00" in plain

    r = client.submit(
        "/settings/business/invoices",
        {**WORDING, "next_invoice_number": "2", "next_credit_note_number": "1"},
        form_page="/settings/business",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    after = _issue(client, user.client_id)
    text = _pdf_text(client, f"/invoices/{after}/pdf")
    assert "Please quote the invoice number with your transfer." in text
    assert "Overdue invoices carry statutory interest at 8% over base rate." in text
    assert "Late Payment of Commercial Debts" not in text  # the business's own wording instead
    assert "Thank you for your business. Alex Freelance Photography" in text
    # The invoice issued before the wording was set is not re-rendered.
    assert _pdf_text(client, f"/invoices/{before}/pdf") == plain

    r = client.submit(
        f"/invoices/{after}/credit-notes/new", {"full": "y", "reason": "Shoot cancelled"}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    with app.app_context():
        note_id = db.session.scalar(
            sa.select(CreditNote.id).where(CreditNote.invoice_id == uuid.UUID(after))
        )
    note_pdf = f"/invoices/credit-notes/{note_id}/pdf"
    note_text = _pdf_text(client, note_pdf)
    assert "Thank you for your business." in note_text
    assert "Please quote the invoice number" not in note_text  # nothing to pay on a credit


def test_late_payment_wording_is_not_printed_for_a_private_individual(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    user = business()
    login(client, user)
    r = client.submit(
        "/settings/business/invoices",
        {**WORDING, "next_invoice_number": "1", "next_credit_note_number": "1"},
        form_page="/settings/business",
    )
    assert r.status_code == 302
    with app.app_context():
        person = Client(user_id=user.id, name="Sam Private", kind="individual")
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    text = _pdf_text(client, f"/invoices/{_issue(client, person_id)}/pdf")
    assert "statutory interest" not in text
    assert "Late Payment of Commercial Debts" not in text
    assert "Please quote the invoice number with your transfer." in text
