"""Real servers on 127.0.0.1 standing in for the email providers at the network boundary.

* :class:`SMTPServer`: aiosmtpd's threaded ``Controller`` with a handler that can accept,
  answer ``451`` (try later) after DATA, or refuse recipients with ``550``.
* :class:`HTTPStub`: a ``http.server`` in a thread that speaks the parts of Resend's and
  SendGrid's send APIs Minimin uses, checks the path, the Bearer key and the JSON fields their
  documentation requires (answering 422/400 as they do when a field is wrong), records every
  request, and can be told to answer 500 or 429 for the next requests.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- SMTP


class RecordingHandler:
    """aiosmtpd handler: ``mode`` is ``accept``, ``tempfail`` (451 after DATA) or ``reject``
    (550 for every recipient)."""

    def __init__(self) -> None:
        self.mode = "accept"
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.attempts = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "reject":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.attempts += 1
            if self.mode == "tempfail":
                return "451 4.3.0 Try again later"
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.running = False

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def settings(self) -> dict[str, Any]:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "username": None,
            "password": None,
            "starttls": False,
            "ssl": False,
            "timeout": 5,
        }


# --------------------------------------------------------------------------- HTTP APIs


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class HTTPStub:
    """``provider`` is ``resend`` or ``sendgrid``; ``api_key`` is the only key accepted."""

    provider: str
    api_key: str = "test-key-123"
    requests: list[Recorded] = field(default_factory=list)
    #: Status codes to answer (in order) before behaving normally again.
    planned_failures: list[int] = field(default_factory=list)
    #: Idempotency keys Resend has seen, with the id it answered (Resend replays the answer).
    idempotency: dict[str, str] = field(default_factory=dict)
    delivered: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, body, headers = stub.answer(self.path, dict(self.headers.items()), raw)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ behaviour

    def answer(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            status, answer, extra = self._answer(path, headers, body)
            self.requests.append(Recorded(path, headers, body, status))
            return status, answer, extra

    def _answer(
        self, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        lower = {k.lower(): v for k, v in headers.items()}
        expected_path = "/emails" if self.provider == "resend" else "/v3/mail/send"
        if path != expected_path:
            return 404, {"message": "not found"}, {}
        if lower.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"message": "API key is invalid"}, {}
        if not lower.get("content-type", "").startswith("application/json"):
            return 415, {"message": "send JSON"}, {}
        if self.planned_failures:
            code = self.planned_failures.pop(0)
            return (
                code,
                {"message": "planned failure"},
                ({"Retry-After": "1"} if code == 429 else {}),
            )
        problem = resend_problem(body) if self.provider == "resend" else sendgrid_problem(body)
        if problem:
            if self.provider == "resend":
                return 422, {"statusCode": 422, "name": "validation_error", "message": problem}, {}
            return 400, {"errors": [{"message": problem, "field": None}]}, {}
        if self.provider == "resend":
            key = lower.get("idempotency-key")
            if key and key in self.idempotency:
                return 200, {"id": self.idempotency[key]}, {}
            email_id = str(uuid.uuid4())
            if key:
                self.idempotency[key] = email_id
            self.delivered.append(body)
            return 200, {"id": email_id}, {}
        self.delivered.append(body)
        return 202, None, {"X-Message-Id": uuid.uuid4().hex[:22]}


def _b64_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return True


def resend_problem(body: Any) -> str | None:
    """What Resend's ``POST /emails`` would refuse in *body* (its documented required fields)."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    for name in ("from", "to", "subject"):
        if not body.get(name):
            return f"Missing `{name}` field."
    to = body["to"]
    if not (isinstance(to, str) or (isinstance(to, list) and 0 < len(to) <= 50)):
        return "`to` must be a string or a list of up to 50 addresses"
    if not (body.get("html") or body.get("text")):
        return "one of `html` or `text` is required"
    if "headers" in body and not all(isinstance(v, str) for v in body["headers"].values()):
        return "`headers` values must be strings"
    for att in body.get("attachments", []):
        if not att.get("filename") or not _b64_ok(att.get("content")):
            return "attachments need `filename` and base64 `content`"
    return None


def sendgrid_problem(body: Any) -> str | None:
    """What SendGrid's v3 ``POST /v3/mail/send`` would refuse in *body*."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    persons = body.get("personalizations")
    if not isinstance(persons, list) or not persons:
        return "The personalizations field is required and must have at least one element."
    for person in persons:
        if not person.get("to") or not all(r.get("email") for r in person["to"]):
            return "The to array is required for all personalization objects"
    if not isinstance(body.get("from"), dict) or not body["from"].get("email"):
        return "The from object must be provided for every email send."
    if not body.get("subject"):
        return "The subject is required."
    content = body.get("content")
    if not isinstance(content, list) or not content:
        return "Unless a valid template_id is provided, the content parameter is required."
    if any(not c.get("type") or not c.get("value") for c in content):
        return "content objects need type and value"
    if content[0]["type"] != "text/plain" and any(c["type"] == "text/plain" for c in content):
        return "If present, text/plain content must be first"
    for att in body.get("attachments", []):
        if not att.get("filename") or not _b64_ok(att.get("content")):
            return "attachments need filename and base64 content"
    return None
