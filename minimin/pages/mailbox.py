"""The embedded mailbox: emails written to ``instance/mail/``, readable in the browser.

Registered only outside production mode: in embedded mode there is no real mail server, and the
person running Minimin reads their verification and reset emails here.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

from minimin.core.security import PUBLIC, classify_blueprint

bp = Blueprint("mailbox", __name__, url_prefix="/_mailbox", template_folder="templates")
classify_blueprint(bp, PUBLIC)

_NAME = re.compile(r"^[0-9a-f]{32}\.eml$")


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
