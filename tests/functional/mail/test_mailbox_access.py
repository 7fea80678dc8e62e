"""The embedded mailbox shows reset and verification links, so it answers only this machine's
requests that carry the key ``minimin serve`` prints; everything else sees no mailbox at all."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

from minimin.core.mailers import FileMailer
from minimin.pages.mailbox import COOKIE, KEY_SETTING, mailbox_url

SECRET_LINK = "http://127.0.0.1:5000/reset-password/secret-reset-token-1234567890"


def _one_email(app: Flask) -> str:
    message = EmailMessage()
    message["From"] = "Minimin <no-reply@minimin.app>"
    message["To"] = "victim@example.com"
    message["Subject"] = "Reset your password"
    message.set_content(f"Follow {SECRET_LINK}\n")
    name = FileMailer(Path(app.instance_path) / "mail").send(message)
    assert name is not None
    return name


def test_without_the_key_there_is_no_mailbox(app: Flask) -> None:
    name = _one_email(app)
    client = app.test_client()
    for path in ("/_mailbox/", f"/_mailbox/{name}", "/_mailbox/?key=wrong", "/_mailbox/?key="):
        page = client.get(path)
        assert page.status_code == 404, path
        assert SECRET_LINK not in page.get_data(as_text=True)
        assert page.headers["Cache-Control"] == "no-store"
    # A cookie with another value is no key either.
    client.set_cookie(COOKIE, "guess", path="/_mailbox/")
    assert client.get(f"/_mailbox/{name}").status_code == 404


def test_the_key_opens_the_mailbox_from_this_machine(app: Flask) -> None:
    name = _one_email(app)
    key = app.config[KEY_SETTING]
    assert mailbox_url(app) == f"http://127.0.0.1:5000/_mailbox/?key={key}"
    client = app.test_client()
    first = client.get(f"/_mailbox/?key={key}")
    # The key moves into a cookie for the mailbox only, and out of the address bar.
    assert first.status_code == 303 and first.headers["Location"] == "/_mailbox/"
    cookie = first.headers["Set-Cookie"]
    assert "Path=/_mailbox/" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    listing = client.get("/_mailbox/")
    assert listing.status_code == 200 and "Reset your password" in listing.get_data(as_text=True)
    assert listing.headers["Cache-Control"] == "no-store"
    message = client.get(f"/_mailbox/{name}")
    assert message.status_code == 200 and SECRET_LINK in message.get_data(as_text=True)
    assert message.headers["Cache-Control"] == "no-store"


def test_the_key_does_not_open_it_from_another_machine(app: Flask) -> None:
    name = _one_email(app)
    key = app.config[KEY_SETTING]
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert remote.get(f"/_mailbox/?key={key}").status_code == 404
    remote.set_cookie(COOKIE, key, path="/_mailbox/")
    page = remote.get(f"/_mailbox/{name}")
    assert page.status_code == 404 and SECRET_LINK not in page.get_data(as_text=True)


def test_each_start_makes_a_new_key(app: Flask, tmp_path: Path) -> None:
    from minimin.app import create_app

    again = create_app(
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
        mode="testing",
        instance_path=tmp_path / "other",
    )
    assert len(again.config[KEY_SETTING]) >= 32
    assert again.config[KEY_SETTING] != app.config[KEY_SETTING]


@pytest.mark.slow
def test_minimin_serve_prints_the_address_that_opens_the_mailbox(tmp_path: Path) -> None:
    """The real command: the printed address opens the mailbox; without its key, 404."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import requests

    from tests.mailstubs import free_port

    port = free_port()
    env = {**os.environ, "MINIMIN_INSTANCE_PATH": str(tmp_path / "instance")}
    for name in ("MINIMIN_ENV", "MINIMIN_BASE_URL", "MINIMIN_DATABASE_URL"):
        env.pop(name, None)
    minimin = Path(sys.executable).parent / "minimin"
    server = subprocess.Popen(
        [str(minimin), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        printed = ""
        for line in server.stdout:
            printed += line
            if line.startswith("Mailbox: "):
                break
        match = re.search(r"^Mailbox: (http://127\.0\.0\.1:\d+/_mailbox/\?key=\S+)$", printed, re.M)
        assert match, printed
        url = match.group(1)
        for _attempt in range(100):  # the server starts listening just after printing
            try:
                opened = requests.get(url, timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert opened.status_code == 200 and "Mailbox" in opened.text
        assert opened.headers["Cache-Control"] == "no-store"
        assert requests.get(url.split("?")[0], timeout=5).status_code == 404
        assert requests.get(url + "x", timeout=5).status_code == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
