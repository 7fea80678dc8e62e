"""The mail backends against real servers on 127.0.0.1: aiosmtpd for SMTP, HTTP stubs that speak
Resend's and SendGrid's documented send APIs."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from minimin.config import load_settings
from minimin.core.mail import MailError
from minimin.core.mailers import (
    FileMailer,
    ResendMailer,
    SendGridMailer,
    SMTPMailer,
    make_mailer,
)
from tests.mailstubs import HTTPStub, SMTPServer, free_port

PDF = b"%PDF-1.7\n\x00\xff binary \r\n bytes"


def a_message(to: str = "client@example.com", *, html: bool = True) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Minimin <no-reply@minimin.app>"
    message["To"] = to
    message["Subject"] = "Invoice INV-0001 from Jo Bloggs £120.00"
    message["Message-ID"] = make_msgid(domain="minimin.app")
    message["List-Unsubscribe"] = "<https://minimin.app/u/abc>"
    message.set_content("Hello,\n\nYour invoice is attached. £120.00\n")
    if html:
        message.add_alternative("<p>Your invoice is attached. £120.00</p>", subtype="html")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="INV-0001.pdf")
    return message


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def resend() -> Iterator[HTTPStub]:
    stub = HTTPStub("resend", api_key="re_test_key")
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
def sendgrid() -> Iterator[HTTPStub]:
    stub = HTTPStub("sendgrid", api_key="SG.test_key")
    stub.start()
    yield stub
    stub.stop()


# --------------------------------------------------------------------------- SMTP


def test_smtp_delivers_the_whole_message(smtp_server: SMTPServer) -> None:
    mailer = SMTPMailer.from_settings(smtp_server.settings())
    message = a_message()
    provider_id = mailer.send(message)
    assert provider_id == message["Message-ID"]
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["Subject"] == message["Subject"]
    assert received["Message-ID"] == message["Message-ID"]
    assert received["List-Unsubscribe"] == "<https://minimin.app/u/abc>"
    assert smtp_server.handler.envelopes[0] == ("no-reply@minimin.app", ["client@example.com"])
    body = received.get_body(preferencelist=("plain",))
    assert body is not None and "£120.00" in body.get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "INV-0001.pdf"
    assert attachment.get_payload(decode=True) == PDF


def test_smtp_recipient_refused_with_550_is_permanent(smtp_server: SMTPServer) -> None:
    smtp_server.handler.mode = "reject"
    with pytest.raises(MailError) as caught:
        SMTPMailer.from_settings(smtp_server.settings()).send(a_message())
    assert caught.value.permanent
    assert "550" in str(caught.value) and "client@example.com" in str(caught.value)
    assert smtp_server.messages == []


def test_smtp_451_is_retryable(smtp_server: SMTPServer) -> None:
    smtp_server.handler.mode = "tempfail"
    with pytest.raises(MailError) as caught:
        SMTPMailer.from_settings(smtp_server.settings()).send(a_message())
    assert not caught.value.permanent
    assert "451" in str(caught.value)


def test_smtp_server_down_is_retryable() -> None:
    mailer = SMTPMailer("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(MailError) as caught:
        mailer.send(a_message())
    assert not caught.value.permanent
    assert "connection" in str(caught.value).lower()


def test_smtp_starttls_refused_by_a_plain_server_is_not_sent(smtp_server: SMTPServer) -> None:
    # A relay that cannot do STARTTLS must never receive the message (or password) in clear.
    settings = {**smtp_server.settings(), "starttls": True, "username": "u", "password": "p"}
    with pytest.raises(MailError) as caught:
        SMTPMailer.from_settings(settings).send(a_message())
    assert not caught.value.permanent
    assert smtp_server.messages == []


# --------------------------------------------------------------------------- Resend


def test_resend_posts_the_documented_json(resend: HTTPStub) -> None:
    mailer = ResendMailer("re_test_key", resend.url)
    message = a_message()
    provider_id = mailer.send(message)
    [request] = resend.requests
    assert request.path == "/emails"
    assert request.headers["Authorization"] == "Bearer re_test_key"
    assert request.headers["Idempotency-Key"] == message["Message-ID"].strip("<>")
    body = request.body
    assert body["from"] == "Minimin <no-reply@minimin.app>"
    assert body["to"] == ["client@example.com"]
    assert body["subject"] == "Invoice INV-0001 from Jo Bloggs £120.00"
    assert "£120.00" in body["text"] and body["html"].startswith("<p>")
    assert body["headers"] == {"List-Unsubscribe": "<https://minimin.app/u/abc>"}
    [attachment] = body["attachments"]
    assert attachment["filename"] == "INV-0001.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert base64.b64decode(attachment["content"]) == PDF
    assert provider_id == resend.idempotency[request.headers["Idempotency-Key"]]


def test_resend_retry_with_the_same_message_is_not_sent_twice(resend: HTTPStub) -> None:
    mailer = ResendMailer("re_test_key", resend.url)
    message = a_message()
    first = mailer.send(message)
    second = mailer.send(message)
    assert first == second
    assert len(resend.requests) == 2 and len(resend.delivered) == 1


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (429, False), (401, False)])
def test_resend_failures_are_classified(resend: HTTPStub, status: int, permanent: bool) -> None:
    resend.planned_failures = [status]
    key = "re_test_key" if status != 401 else "re_wrong"
    with pytest.raises(MailError) as caught:
        ResendMailer(key, resend.url).send(a_message())
    assert caught.value.permanent is permanent
    assert str(status) in str(caught.value)
    assert resend.delivered == []


def test_resend_validation_error_is_permanent(resend: HTTPStub) -> None:
    message = a_message()
    del message["Subject"]
    with pytest.raises(MailError) as caught:
        ResendMailer("re_test_key", resend.url).send(message)
    assert caught.value.permanent
    assert "422" in str(caught.value) and "subject" in str(caught.value)


def test_unreachable_api_is_retryable() -> None:
    with pytest.raises(MailError) as caught:
        ResendMailer("re_test_key", f"http://127.0.0.1:{free_port()}").send(a_message())
    assert not caught.value.permanent


# --------------------------------------------------------------------------- SendGrid


def test_sendgrid_posts_the_documented_json(sendgrid: HTTPStub) -> None:
    message = a_message()
    provider_id = SendGridMailer("SG.test_key", sendgrid.url).send(message)
    [request] = sendgrid.requests
    assert request.status == 202
    assert request.path == "/v3/mail/send"
    assert request.headers["Authorization"] == "Bearer SG.test_key"
    body = request.body
    assert body["personalizations"] == [{"to": [{"email": "client@example.com"}]}]
    assert body["from"] == {"email": "no-reply@minimin.app", "name": "Minimin"}
    assert body["subject"] == "Invoice INV-0001 from Jo Bloggs £120.00"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["headers"] == {"List-Unsubscribe": "<https://minimin.app/u/abc>"}
    assert body["custom_args"] == {"message_id": message["Message-ID"]}
    [attachment] = body["attachments"]
    assert attachment["type"] == "application/pdf" and attachment["disposition"] == "attachment"
    assert attachment["filename"] == "INV-0001.pdf"
    assert base64.b64decode(attachment["content"]) == PDF
    assert provider_id and len(provider_id) == 22


def test_sendgrid_text_only_message(sendgrid: HTTPStub) -> None:
    SendGridMailer("SG.test_key", sendgrid.url).send(a_message(html=False))
    assert [c["type"] for c in sendgrid.requests[0].body["content"]] == ["text/plain"]


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (429, False), (413, True)])
def test_sendgrid_failures_are_classified(sendgrid: HTTPStub, status: int, permanent: bool) -> None:
    sendgrid.planned_failures = [status]
    with pytest.raises(MailError) as caught:
        SendGridMailer("SG.test_key", sendgrid.url).send(a_message())
    assert caught.value.permanent is permanent
    assert sendgrid.delivered == []


def test_sendgrid_bad_request_is_permanent(sendgrid: HTTPStub) -> None:
    message = a_message()
    del message["Subject"]
    with pytest.raises(MailError) as caught:
        SendGridMailer("SG.test_key", sendgrid.url).send(message)
    assert caught.value.permanent
    assert "400" in str(caught.value) and "subject" in str(caught.value)
    assert sendgrid.delivered == []


# --------------------------------------------------------------------------- choosing a backend


def test_make_mailer_picks_the_configured_backend(tmp_path) -> None:
    base = load_settings(mode="testing", instance_path=tmp_path)
    assert isinstance(make_mailer(base), FileMailer)
    smtp = make_mailer(dataclasses.replace(base, mail_backend="smtp"))
    assert isinstance(smtp, SMTPMailer) and smtp.host == "127.0.0.1"
    resend = make_mailer(dataclasses.replace(base, mail_backend="resend", resend_api_key="re_x"))
    assert isinstance(resend, ResendMailer) and resend.url == "https://api.resend.com/emails"
    sendgrid = make_mailer(
        dataclasses.replace(base, mail_backend="sendgrid", sendgrid_api_key="SG.x")
    )
    assert isinstance(sendgrid, SendGridMailer)
    assert sendgrid.url == "https://api.sendgrid.com/v3/mail/send"
    with pytest.raises(ValueError, match="RESEND_API_KEY"):
        make_mailer(dataclasses.replace(base, mail_backend="resend"))
    with pytest.raises(ValueError, match="unknown mail backend"):
        make_mailer(dataclasses.replace(base, mail_backend="pigeon"))
