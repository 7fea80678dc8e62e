"""``minimin serve`` on a fresh instance folder: the database is brought to the newest
migration before the first request, the health check tells a schema behind its migrations from
a healthy one, and links in emails follow ``--host``/``--port`` unless MINIMIN_BASE_URL is set."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from minimin.app import create_app
from minimin.cli import embedded_base_url, prepare_embedded
from tests.conftest import Client, Mailbox

STRONG = "correct horse battery staple 42"


def _fresh_embedded(tmp_path: Path) -> Flask:
    app = create_app(
        {"MINIMIN_ANSWER_DELAY_SCALE": 0.0}, mode="embedded", instance_path=tmp_path / "instance"
    )
    app.test_client_class = Client
    return app


def _signup(client: Any) -> Any:
    data = {
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "password": STRONG,
        "adult": "y",
        "accept_terms": "y",
    }
    return client.submit("/signup", data)


def test_fresh_instance_is_migrated_and_links_follow_the_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MINIMIN_BASE_URL", raising=False)
    monkeypatch.delenv("MINIMIN_DATABASE_URL", raising=False)
    app = _fresh_embedded(tmp_path)
    client = app.test_client()

    before = client.get("/healthz")
    assert before.status_code == 503
    assert "schema behind migrations" in before.get_json()["database"]

    prepare_embedded(app, "127.0.0.1", 5900)

    after = client.get("/healthz")
    assert after.status_code == 200, after.get_json()
    assert after.get_json() == {"status": "ok", "database": "ok"}
    assert _signup(client).status_code == 302
    mail = Mailbox(Path(app.instance_path) / "mail")
    links = re.findall(r"https?://\S+", mail.text(mail.to("ada@example.com")[-1]))
    assert links and all(link.startswith("http://127.0.0.1:5900/") for link in links)


def test_configured_base_url_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIMIN_BASE_URL", "https://books.example.com")
    monkeypatch.delenv("MINIMIN_DATABASE_URL", raising=False)
    app = _fresh_embedded(tmp_path)
    prepare_embedded(app, "127.0.0.1", 5900)
    assert app.config["BASE_URL"] == "https://books.example.com"


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 5900, "http://127.0.0.1:5900"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
        ("::1", 5000, "http://[::1]:5000"),
        ("books.local", 5000, "http://books.local:5000"),
    ],
)
def test_embedded_base_url(host: str, port: int, url: str) -> None:
    assert embedded_base_url(host, port) == url
