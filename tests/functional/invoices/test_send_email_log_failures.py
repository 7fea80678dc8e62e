"""The invoice's email log on its send page tells the truth about delivery: through the real
outbox and a real SMTP server (aiosmtpd on 127.0.0.1) that is down, then answers "try later",
then accepts, then refuses a recipient, the page shows each email as retrying, sent or failed,
with the reason."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from minimin.core.db import utcnow
from tests.functional.invoices.conftest import draft_data, invoice_id_from
from tests.mailstubs import SMTPServer

ROW_RE = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL_RE = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG_RE = re.compile(r"<[^>]+>")


@pytest.fixture
def smtp(app: Any) -> Iterator[SMTPServer]:
    """An SMTP server the app delivers to; not started, so at first connections are refused."""
    server = SMTPServer()
    app.config["MINIMIN_SETTINGS"] = dataclasses.replace(
        app.config["MINIMIN_SETTINGS"], mail_backend="smtp", smtp=server.settings()
    )
    app.extensions.pop("minimin_mailer", None)
    yield server
    server.stop()


def _flush_outbox_later(app: Any, minutes: int) -> int:
    """The periodic outbox sweep, run *minutes* from now as the scheduler would run it."""
    from minimin.core.mail import flush_outbox
    from minimin.extensions import db

    with time_machine.travel(utcnow() + timedelta(minutes=minutes)), app.app_context():
        tried = flush_outbox()
        db.session.remove()
    return tried


def _email_log(client: Any, invoice_id: str) -> list[tuple[str, str, str]]:
    """(to, status, reason) for each row of the send page's email log, newest first."""
    page = client.get(f"/invoices/{invoice_id}/send")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Emails about this invoice" in body
    log = body.split("Emails about this invoice", 1)[1].split("</table>", 1)[0]
    rows = []
    for row in ROW_RE.findall(log.split("<tbody>", 1)[1]):
        cells = CELL_RE.findall(row)
        to = html.unescape(TAG_RE.sub("", cells[1])).strip()
        status = html.unescape(re.search(r'class="badge">([^<]*)<', cells[3]).group(1))
        hint = re.search(r'class="hint">(.*?)</span>', cells[3], re.S)
        rows.append((to, status, html.unescape(hint.group(1)) if hint else ""))
    return rows


def test_send_page_log_shows_retrying_then_sent_and_failed_deliveries(
    client: Any, business: Any, login: Any, app: Any, smtp: SMTPServer
) -> None:
    user = business()
    login(client, user)
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [("Day", "1", "100", "standard")])
    )
    invoice_id = invoice_id_from(r)
    client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    send = f"/invoices/{invoice_id}/send"

    # The SMTP server is down: sending still succeeds for the user, and both emails wait.
    r = client.submit(send, {"to": "accounts@acme.example", "copy_to_self": "y"})
    assert r.status_code == 302
    log = _email_log(client, invoice_id)
    assert sorted(to for to, _, _ in log) == sorted(["accounts@acme.example", user.email])
    for _to, status, reason in log:
        assert status == "Retrying"
        assert "SMTP connection to 127.0.0.1" in reason and "failed" in reason

    # Back up, but answering "451 try again later": still retrying, with the new reason.
    smtp.start()
    smtp.handler.mode = "tempfail"
    assert _flush_outbox_later(app, 2) == 2
    for _to, status, reason in _email_log(client, invoice_id):
        assert status == "Retrying"
        assert "451" in reason
    assert smtp.messages == []

    # Accepting again: both are delivered, once, and the log says so without a reason.
    smtp.handler.mode = "accept"
    assert _flush_outbox_later(app, 30) == 2
    assert sorted(m["To"] for m in smtp.messages) == sorted(["accounts@acme.example", user.email])
    assert [(status, reason) for _to, status, reason in _email_log(client, invoice_id)] == [
        ("Sent", ""),
        ("Sent", ""),
    ]
    assert 'id="failed-email"' not in client.get(f"/invoices/{invoice_id}").get_data(as_text=True)

    # A recipient the server refuses for good: failed at once, with the server's answer. (A
    # new address is put on the client's record first: invoices go only to addresses on record.)
    from minimin.contacts.models import Client
    from minimin.extensions import db

    with app.app_context():
        db.session.get(Client, user.client_id).email = "nobody@acme.example"
        db.session.commit()
    smtp.handler.mode = "reject"
    r = client.submit(send, {"to": "nobody@acme.example"})
    assert r.status_code == 302
    log = _email_log(client, invoice_id)
    assert log[0][0] == "nobody@acme.example" and log[0][1] == "Failed"
    assert "550" in log[0][2]
    assert [status for _to, status, _ in log[1:]] == ["Sent", "Sent"]
    # A failed email is never tried again.
    attempts = smtp.handler.attempts
    smtp.handler.mode = "accept"
    assert _flush_outbox_later(app, 60 * 24) == 0
    assert smtp.handler.attempts == attempts
    assert _email_log(client, invoice_id)[0][1] == "Failed"
    assert len(smtp.messages) == 2
    # The invoice page says the customer may not have it, and where to send it again.
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    warning = re.search(r'id="failed-email">(.*?)</p>', page, re.S)
    assert warning, "no warning about the undelivered email"
    assert "nobody@acme.example could not be delivered" in html.unescape(warning.group(1))
    assert "550" in warning.group(1)
    assert f'href="/invoices/{invoice_id}/send"' in warning.group(1)
    # Sent again, to an address that takes it: the warning goes.
    r = client.submit(send, {"to": "accounts@acme.example"})
    assert r.status_code == 302
    _flush_outbox_later(app, 60 * 25)
    assert _email_log(client, invoice_id)[0][:2] == ("accounts@acme.example", "Sent")
    assert 'id="failed-email"' not in client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
