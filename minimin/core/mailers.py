"""The ``Mailer`` backends. Each has one method, ``send(message, *, on_handover=None) ->
provider id or None``, and raises :class:`minimin.core.mail.MailError` (``permanent=True`` for a
refusal that a retry cannot fix, such as an invalid recipient). ``on_handover`` is called just
before the provider is given the end of the message: after it, the provider may have accepted
the email even if its answer never arrives (the outbox's rule, :mod:`minimin.core.mail`).

* :class:`FileMailer` (embedded mode): ``.eml`` files in ``instance/mail/``.
* :class:`SMTPMailer`: any SMTP relay, with STARTTLS or implicit TLS and optional login.
* :class:`ResendMailer`: Resend's ``POST /emails`` API, with the Message-ID as its
  ``Idempotency-Key`` so that a retry after a lost response is not delivered twice.
* :class:`SendGridMailer`: SendGrid's ``POST /v3/mail/send`` API.

The HTTP backends take the same :class:`~email.message.EmailMessage` the SMTP backend sends and
translate it into the provider's JSON, so every backend sends the same text, HTML, headers and
attachments.
"""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Protocol

import requests

from minimin.config import Settings
from minimin.core.mail import MailError

#: Headers every backend sets from the message's own fields; the rest are passed through.
_STANDARD_HEADERS = frozenset(
    h.lower()
    for h in (
        "From",
        "To",
        "Cc",
        "Bcc",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Reply-To",
    )
)

#: Seconds for connecting to and hearing back from an HTTP email API.
HTTP_TIMEOUT = (5, 20)


def _mail_error(message: str, *, permanent: bool = False) -> MailError:
    return MailError(message, permanent=permanent)


Handover = Callable[[], None] | None


class Mailer(Protocol):
    #: True when sending the same message again is answered with the first delivery (an
    #: idempotency key the provider honours) instead of a second email.
    idempotent: bool

    def send(self, message: EmailMessage, *, on_handover: Handover = None) -> str | None: ...


class FileMailer:
    """Embedded mode: each message becomes an ``.eml`` file in ``instance/mail/``."""

    idempotent = False

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, message: EmailMessage, *, on_handover: Handover = None) -> str | None:
        if on_handover is not None:
            on_handover()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{uuid.uuid4().hex}.eml"
        tmp = self.directory / f".{name}.tmp"
        # Written then renamed, so the mailbox page never lists half a message.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(message.as_bytes())
        tmp.rename(self.directory / name)
        return name


# --------------------------------------------------------------------------- SMTP


class _HandoverMixin:
    """An SMTP connection that calls ``handover`` after the message's content and before the
    final ``.`` that ends it: until that line, the server cannot have accepted the message."""

    handover: Handover = None
    ended = False
    _in_data = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self._in_data = True
        try:
            # The base class (smtplib.SMTP or SMTP_SSL) is known only where the mixin is used.
            return super().data(msg)  # type: ignore[misc]
        finally:
            self._in_data = False

    def send(self, s: Any) -> None:
        end = b"\r\n.\r\n"
        if self._in_data and isinstance(s, bytes) and s.endswith(end):
            if self.handover is not None:
                # The base class (smtplib.SMTP or SMTP_SSL) is known only where the mixin is used.
                super().send(s[:-3])  # type: ignore[misc]
                try:
                    self.handover()
                except BaseException:
                    self.close()  # type: ignore[attr-defined]  # no end: the server drops it
                    raise
                s = s[-3:]
            # From here the server may have the whole message, whatever happens next.
            self.ended = True
        # The base class (smtplib.SMTP or SMTP_SSL) is known only where the mixin is used.
        super().send(s)  # type: ignore[misc]


class _SMTP(_HandoverMixin, smtplib.SMTP):
    pass


class _SMTPSSL(_HandoverMixin, smtplib.SMTP_SSL):
    pass


class SMTPMailer:
    """Deliver through an SMTP relay.

    ``ssl`` connects with implicit TLS (port 465); ``starttls`` upgrades a plain connection
    (port 587) and refuses to continue if the server cannot. Login happens only after TLS when
    either is set. Recipient refusals with a 5xx code are permanent; 4xx replies, a refused
    sender, a failed login and connection problems are retried (they are the relay's or the
    operator's to fix, and the email should go out once they are).
    """

    idempotent = False

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_ssl: bool = False,
        timeout: float = 10,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.use_ssl = use_ssl
        self.timeout = timeout
        self.ssl_context = ssl_context

    @classmethod
    def from_settings(cls, smtp: dict[str, Any]) -> SMTPMailer:
        return cls(
            host=smtp.get("host") or "127.0.0.1",
            port=int(smtp.get("port") or 25),
            username=smtp.get("username"),
            password=smtp.get("password"),
            starttls=bool(smtp.get("starttls")),
            use_ssl=bool(smtp.get("ssl")),
            timeout=float(smtp.get("timeout") or 10),
        )

    def _connect(self) -> _SMTP | _SMTPSSL:
        context = self.ssl_context or ssl.create_default_context()
        if self.use_ssl:
            return _SMTPSSL(self.host, self.port, timeout=self.timeout, context=context)
        conn = _SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            conn.ehlo()
            conn.starttls(context=context)
            conn.ehlo()
        return conn

    def send(self, message: EmailMessage, *, on_handover: Handover = None) -> str | None:
        try:
            conn = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise _mail_error(f"SMTP connection to {self.host}:{self.port} failed: {exc}") from exc
        conn.handover = on_handover
        try:
            if self.username:
                conn.login(self.username, self.password or "")
            refused = conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(
                f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in exc.recipients.items()
            )
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            raise _mail_error(f"recipient refused: {detail}", permanent=permanent) from exc
        except smtplib.SMTPDataError as exc:
            # A 5xx after DATA is a verdict on this message (content, size, policy): the same
            # bytes would be refused again.
            permanent = 500 <= exc.smtp_code < 600
            raise _mail_error(
                f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}", permanent=permanent
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise _mail_error(f"SMTP error: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            # No answer: after the message's end, the server may have accepted it.
            raise MailError(f"SMTP delivery failed: {exc}", unanswered=conn.ended) from exc
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
        if refused:
            # Several recipients, some refused: what was accepted must not be sent again.
            detail = "; ".join(f"{r}: {code}" for r, (code, _) in refused.items())
            raise _mail_error(f"some recipients refused: {detail}", permanent=True)
        return str(message["Message-ID"] or "") or None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# --------------------------------------------------------------------------- HTTP APIs


@dataclass
class _Parts:
    """An EmailMessage taken apart into what JSON email APIs ask for."""

    sender: Address
    to: list[str]
    subject: str
    message_id: str
    text: str | None
    html: str | None
    reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def _parts(message: EmailMessage) -> _Parts:
    senders = getaddresses([str(message["From"] or "")])
    if not senders or not senders[0][1]:
        raise _mail_error("the message has no From address", permanent=True)
    name, addr = senders[0]
    username, _, domain = addr.partition("@")
    recipients = [a for _, a in getaddresses([str(v) for v in message.get_all("To", [])]) if a]
    if not recipients:
        raise _mail_error("the message has no recipient", permanent=True)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    attachments = []
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        attachments.append(
            (
                part.get_filename() or "attachment",
                part.get_content_type(),
                payload if isinstance(payload, bytes) else b"",
            )
        )
    headers = {
        key: str(value) for key, value in message.items() if key.lower() not in _STANDARD_HEADERS
    }
    return _Parts(
        sender=Address(display_name=name, username=username, domain=domain),
        to=recipients,
        subject=str(message["Subject"] or ""),
        message_id=str(message["Message-ID"] or ""),
        text=str(text_part.get_content()) if text_part is not None else None,
        html=str(html_part.get_content()) if html_part is not None else None,
        reply_to=[
            a for _, a in getaddresses([str(v) for v in message.get_all("Reply-To", [])]) if a
        ],
        headers=headers,
        attachments=attachments,
    )


def _post(
    session: requests.Session, url: str, payload: dict[str, Any], headers: dict[str, str]
) -> requests.Response:
    try:
        return session.post(url, json=payload, headers=headers, timeout=HTTP_TIMEOUT)
    except requests.ReadTimeout as exc:  # the request went; its answer did not come
        raise MailError(f"{url} did not answer: {exc}", unanswered=True) from exc
    except requests.RequestException as exc:
        raise _mail_error(f"{url} could not be reached: {exc}") from exc


def _api_error(provider: str, response: requests.Response, *, permanent: bool) -> MailError:
    body = response.text[:300].replace("\n", " ")
    return _mail_error(f"{provider} answered {response.status_code}: {body}", permanent=permanent)


class ResendMailer:
    """Resend's email API: ``POST {base}/emails`` with a Bearer key.

    The Message-ID is the ``Idempotency-Key``: if our worker dies after Resend accepted the email
    but before the outbox row was marked sent, the retry returns the first email's id instead of
    sending a second copy (Resend keeps keys for 24 hours).
    """

    idempotent = True

    def __init__(self, api_key: str, base_url: str = "https://api.resend.com"):
        if not api_key:
            raise ValueError("MINIMIN_RESEND_API_KEY is needed for the resend mail backend")
        self.api_key = api_key
        self.url = base_url.rstrip("/") + "/emails"
        self.session = requests.Session()

    def payload(self, message: EmailMessage) -> dict[str, Any]:
        parts = _parts(message)
        payload: dict[str, Any] = {
            "from": str(parts.sender),
            "to": parts.to,
            "subject": parts.subject,
        }
        if parts.text is not None:
            payload["text"] = parts.text
        if parts.html is not None:
            payload["html"] = parts.html
        if parts.reply_to:
            payload["reply_to"] = parts.reply_to
        if parts.headers:
            payload["headers"] = parts.headers
        if parts.attachments:
            payload["attachments"] = [
                {
                    "filename": filename,
                    "content": base64.b64encode(content).decode("ascii"),
                    "content_type": content_type,
                }
                for filename, content_type, content in parts.attachments
            ]
        return payload

    def send(self, message: EmailMessage, *, on_handover: Handover = None) -> str | None:
        key = str(message["Message-ID"] or "").strip("<>")[:256]
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": key}
        payload = self.payload(message)
        if on_handover is not None:
            on_handover()
        response = _post(self.session, self.url, payload, headers)
        if response.status_code == 200 or response.status_code == 201:
            try:
                return str(response.json().get("id") or "") or None
            except ValueError:
                return None
        # 400/422: the request itself is invalid (bad address, bad attachment); retrying the
        # same request cannot succeed. 401/403 (key), 409 (a concurrent request with the same
        # key), 429 and 5xx are worth retrying.
        permanent = response.status_code in (400, 422)
        raise _api_error("Resend", response, permanent=permanent)


class SendGridMailer:
    """SendGrid's v3 Mail Send API: ``POST {base}/v3/mail/send`` with a Bearer key.

    SendGrid answers 202 with the message id in ``X-Message-Id``. It has no idempotency key,
    so our own Message-ID travels in ``custom_args`` for matching its event webhooks.
    """

    idempotent = False

    def __init__(self, api_key: str, base_url: str = "https://api.sendgrid.com"):
        if not api_key:
            raise ValueError("MINIMIN_SENDGRID_API_KEY is needed for the sendgrid mail backend")
        self.api_key = api_key
        self.url = base_url.rstrip("/") + "/v3/mail/send"
        self.session = requests.Session()

    def payload(self, message: EmailMessage) -> dict[str, Any]:
        parts = _parts(message)
        sender: dict[str, str] = {"email": parts.sender.addr_spec}
        if parts.sender.display_name:
            sender["name"] = parts.sender.display_name
        content = []
        # SendGrid requires text/plain first when both are given.
        if parts.text is not None:
            content.append({"type": "text/plain", "value": parts.text})
        if parts.html is not None:
            content.append({"type": "text/html", "value": parts.html})
        payload: dict[str, Any] = {
            "personalizations": [{"to": [{"email": addr} for addr in parts.to]}],
            "from": sender,
            "subject": parts.subject,
            "content": content,
            "custom_args": {"message_id": parts.message_id},
        }
        if parts.reply_to:
            # SendGrid takes one reply-to address here (reply_to_list for several).
            payload["reply_to"] = {"email": parts.reply_to[0]}
        if parts.headers:
            payload["headers"] = parts.headers
        if parts.attachments:
            payload["attachments"] = [
                {
                    "content": base64.b64encode(data).decode("ascii"),
                    "type": content_type,
                    "filename": filename,
                    "disposition": "attachment",
                }
                for filename, content_type, data in parts.attachments
            ]
        return payload

    def send(self, message: EmailMessage, *, on_handover: Handover = None) -> str | None:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        payload = self.payload(message)
        if on_handover is not None:
            on_handover()
        response = _post(self.session, self.url, payload, headers)
        if 200 <= response.status_code < 300:
            return response.headers.get("X-Message-Id")
        # 400 (invalid request) and 413 (too large) will not change on a retry.
        permanent = response.status_code in (400, 413)
        raise _api_error("SendGrid", response, permanent=permanent)


def make_mailer(settings: Settings) -> Mailer:
    backend = settings.mail_backend
    if backend == "file":
        return FileMailer(settings.instance_path / "mail")
    if backend == "smtp":
        return SMTPMailer.from_settings(settings.smtp)
    if backend == "resend":
        return ResendMailer(settings.resend_api_key or "", settings.resend_api_url)
    if backend == "sendgrid":
        return SendGridMailer(settings.sendgrid_api_key or "", settings.sendgrid_api_url)
    raise ValueError(f"unknown mail backend {backend!r}")
