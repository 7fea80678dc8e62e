"""``List-Unsubscribe`` (RFC 2369) is a URL in angle brackets that mail clients read as it
stands: a long one must reach every backend on one line, never folded into an RFC 2047 encoded
word (Python's default for a header longer than a line), with its one-click companion
``List-Unsubscribe-Post`` (RFC 8058)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from minimin.core import db as core_db
from tests.functional.test_mail_outbox import use_backend
from tests.mailstubs import HTTPStub, SMTPServer

LONG_BASE = "https://books.a-rather-long-hosting-name-for-minimin.example.co.uk"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": LONG_BASE}


def _send_news(app: Flask, make_user: Any) -> None:
    """Queue a product-news email, delivered after the commit."""
    from minimin.accounts.models import User
    from minimin.accounts.services import queue_news_email
    from minimin.extensions import db

    person = make_user(news_consent=True)
    with app.test_request_context():
        user = db.session.get(User, person.id)
        assert user is not None
        news = {"subject": "What is new", "body": "News."}
        assert queue_news_email(user, "product_news", news)
        core_db.commit(db.session)


def _raw_header(raw: bytes, name: str) -> str:
    """The header's value exactly as it is on the wire (folding kept)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii")
    match = re.search(rf"^{name}:[ ]?(.*(?:\r?\n[ \t].*)*)", head, re.M | re.I)
    assert match, f"no {name} header"
    return match.group(1).rstrip("\r")


def _check(value: str, post: str) -> None:
    assert "=?" not in value and "\n" not in value
    assert re.fullmatch(re.escape(f"<{LONG_BASE}/") + r"\S+>", value), value
    assert len(value) > 78  # long enough that it would have been folded
    assert post == "List-Unsubscribe=One-Click"


@pytest.fixture
def smtp(app: Flask) -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    use_backend(app, mail_backend="smtp", smtp=server.settings())
    yield server
    server.stop()


def test_smtp_message_has_the_header_on_one_line(app: Flask, make_user: Any, smtp: SMTPServer):
    _send_news(app, make_user)
    [message] = smtp.messages
    # The parsed message keeps each header's source text: read that, not a re-encoding.
    [(_, source)] = [(k, v) for k, v in message.raw_items() if k == "List-Unsubscribe"]
    _check(str(source), str(message["List-Unsubscribe-Post"]))


def test_file_backend_writes_it_on_one_line(app: Flask, make_user: Any, mailbox: Any):
    _send_news(app, make_user)
    [path] = list(Path(mailbox.directory).glob("*.eml"))
    raw = path.read_bytes()
    _check(_raw_header(raw, "List-Unsubscribe"), _raw_header(raw, "List-Unsubscribe-Post"))
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert str(parsed["List-Unsubscribe"]).startswith(f"<{LONG_BASE}/")


@pytest.mark.parametrize("provider", ["resend", "sendgrid"])
def test_http_providers_get_the_header_as_it_is(app: Flask, make_user: Any, provider: str):
    key = "re_live_key" if provider == "resend" else "SG.live_key"
    stub = HTTPStub(provider, api_key=key)
    stub.start()
    try:
        use_backend(
            app,
            mail_backend=provider,
            **{f"{provider}_api_key": key, f"{provider}_api_url": stub.url},
        )
        _send_news(app, make_user)
        [body] = stub.delivered
        _check(body["headers"]["List-Unsubscribe"], body["headers"]["List-Unsubscribe-Post"])
    finally:
        stub.stop()
