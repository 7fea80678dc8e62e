"""Accountant export: the ZIP's contents (CSVs, PDFs, receipts, README), formula-safe cells,
progress endpoint, sharing with the accountant by a hashed, 7-day, single-export link."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import sqlalchemy as sa

from minimin.core.dates import TaxYear, uk_today


def _build(client: Any) -> str:
    year = TaxYear.containing(uk_today())
    response = client.submit("/reports/export", {"tax_year": year.label})
    assert response.status_code == 302
    return response.headers["Location"]


def test_export_zip_contents(app: Any, client: Any, trader: Any) -> None:
    from minimin.core.storage import storage

    user = trader()
    year = TaxYear.containing(uk_today())
    with app.app_context():
        key = storage().save(b"%PDF-1.7 invoice", "application/pdf")
    inv = user.books.invoice(tax_point=year.start, net=10_000, pdf_key=key)
    user.books.payment(inv, 10_000, year.start)
    user.books.expense(day=year.start, amount=-0 + 1_000, supplier='=HYPERLINK("x")')
    status_url = _build(client)
    page = client.get(status_url)
    assert page.status_code == 200
    assert "Ready:" in page.get_data(as_text=True)
    state = client.get(status_url + "/status.json").get_json()
    assert state["status"] == "done" and state["percent"] == 100
    download = client.get(status_url + "/download")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = set(archive.namelist())
    for name in (
        "README.txt",
        "jobs.csv",
        "invoices.csv",
        "credit_notes.csv",
        "payments.csv",
        "refunds.csv",
        "agency_income.csv",
        "expenses.csv",
        "mileage.csv",
        "bank_transactions.csv",
        "tax_year_report.pdf",
        f"invoices/{inv.number.replace('-', '-')}.pdf",
    ):
        assert name in names, name
    assert archive.read(f"invoices/{inv.number}.pdf") == b"%PDF-1.7 invoice"
    assert archive.read("tax_year_report.pdf").startswith(b"%PDF")
    readme = archive.read("README.txt").decode()
    assert "expenses.csv (1 rows)" in readme and year.label in readme
    rows = list(csv.reader(io.StringIO(archive.read("expenses.csv").decode("utf-8-sig"))))
    assert rows[1][1] == '\'=HYPERLINK("x")'
    assert rows[1][5] == "10.00"
    invoices = list(csv.reader(io.StringIO(archive.read("invoices.csv").decode("utf-8-sig"))))
    assert invoices[1][0] == inv.number and invoices[1][10] == "100.00"


def test_share_with_accountant(app: Any, client: Any, trader: Any, mailbox: Any) -> None:
    from minimin.core.audit import AuditEvent
    from minimin.extensions import db
    from minimin.reports.tax_models import ExportShare

    user = trader(accountant_email="books@accountants.example", accountant_name="Pat")
    user.books.expense(day=uk_today(), amount=2_000)
    status_url = _build(client)
    unconfirmed = client.submit(status_url + "/share", {})
    assert unconfirmed.status_code == 303
    assert mailbox.to("books@accountants.example") == []
    shared = client.submit(status_url + "/share", {"confirm": "yes"})
    assert shared.status_code == 302
    link = mailbox.last_link("books@accountants.example")
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        share = db.session.scalars(sa.select(ExportShare)).one()
        assert share.token_hash != token and token not in share.token_hash
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "export.shared")
        )
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/logout", data={"csrf_token": client.csrf_token("/")})
    anonymous = client.get("/" + path)
    assert anonymous.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(anonymous.data)).read("README.txt")
    assert anonymous.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/" + path[:-2] + "xx").status_code == 404
    with app.app_context():
        row = db.session.scalars(sa.select(ExportShare)).one()
        assert row.downloads == 1
        row.expires_at = row.expires_at - dt.timedelta(days=8)
        db.session.commit()
    assert client.get("/" + path).status_code == 404


def test_share_needs_an_accountant_email(client: Any, trader: Any) -> None:
    trader()
    status_url = _build(client)
    response = client.submit(status_url + "/share", {"confirm": "yes"})
    assert response.status_code == 422
    assert "accountant" in response.get_data(as_text=True)


def test_bad_year_and_other_users(client: Any, trader: Any) -> None:
    trader()
    assert client.submit("/reports/export", {"tax_year": "2025/27"}).status_code == 400
    assert client.submit("/reports/export", {"tax_year": "1999/00"}).status_code == 400
    status_url = _build(client)
    client.post("/logout", data={"csrf_token": client.csrf_token("/")})
    trader()
    assert client.get(status_url).status_code == 404
    assert client.get(status_url + "/download").status_code == 404
    assert client.get(status_url + "/status.json").status_code == 404
    assert client.submit(status_url + "/share", {"confirm": "yes"}).status_code == 404


def test_export_lists_refunds_paid_in_the_year(app: Any, client: Any, trader: Any) -> None:
    """A paid invoice credited in full and refunded: refunds.csv carries the refund with its
    invoice and credit note, so the cash-basis income of the year can be reconciled."""
    from minimin.extensions import db
    from minimin.invoices import credit_notes, refunds
    from minimin.invoices.models import Invoice

    user = trader()
    year = TaxYear.containing(uk_today())
    inv = user.books.invoice(tax_point=year.start, net=10_000)
    user.books.payment(inv, 10_000, year.start)
    with app.app_context():
        invoice = db.session.get(Invoice, inv.id)
        note = credit_notes.create_credit_note(
            invoice,
            credit_notes.CreditNoteInput(full=True, reason="Shoot cancelled"),
        )
        refunds.record_refund(
            invoice,
            refunds.RefundInput(
                amount_pence=10_000,
                refunded_on=year.start + dt.timedelta(days=3),
                method="bank_transfer",
                note="Back to client",
                credit_note_id=note.id,
            ),
            today=year.start + dt.timedelta(days=3),
        )
        note_number = note.number
        db.session.commit()
    download = client.get(_build(client) + "/download")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    rows = list(csv.reader(io.StringIO(archive.read("refunds.csv").decode("utf-8-sig"))))
    assert rows[0] == [
        "refunded_on",
        "invoice_number",
        "credit_note_number",
        "customer",
        "currency",
        "amount",
        "method",
        "note",
    ]
    assert rows[1] == [
        (year.start + dt.timedelta(days=3)).isoformat(),
        inv.number,
        note_number,
        "Acme Studios Ltd",
        "GBP",
        "100.00",
        "bank_transfer",
        "Back to client",
    ]
    assert "refunds.csv (1 rows)" in archive.read("README.txt").decode()
