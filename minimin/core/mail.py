"""Email: a transactional outbox in front of one ``Mailer`` interface.

:func:`queue_email` writes an :class:`OutboundEmail` row in the **same transaction** as the change
that caused it, and enqueues :func:`send_email` to run after the commit. The row is also the
user's email log (queued, sent, retrying, failed). If the provider is down the user's action
still succeeds; the periodic :func:`flush_outbox` job retries with backoff until it is back, and
the row's status makes a second run of the same job a no-op, so nothing is sent twice by us.

Backends (``MINIMIN_MAIL_BACKEND``): ``file`` (embedded: ``.eml`` files in ``instance/mail/``),
``smtp``, ``resend`` and ``sendgrid`` (see :mod:`minimin.core.mailers`).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core import db as core_db
from minimin.core.db import UUIDPrimaryKey, utcnow
from minimin.core.tasks import enqueue, periodic
from minimin.extensions import celery, db

log = logging.getLogger(__name__)

QUEUED = "queued"
SENT = "sent"
RETRYING = "retrying"
FAILED = "failed"

#: Minutes to wait after the n-th failed attempt; the last entry repeats until MAX_ATTEMPTS.
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)
MAX_ATTEMPTS = 12

SERVICE = "service"  # account and security email: always sent
NEWS = "news"  # product news: only with the user's consent, with an unsubscribe link


class OutboundEmail(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    """One email, from the moment it is decided until it is delivered (or given up)."""

    __tablename__ = "outbound_email"

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    category: Mapped[str] = mapped_column(sa.String(16), default=SERVICE)
    kind: Mapped[str] = mapped_column(sa.String(64))
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column()
    provider_id: Mapped[str | None] = mapped_column(sa.String(255))

    attachments: Mapped[list[OutboundAttachment]] = relationship(
        back_populates="email", cascade="all, delete-orphan", lazy="selectin"
    )


class OutboundAttachment(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    __tablename__ = "outbound_attachment"

    email_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("outbound_email.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    email: Mapped[OutboundEmail] = relationship(back_populates="attachments")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


class MailError(Exception):
    """Delivery failed; ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    user_id: uuid.UUID | None = None,
    category: str = SERVICE,
    attachments: list[Attachment] | None = None,
    headers: dict[str, str] | None = None,
) -> OutboundEmail:
    """Write an email to the outbox; it is sent after the current transaction commits.

    *template* names ``mail/<template>.txt`` (required), ``mail/<template>.html`` (optional) and
    the subject block ``mail/<template>.subject.txt``, rendered now in the current locale.
    """
    ctx = {"base_url": current_app.config["BASE_URL"], **(context or {})}
    subject = " ".join(render_template(f"mail/{template}.subject.txt", **ctx).split())
    text_body = render_template(f"mail/{template}.txt", **ctx)
    html_body = _render_optional(f"mail/{template}.html", ctx)
    email = OutboundEmail(
        user_id=user_id,
        category=category,
        kind=template,
        message_id=make_msgid(domain=_sender_domain()),
        to_address=to,
        subject=subject[:300],
        text_body=text_body,
        html_body=html_body,
        headers=headers,
        status=QUEUED,
        # The send job runs right after the commit; the sweep only picks the row up if that
        # job never ran (a lost worker), so the two do not race for a fresh email.
        next_attempt_at=utcnow() + timedelta(minutes=BACKOFF_MINUTES[0]),
    )
    for item in attachments or []:
        email.attachments.append(
            OutboundAttachment(
                filename=item.filename, content_type=item.content_type, content=item.content
            )
        )
    db.session.add(email)
    db.session.flush()
    enqueue(send_email, str(email.id))
    return email


def _render_optional(name: str, ctx: dict[str, Any]) -> str | None:
    loader = current_app.jinja_env.loader
    if loader is None:
        return None
    try:
        loader.get_source(current_app.jinja_env, name)
    except Exception:
        return None
    return render_template(name, **ctx)


def _sender_domain() -> str:
    sender = current_app.config["MINIMIN_SETTINGS"].mail_from
    return sender.rsplit("@", 1)[-1].strip(" >") or "minimin.app"


def build_message(email: OutboundEmail) -> EmailMessage:
    """The RFC 5322 message for an outbox row (the same bytes on every attempt)."""
    message = EmailMessage()
    message["From"] = current_app.config["MINIMIN_SETTINGS"].mail_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = formatdate(email.created_at.timestamp(), localtime=False, usegmt=True)
    for key, value in (email.headers or {}).items():
        message[key] = value
    message.set_content(email.text_body)
    if email.html_body:
        message.add_alternative(email.html_body, subtype="html")
    for att in email.attachments:
        maintype, _, subtype = att.content_type.partition("/")
        message.add_attachment(
            att.content, maintype=maintype, subtype=subtype or "octet-stream", filename=att.filename
        )
    return message


def mailer() -> Any:
    from minimin.core.mailers import make_mailer

    ext = current_app.extensions
    if "minimin_mailer" not in ext:
        ext["minimin_mailer"] = make_mailer(current_app.config["MINIMIN_SETTINGS"])
    return ext["minimin_mailer"]


def deliver(email: OutboundEmail) -> None:
    """Try one delivery of *email* and record the outcome on the row (no commit)."""
    if email.status in (SENT, FAILED):
        return
    email.attempts += 1
    try:
        email.provider_id = mailer().send(build_message(email))
    except MailError as exc:
        _record_failure(email, str(exc), permanent=exc.permanent)
        return
    except Exception as exc:  # a provider library may raise anything; the outbox must survive
        log.warning("email %s attempt %s failed: %r", email.id, email.attempts, exc)
        _record_failure(email, f"{type(exc).__name__}: {exc}", permanent=False)
        return
    email.status = SENT
    email.sent_at = utcnow()
    email.next_attempt_at = None
    email.last_error = None


def _record_failure(email: OutboundEmail, error: str, *, permanent: bool) -> None:
    email.last_error = error[:500]
    if permanent or email.attempts >= MAX_ATTEMPTS:
        email.status = FAILED
        email.next_attempt_at = None
        return
    minutes = BACKOFF_MINUTES[min(email.attempts - 1, len(BACKOFF_MINUTES) - 1)]
    email.status = RETRYING
    email.next_attempt_at = utcnow() + timedelta(minutes=minutes)


def _claim(email_id: uuid.UUID) -> OutboundEmail | None:
    """Lock one row so that two workers never send the same email at once."""
    query = sa.select(OutboundEmail).where(OutboundEmail.id == email_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


@celery.task(name="minimin.mail.send_email", ignore_result=True)
def send_email(email_id: str) -> None:
    """Deliver one outbox row. Safe to run twice: a sent row is left alone."""
    email = _claim(uuid.UUID(email_id))
    if email is None or email.status in (SENT, FAILED):
        core_db.rollback(db.session)
        return
    deliver(email)
    core_db.commit(db.session)


@periodic("flush-outbox", timedelta(seconds=60))
@celery.task(name="minimin.mail.flush_outbox", ignore_result=True)
def flush_outbox(limit: int = 100) -> int:
    """Retry every email whose next attempt is due; returns how many were tried."""
    due = db.session.scalars(
        sa.select(OutboundEmail.id)
        .where(
            OutboundEmail.status.in_((QUEUED, RETRYING)),
            OutboundEmail.next_attempt_at <= utcnow(),
        )
        .order_by(OutboundEmail.next_attempt_at)
        .limit(limit)
    ).all()
    for email_id in due:
        send_email.run(str(email_id))
    return len(due)
