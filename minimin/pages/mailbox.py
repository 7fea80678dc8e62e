"""The embedded mailbox: emails written to ``instance/mail/``, readable in the browser.

Registered only outside production mode: in embedded mode there is no real mail server, and the
person running Minimin reads their verification and reset emails here.

The mailbox shows every account's reset and verification links, so reaching the port must not
be enough to read it: it answers only requests from this machine (loopback) that carry the
mailbox key, a random value made when the application starts and printed by ``minimin serve``
(as a notebook server prints its token). The first visit with ``?key=`` sets a cookie limited
to ``/_mailbox/`` and redirects to the same page without the key, so the key does not stay in
the address bar or the history. Anything else answers 404, as if there were no mailbox.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from minimin.core.crypto import constant_time_equals
from minimin.core.security import PUBLIC, classify_blueprint

bp = Blueprint("mailbox", __name__, url_prefix="/_mailbox", template_folder="templates")
classify_blueprint(bp, PUBLIC)

#: Flask setting holding the key; tests and ``minimin serve`` read it from there.
KEY_SETTING = "MINIMIN_MAILBOX_KEY"
COOKIE = "minimin_mailbox"

_NAME = re.compile(r"^[0-9a-f]{32}\.eml$")


def init_mailbox(app: Flask) -> None:
    """Make this process's mailbox key (kept if the configuration already gives one) and
    register the pages."""
    app.config.setdefault(KEY_SETTING, secrets.token_urlsafe(24))
    app.register_blueprint(bp)


def mailbox_url(app: Flask, server_url: str = "http://127.0.0.1:5000") -> str:
    """The address that opens the mailbox, key included (printed by ``minimin serve``)."""
    return f"{server_url.rstrip('/')}/_mailbox/?key={app.config[KEY_SETTING]}"


def _from_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _key_matches(candidate: str | None) -> bool:
    key = current_app.config.get(KEY_SETTING)
    return bool(key and candidate) and constant_time_equals(str(candidate), str(key))


@bp.before_request
def gate() -> BaseResponse | None:
    """404 unless the request comes from this machine with the key (query or cookie)."""
    if not _from_loopback():
        abort(404)
    given = request.args.get("key")
    if given is not None:
        if not _key_matches(given):
            abort(404)
        # Keep the key in a cookie for this path only, and drop it from the address.
        response = redirect(request.path, code=303)
        response.set_cookie(
            COOKIE,
            given,
            path="/_mailbox/",
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
        )
        return response
    if not _key_matches(request.cookies.get(COOKIE)):
        abort(404)
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _directory() -> Path:
    return Path(current_app.config["MINIMIN_SETTINGS"].instance_path) / "mail"


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        message = BytesParser(policy=policy.default).parse(fh)
    assert isinstance(message, EmailMessage)
    return message


@bp.route("/")
def index() -> str:
    directory = _directory()
    files = (
        sorted(
            (p for p in directory.glob("*.eml") if _NAME.match(p.name)),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        if directory.exists()
        else []
    )
    messages = []
    for path in files[:200]:
        message = _parse(path)
        messages.append(
            {
                "name": path.name,
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"],
            }
        )
    return render_template("pages/mailbox.html", messages=messages)


@bp.route("/<name>")
def message(name: str) -> str:
    if not _NAME.match(name):
        abort(404)
    path = _directory() / name
    if not path.exists():
        abort(404)
    parsed = _parse(path)
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return render_template("pages/mailbox_message.html", message=parsed, text=text)
