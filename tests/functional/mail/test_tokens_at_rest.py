"""No usable token at rest: every kind of email that carries a link with a token (verification,
reset, email change, unsubscribe, accountant share, invoice and reminder payment links) is queued
while the mail server is down, then delivered; the SQLite database file and its write-ahead log
never hold one of those tokens, and the email log keeps the links with their tokens removed."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from minimin.accounts.inputs import EmailChangeInput, EmailRequestInput
from minimin.core import db as core_db
from minimin.core.mail import REDACTED, SENT, OutboundAttachment, OutboundEmail
from tests.functional.invoices.conftest import draft_data, invoice_id_from
from tests.functional.test_mail_outbox import flush_later, use_backend
from tests.mailstubs import SMTPServer

LINK = re.compile(r"https?://[^\s<>\"']+")
TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _tokens_in(text: str) -> set[str]:
    found = set()
    for link in LINK.findall(text):
        for part in TOKEN.findall(link):
            if not UUID.fullmatch(part) and re.search(r"[0-9A-Z]", part):
                found.add(part)
    return found


def _database_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def _issue_invoice(client: Any, user: Any) -> str:
    r = client.submit(
        "/invoices/new",
        draft_data(
            user.client_id,
            [("Day", "1", "1000", "standard")],
            issue_date="2025-01-01",
            due_date="2025-01-31",
        ),
    )
    invoice_id = invoice_id_from(r)
    assert (
        client.submit(
            f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}"
        ).status_code
        == 302
    )
    return invoice_id


def _queue_account_emails(app: Flask, user_id: uuid.UUID) -> None:
    from minimin.accounts import services
    from minimin.accounts.models import User
    from minimin.extensions import db
    from minimin.reports import export
    from minimin.reports.tax_models import ExportJob

    with app.test_request_context():
        user = db.session.get(User, user_id)
        assert user is not None
        user.news_consent = True
        services.send_verification(user)
        services.request_password_reset(EmailRequestInput(user.email))
        services.request_email_change(
            user, EmailChangeInput(new_email=f"new-{uuid.uuid4().hex[:6]}@example.com")
        )
        assert services.queue_news_email(user, "product_news", {"body": "What is new."})
        job = ExportJob(user_id=user.id, tax_year=2024, status="done", file_key="x.zip")
        db.session.add(job)
        db.session.flush()
        export.share(job, user.id)
        core_db.commit(db.session)


def test_no_token_of_any_email_is_kept_in_the_database(
    app: Flask, client: Any, business: Any, login: Any, mailbox: Any, database_url: str
) -> None:
    from minimin.extensions import db
    from minimin.invoices import reminders

    if not database_url.startswith("sqlite"):
        return  # the file scan is SQLite's; PostgreSQL stores the same rows
    down = SMTPServer()  # never started: every delivery fails and is retried later
    use_backend(app, mail_backend="smtp", smtp=down.settings())
    user = business(accountant_email="books@accountant.example")
    login(client, user)
    invoice_id = _issue_invoice(client, user)
    sent = client.submit(
        f"/invoices/{invoice_id}/send",
        {"to": "accounts@acme.example", "message": "Thanks", "copy_to_self": "y"},
    )
    assert sent.status_code == 302
    with app.test_request_context():
        assert reminders.send_due_reminders(date(2025, 2, 14)) == 1
        core_db.commit(db.session)
    _queue_account_emails(app, user.id)

    # Waiting for the server: the rows exist, their links are sealed.
    with app.app_context():
        waiting = db.session.scalars(sa.select(OutboundEmail)).all()
        assert len(waiting) >= 8 and all(e.status != SENT for e in waiting)
        assert all(e.sealed for e in waiting)
        db.session.remove()

    use_backend(app, mail_backend="file")
    assert flush_later(app, 2) >= 8
    delivered = mailbox.messages()
    assert len(delivered) >= 8
    tokens: set[str] = set()
    for message in delivered:
        tokens |= _tokens_in(mailbox.text(message))
        tokens |= _tokens_in(str(message.get("List-Unsubscribe", "")))
    kinds = {m["Subject"] for m in delivered}
    # verification, reset, email change, unsubscribe, share, and the invoice's payment link
    # (the same in the invoice, its copy and the reminder)
    assert len(tokens) >= 6, (tokens, kinds)

    stored = _database_bytes(database_url)
    leaked = sorted(t for t in tokens if t.encode() in stored)
    assert leaked == [], f"tokens found in the database file or its WAL: {leaked}"

    with app.app_context():
        log = db.session.scalars(sa.select(OutboundEmail)).all()
        assert all(e.status == SENT and e.sealed is None for e in log)
        assert sum(REDACTED in e.text_body for e in log) >= 8
        attachments = db.session.scalars(sa.select(OutboundAttachment)).all()
        assert attachments and all(a.content == b"" for a in attachments)
        db.session.remove()
