"""Email sent on the user's behalf: only to addresses on record for the invoice's client or
agency, at a limited rate, from the business's name with replies to its invoice email, and with
one greeting. The accountant export is limited too."""

from __future__ import annotations

import uuid
from datetime import date
from email.utils import getaddresses
from typing import Any

import sqlalchemy as sa
from flask import Flask

from minimin.core.mail import OutboundEmail
from tests.functional.invoices.conftest import draft_data, invoice_id_from


def _issued(client: Any, bill_to: str) -> str:
    r = client.submit(
        "/invoices/new",
        {
            **draft_data(
                uuid.uuid4(),
                [("Day", "1", "1000", "standard")],
                issue_date="2025-01-01",
                due_date="2025-01-31",
            ),
            "bill_to": bill_to,
        },
    )
    invoice_id = invoice_id_from(r)
    issued = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert issued.status_code == 302
    return invoice_id


def _emails(app: Flask) -> int:
    from minimin.extensions import db

    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) or 0
        db.session.remove()
    return count


def test_only_addresses_on_record(
    app: Flask, client: Any, business: Any, login: Any, mailbox: Any
) -> None:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    user = business()
    login(client, user)
    invoice_id = _issued(client, f"client:{user.client_id}")
    send = f"/invoices/{invoice_id}/send"
    page = client.get(send).get_data(as_text=True)
    assert 'value="accounts@acme.example"' in page
    assert f'href="/clients/{user.client_id}/edit"' in page  # where to add another address
    for stranger in ("victim@elsewhere.example", "ACCOUNTS@acme.example\r\nBcc: x@y.example"):
        refused = client.submit(send, {"to": stranger, "message": "Buy now"})
        assert refused.status_code == 400
        assert "only to an address on record for Acme Studios Ltd" in refused.get_data(as_text=True)
    assert _emails(app) == 0 and mailbox.messages() == []

    # A new address goes on the client's record first; then the invoice may go there.
    with app.app_context():
        db.session.get(Client, user.client_id).email = "finance@acme.example"
        db.session.commit()
    assert 'value="finance@acme.example"' in client.get(send).get_data(as_text=True)
    assert client.submit(send, {"to": "finance@acme.example"}).status_code == 302
    # The address the invoice was issued to stays on record too (any case).
    assert client.submit(send, {"to": "Accounts@Acme.example"}).status_code == 302
    assert len(mailbox.to("finance@acme.example")) == 1


def test_an_agency_invoice_goes_to_the_agency(
    app: Flask, client: Any, business: Any, login: Any, mailbox: Any
) -> None:
    user = business()
    login(client, user)
    invoice_id = _issued(client, f"agency:{user.agency_id}")
    send = f"/invoices/{invoice_id}/send"
    assert client.submit(send, {"to": "accounts@acme.example"}).status_code == 400
    assert client.submit(send, {"to": "pay@top.example"}).status_code == 302
    assert len(mailbox.to("pay@top.example")) == 1


def test_sending_is_limited_per_user_per_hour(
    app: Flask, client: Any, business: Any, login: Any, make_user: Any
) -> None:
    from minimin.invoices.emails import SENDS_PER_HOUR

    allowed = SENDS_PER_HOUR
    user = business()
    login(client, user)
    invoice_id = _issued(client, f"client:{user.client_id}")
    send = f"/invoices/{invoice_id}/send"
    token = client.csrf_token(send)
    for _ in range(allowed):
        # Refused sends count as well: the limit is on trying to send.
        assert client.post(send, data={"csrf_token": token, "to": "x@y.example"}).status_code == 400
    limited = client.post(send, data={"csrf_token": token, "to": "accounts@acme.example"})
    assert limited.status_code == 429
    assert _emails(app) == 0
    # Another user is not held back by the first one's sends.
    other = business()
    other_client = app.test_client()
    login(other_client, other)
    other_invoice = _issued(other_client, f"client:{other.client_id}")
    sent = other_client.submit(f"/invoices/{other_invoice}/send", {"to": "accounts@acme.example"})
    assert sent.status_code == 302


def test_sent_as_the_business_with_replies_to_it_and_one_greeting(
    app: Flask, client: Any, business: Any, login: Any, mailbox: Any
) -> None:
    from minimin.core import db as core_db
    from minimin.extensions import db
    from minimin.invoices import reminders

    user = business()
    login(client, user)
    invoice_id = _issued(client, f"client:{user.client_id}")
    send = f"/invoices/{invoice_id}/send"
    client.submit(send, {"to": "accounts@acme.example", "message": "Hi Jess,\nThanks again."})
    client.submit(send, {"to": "accounts@acme.example", "message": "Thanks again."})
    with app.test_request_context():
        assert reminders.send_due_reminders(date(2025, 2, 14)) == 1
        core_db.commit(db.session)
    greeted_by_user, plain, reminder = mailbox.to("accounts@acme.example")
    for message in (greeted_by_user, plain, reminder):
        [(name, address)] = getaddresses([str(message["From"])])
        assert name == "Alex Freelance Photography"
        # Our own sending address: the business's name, never its domain, is borrowed.
        assert address == getaddresses([app.config["MINIMIN_SETTINGS"].mail_from])[0][1]
        assert str(message["Reply-To"]) == "alex@example.com"
    first = mailbox.text(greeted_by_user)
    assert first.lstrip().startswith("Hi Jess,") and "Hello" not in first
    assert mailbox.text(plain).lstrip().startswith("Hello Acme Studios Ltd,")
    assert mailbox.text(reminder).count("Hello") == 1


def test_account_email_is_not_sent_as_a_business(app: Flask, make_user: Any, mailbox: Any):
    from minimin.accounts import services
    from minimin.accounts.inputs import EmailRequestInput
    from minimin.accounts.models import User
    from minimin.core import db as core_db
    from minimin.extensions import db

    person = make_user()
    with app.test_request_context():
        email = db.session.get(User, person.id).email
        services.request_password_reset(EmailRequestInput(email))
        core_db.commit(db.session)
    [message] = mailbox.to(person.email)
    assert message["Reply-To"] is None
    assert str(message["From"]) == app.config["MINIMIN_SETTINGS"].mail_from


def test_accountant_export_creation_is_limited(
    app: Flask, client: Any, business: Any, login: Any
) -> None:
    from minimin.core.dates import TaxYear, uk_today
    from minimin.reports.views_export import EXPORTS_PER_HOUR

    user = business()
    login(client, user)
    year = TaxYear.containing(uk_today()).label
    token = client.csrf_token("/reports/export")
    allowed = int(EXPORTS_PER_HOUR.split()[0])
    for _ in range(allowed):
        # An invalid year is cheap and counts all the same.
        r = client.post("/reports/export", data={"csrf_token": token, "tax_year": "nonsense"})
        assert r.status_code == 400
    r = client.post("/reports/export", data={"csrf_token": token, "tax_year": year})
    assert r.status_code == 429


def test_http_providers_get_the_sender_name_and_reply_to() -> None:
    from email.message import EmailMessage

    from minimin.core.mailers import ResendMailer, SendGridMailer

    message = EmailMessage()
    message["From"] = '"Alex Freelance Photography" <no-reply@minimin.app>'
    message["To"] = "accounts@acme.example"
    message["Reply-To"] = "alex@example.com"
    message["Subject"] = "Invoice INV-0001"
    message.set_content("Hello")
    resend = ResendMailer("re_key").payload(message)
    assert resend["from"] == "Alex Freelance Photography <no-reply@minimin.app>"
    assert resend["reply_to"] == ["alex@example.com"]
    sendgrid = SendGridMailer("SG.key").payload(message)
    assert sendgrid["from"] == {
        "email": "no-reply@minimin.app",
        "name": "Alex Freelance Photography",
    }
    assert sendgrid["reply_to"] == {"email": "alex@example.com"}
    assert "Reply-To" not in resend.get("headers", {}) and "Reply-To" not in sendgrid.get(
        "headers", {}
    )
