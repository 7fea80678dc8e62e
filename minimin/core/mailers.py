"""The ``Mailer`` backends. Each has one method, ``send(message) -> provider id or None``,
and raises :class:`minimin.core.mail.MailError` (``permanent=True`` for a refusal that a retry
cannot fix, such as an invalid recipient)."""

from __future__ import annotations

import os
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from minimin.config import Settings


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str | None: ...


class FileMailer:
    """Embedded mode: each message becomes an ``.eml`` file in ``instance/mail/``."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, message: EmailMessage) -> str | None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{uuid.uuid4().hex}.eml"
        tmp = self.directory / f".{name}.tmp"
        # Written then renamed, so the mailbox page never lists half a message.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(message.as_bytes())
        tmp.rename(self.directory / name)
        return name


def make_mailer(settings: Settings) -> Mailer:
    backend = settings.mail_backend
    if backend == "file":
        return FileMailer(settings.instance_path / "mail")
    raise ValueError(f"unknown mail backend {backend!r}")
