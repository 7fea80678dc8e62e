"""The server's own request log holds no client address and no token from a link.

A real Werkzeug server (what ``minimin serve`` runs) serves a whole journey of links (signup,
the verification link, a password reset link, an accountant's share link, a payment link, an
unsubscribe link with a query) while its log lines are captured; then the log is scanned for the
client's address and for every token that went through it."""

from __future__ import annotations

import http.cookiejar
import logging
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def served(app: Any) -> Iterator[tuple[str, _Lines]]:
    captured = _Lines()
    logger = logging.getLogger("werkzeug")
    logger.addHandler(captured)
    previous = logger.level
    logger.setLevel(logging.INFO)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", captured
    finally:
        server.shutdown()
        thread.join()
        logger.removeHandler(captured)
        logger.setLevel(previous)


class _Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        try:
            with self.opener.open(self.base + path) as response:
                return str(response.read().decode())
        except urllib.error.HTTPError as error:
            return str(error.read().decode())

    def submit(self, path: str, fields: dict[str, str]) -> None:
        page = self.get(path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, f"no form on {path}"
        data = urllib.parse.urlencode({"csrf_token": token.group(1), **fields}).encode()
        with self.opener.open(self.base + path, data=data) as response:
            response.read()


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_journey_of_links_leaves_no_address_or_token_in_the_log(
    served: tuple[str, _Lines], mailbox: Any
) -> None:
    base, log = served
    browser = _Browser(base)
    email = "journey@example.com"
    browser.submit(
        "/signup",
        {
            "full_name": "Journey Person",
            "email": email,
            "password": "correct horse battery staple",
            "adult": "y",
            "accept_terms": "y",
        },
    )
    verify = _path(mailbox.last_link(email))
    browser.get(verify)
    _Browser(base).submit("/reset-password", {"email": email})
    reset = _path(mailbox.last_link(email))
    assert "/reset-password/" in reset
    _Browser(base).get(reset)
    # Links as an accountant or a client receives them; the token need not be live for its
    # request line to be logged.
    share = f"/reports/export/shared/{secrets.token_urlsafe(32)}"
    pay = f"/pay/{secrets.token_urlsafe(32)}"
    unsubscribe = f"/unsubscribe/{secrets.token_urlsafe(32)}?source={secrets.token_hex(8)}"
    for path in (share, pay, unsubscribe):
        _Browser(base).get(path)

    text = "\n".join(log.lines)
    assert "/verify-email/[token]" in text and "/pay/[token]" in text, text
    assert "/reset-password/[token]" in text and "source=[redacted]" in text, text
    assert "127.0.0.1" not in text
    for path in (verify, reset, share, pay, unsubscribe):
        secret = re.split(r"[/?=]", path.rstrip("/"))[-1]
        token_part = path.split("/")[-1].split("?")[0]
        for value in {secret, token_part}:
            assert len(value) >= 8, path
            assert value not in text, f"{value} from {path} is in the log"


def test_redaction_rules() -> None:
    from minimin.privacy.access_log import redact

    prefixes = frozenset({"/pay/", "/calendar/"})
    line = '2001:db8::7 - - [07/Dec/2026 10:00:00] "GET /pay/abc/pdf?key=s3cret HTTP/1.1" 200 -'
    assert redact(line, prefixes) == (
        '- - - [07/Dec/2026 10:00:00] "GET /pay/[token]/pdf?key=[redacted] HTTP/1.1" 200 -'
    )
    assert redact("GET /calendar/feedtoken.ics", prefixes) == "GET /calendar/[token].ics"
    # Record ids stay (they are needed to follow a fault and name no one); times stay.
    record = "/invoices/3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert redact(f"GET {record} at 12:30:45", prefixes) == f"GET {record} at 12:30:45"
    assert redact("from 192.168.1.20", prefixes) == "from [ip]"
    assert "[token]" in redact("/anything/" + "A" * 43, prefixes)


def test_an_error_logged_on_a_link_names_no_token(app: Any) -> None:
    """The error handlers log the path of the failing request: its token is redacted too."""
    token = secrets.token_urlsafe(32)
    captured = _Lines()
    logger = logging.getLogger("minimin.core.errors")
    logger.addHandler(captured)
    try:
        logger.error("unhandled error on %s %s", "GET", f"/pay/{token}")
    finally:
        logger.removeHandler(captured)
    assert captured.lines == ["unhandled error on GET /pay/[token]"]
