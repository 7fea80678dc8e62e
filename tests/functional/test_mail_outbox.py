"""The email outbox end to end: an email decided in a request is sent after the commit, through a
real SMTP server (aiosmtpd) or an HTTP stub of Resend/SendGrid; a provider that is down never
breaks the user's request, and the email arrives exactly once when the provider is back."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Blueprint, Flask, request
from jinja2 import ChoiceLoader, DictLoader

from minimin.core.db import utcnow
from minimin.core.mail import (
    FAILED,
    QUEUED,
    RETRYING,
    SENT,
    Attachment,
    OutboundEmail,
    flush_outbox,
    queue_email,
    send_email,
)
from minimin.core.security import webhook
from minimin.extensions import db
from tests.mailstubs import HTTPStub, SMTPServer

TEMPLATES = {
    "mail/outbox_test.subject.txt": "Hello {{ name }}",
    "mail/outbox_test.txt": "Dear {{ name }},\nYour invoice: {{ base_url }}/invoices/1\n",
    "mail/outbox_test.html": "<p>Dear {{ name }}</p>",
}


def _install_test_route(app: Flask) -> None:
    """A route that decides an email, as a feature's view would (via a service)."""
    bp = Blueprint("outbox_test", __name__)

    @bp.post("/_test/notify")
    @webhook
    def notify() -> tuple[str, int]:
        attachments = []
        if request.form.get("attach"):
            attachments.append(Attachment("note.txt", "text/plain", b"attached \xc2\xa3 text"))
        email = queue_email(
            to=request.form["to"],
            template="outbox_test",
            context={"name": request.form.get("name", "Jo")},
            attachments=attachments,
        )
        if request.form.get("fail"):
            return "invalid", 400  # the transaction rolls back: no row, no email
        return str(email.id), 200

    app.register_blueprint(bp)
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])


@pytest.fixture
def outbox_app(app: Flask) -> Flask:
    _install_test_route(app)
    return app


def use_backend(app: Flask, **changes: Any) -> None:
    app.config["MINIMIN_SETTINGS"] = dataclasses.replace(app.config["MINIMIN_SETTINGS"], **changes)
    app.extensions.pop("minimin_mailer", None)


@pytest.fixture
def smtp(outbox_app: Flask) -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    use_backend(outbox_app, mail_backend="smtp", smtp=server.settings())
    yield server
    server.stop()


def rows(app: Flask) -> list[OutboundEmail]:
    with app.app_context():
        result = list(
            db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.created_at))
        )
        db.session.remove()
        return result


def notify(app: Flask, **form: str) -> Any:
    client = app.test_client()
    return client.post("/_test/notify", data={"to": "jo@example.com", **form})


def flush_later(app: Flask, minutes: int) -> int:
    """Run the outbox sweep as the scheduler would, *minutes* from now."""
    with time_machine.travel(utcnow() + timedelta(minutes=minutes)), app.app_context():
        tried = flush_outbox()
        db.session.remove()
    return tried


# --------------------------------------------------------------------------- SMTP


def test_email_queued_in_a_request_is_sent_after_commit(outbox_app: Flask, smtp: SMTPServer):
    response = notify(outbox_app, name="Jo Bloggs", attach="1")
    assert response.status_code == 200
    [message] = smtp.messages
    assert message["To"] == "jo@example.com"
    assert message["Subject"] == "Hello Jo Bloggs"
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "http://" in text.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_payload(decode=True) == b"attached \xc2\xa3 text"
    [row] = rows(outbox_app)
    assert str(row.id) == response.get_data(as_text=True)
    assert row.status == SENT and row.attempts == 1 and row.sent_at is not None
    assert row.provider_id == message["Message-ID"] == row.message_id


def test_rolled_back_request_sends_nothing(outbox_app: Flask, smtp: SMTPServer):
    response = notify(outbox_app, fail="1")
    assert response.status_code == 400
    assert smtp.messages == [] and smtp.handler.attempts == 0
    assert rows(outbox_app) == []


def test_smtp_temporary_failure_retries_until_delivered_once(outbox_app: Flask, smtp: SMTPServer):
    smtp.handler.mode = "tempfail"
    response = notify(outbox_app)
    assert response.status_code == 200  # the user's action succeeded
    [row] = rows(outbox_app)
    assert row.status == RETRYING and row.attempts == 1
    assert "451" in (row.last_error or "")
    assert row.next_attempt_at is not None and row.next_attempt_at > utcnow()
    assert smtp.messages == []

    # Not yet due: the sweep leaves it alone.
    with outbox_app.app_context():
        assert flush_outbox() == 0
    # Due, but the server still refuses: the backoff grows.
    assert flush_later(outbox_app, 2) == 1
    [row] = rows(outbox_app)
    assert row.status == RETRYING and row.attempts == 2
    assert smtp.handler.attempts == 2

    smtp.handler.mode = "accept"
    assert flush_later(outbox_app, 30) == 1
    [row] = rows(outbox_app)
    assert row.status == SENT and row.attempts == 3 and row.last_error is None
    assert len(smtp.messages) == 1
    # Later sweeps and a duplicate job do not send it again.
    assert flush_later(outbox_app, 600) == 0
    with outbox_app.app_context():
        send_email(str(row.id))
    assert len(smtp.messages) == 1


def test_smtp_server_down_then_back(outbox_app: Flask):
    server = SMTPServer()  # not started yet: connections are refused
    use_backend(outbox_app, mail_backend="smtp", smtp=server.settings())
    try:
        assert notify(outbox_app).status_code == 200
        [row] = rows(outbox_app)
        assert row.status == RETRYING
        assert "connection" in (row.last_error or "").lower()
        server.start()
        assert flush_later(outbox_app, 2) == 1
        assert len(server.messages) == 1
        assert rows(outbox_app)[0].status == SENT
    finally:
        server.stop()


def test_permanent_refusal_marks_the_email_failed(outbox_app: Flask, smtp: SMTPServer):
    smtp.handler.mode = "reject"
    assert notify(outbox_app, to="nobody@example.com").status_code == 200
    [row] = rows(outbox_app)
    assert row.status == FAILED and row.next_attempt_at is None
    assert "550" in (row.last_error or "")
    smtp.handler.mode = "accept"
    assert flush_later(outbox_app, 60 * 24) == 0
    assert smtp.messages == []


def test_send_email_twice_delivers_once(outbox_app: Flask, smtp: SMTPServer):
    with outbox_app.app_context():
        # Queued outside a request, with the job not yet run (as if the worker was slow).
        email = queue_email(to="jo@example.com", template="outbox_test", context={"name": "A"})
        db.session.info.pop("minimin_after_commit", None)
        db.session.commit()
        email_id = str(email.id)
        assert email.status == QUEUED
        send_email(email_id)
        send_email(email_id)
        db.session.remove()
    assert len(smtp.messages) == 1
    [row] = rows(outbox_app)
    assert row.status == SENT and row.attempts == 1


def test_lost_job_is_picked_up_by_the_sweep(outbox_app: Flask, smtp: SMTPServer):
    with outbox_app.app_context():
        queue_email(to="jo@example.com", template="outbox_test")
        db.session.info.pop("minimin_after_commit", None)  # the worker never got the job
        db.session.commit()
        db.session.remove()
    assert smtp.messages == []
    assert flush_later(outbox_app, 2) == 1
    assert len(smtp.messages) == 1


def test_gives_up_after_max_attempts(outbox_app: Flask, smtp: SMTPServer):
    from minimin.core.mail import MAX_ATTEMPTS

    smtp.handler.mode = "tempfail"
    notify(outbox_app)
    for day in range(1, MAX_ATTEMPTS):
        assert flush_later(outbox_app, 60 * 24 * day) == 1
    [row] = rows(outbox_app)
    assert row.status == FAILED and row.attempts == MAX_ATTEMPTS
    assert smtp.handler.attempts == MAX_ATTEMPTS
    assert flush_later(outbox_app, 60 * 24 * (MAX_ATTEMPTS + 1)) == 0


# --------------------------------------------------------------------------- HTTP providers


@pytest.fixture
def resend(outbox_app: Flask) -> Iterator[HTTPStub]:
    stub = HTTPStub("resend", api_key="re_live_key")
    stub.start()
    use_backend(
        outbox_app, mail_backend="resend", resend_api_key="re_live_key", resend_api_url=stub.url
    )
    yield stub
    stub.stop()


@pytest.fixture
def sendgrid(outbox_app: Flask) -> Iterator[HTTPStub]:
    stub = HTTPStub("sendgrid", api_key="SG.live_key")
    stub.start()
    use_backend(
        outbox_app,
        mail_backend="sendgrid",
        sendgrid_api_key="SG.live_key",
        sendgrid_api_url=stub.url,
    )
    yield stub
    stub.stop()


def test_resend_outage_then_delivery(outbox_app: Flask, resend: HTTPStub):
    resend.planned_failures = [500, 429]
    assert notify(outbox_app, name="Sam").status_code == 200
    [row] = rows(outbox_app)
    assert row.status == RETRYING and "500" in (row.last_error or "")
    flush_later(outbox_app, 2)
    [row] = rows(outbox_app)
    assert row.status == RETRYING and "429" in (row.last_error or "")
    flush_later(outbox_app, 30)
    [row] = rows(outbox_app)
    assert row.status == SENT
    assert len(resend.delivered) == 1 and len(resend.requests) == 3
    keys = {r.headers["Idempotency-Key"] for r in resend.requests}
    assert keys == {row.message_id.strip("<>")}  # every attempt carried the same key
    assert row.provider_id == resend.idempotency[row.message_id.strip("<>")]
    body = resend.delivered[0]
    assert body["to"] == ["jo@example.com"] and body["subject"] == "Hello Sam"
    assert body["html"].strip() == "<p>Dear Sam</p>"


def test_sendgrid_outage_then_delivery(outbox_app: Flask, sendgrid: HTTPStub):
    sendgrid.planned_failures = [503]
    assert notify(outbox_app, attach="1").status_code == 200
    [row] = rows(outbox_app)
    assert row.status == RETRYING and "503" in (row.last_error or "")
    flush_later(outbox_app, 2)
    [row] = rows(outbox_app)
    assert row.status == SENT and row.provider_id
    [body] = sendgrid.delivered
    assert body["personalizations"][0]["to"] == [{"email": "jo@example.com"}]
    assert body["attachments"][0]["filename"] == "note.txt"
    assert len(sendgrid.requests) == 2
