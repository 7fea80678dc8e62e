"""Email: a transactional outbox in front of one ``Mailer`` interface.

:func:`queue_email` writes an :class:`OutboundEmail` row in the **same transaction** as the change
that caused it, and enqueues :func:`send_email` to run after the commit. The row is also the
user's email log (queued, sent, retrying, failed). If the provider is down the user's action
still succeeds; the periodic :func:`flush_outbox` job retries with backoff until it is back, and
the row's status makes a second run of the same job a no-op, so nothing is sent twice by us.

Backends (``MINIMIN_MAIL_BACKEND``): ``file`` (embedded: ``.eml`` files in ``instance/mail/``),
``smtp``, ``resend`` and ``sendgrid`` (see :mod:`minimin.core.mailers`).

No usable token stays at rest in the outbox. The row's ``text_body``, ``html_body`` and
``headers`` hold the email with every secret-looking part of its links removed
(:func:`redact_links`) from the start: that is what the email log shows. The email as it is
sent lives only in ``sealed``, encrypted with the data key (``core.crypto``), and attachments
are stored encrypted too; both are dropped once the email is delivered or given up, so a copy of
the database, or of its write-ahead log, holds no working reset, verification, share or payment
link.

Delivery survives a worker killed at any instant (``kill -9``, a crashed machine) without a
second copy, by the rule of :func:`send_email`: a row is *claimed* (``sending_stage``) in a
committed transaction before the mail server is contacted, and marked *handed over* in another
just before the server is given the end of the message (SMTP's final ``.``; for the HTTP
providers, before the request). While a worker sends, it holds a lock that dies with it (a
PostgreSQL session advisory lock; a lock of the process on SQLite). A delivery of the job that
finds the row claimed and the lock free knows the sender died, and decides by the stage:

* ``claimed``: the server never had the whole message, and SMTP accepts a message only once it
  has (RFC 5321, 4.1.1.4): it was not delivered, so it is sent now;
* ``handed_over``: the server had the whole message, only its answer was lost: it counts as
  delivered (``sent``, with a note in ``last_error``) and is **not** sent again, since a mail
  server that received a complete message delivers it. A server that threw it away in that
  instant loses it: the one case this rule gives up, rather than risk a copy. A provider whose
  API takes an idempotency key (Resend: the Message-ID) is simply asked again: it answers with
  the first delivery.

The same rule holds within a worker that lives: a server that had the whole message and then
never answered (a timeout, a dropped connection after SMTP's final ``.``) is not sent it again.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core import db as core_db
from minimin.core import locks
from minimin.core.crypto import EncryptedString, keyring
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

#: ``OutboundEmail.sending_stage`` while a worker delivers the row (None otherwise).
CLAIMED = "claimed"  # the server has not had the whole message yet
HANDED_OVER = "handed_over"  # the server has had the whole message; its answer not yet read
#: ``last_error`` of a row settled by the rule for a sender that died after the hand-over.
HANDED_OVER_NOTE = (
    "The worker stopped after the mail server had received this email in full, before its "
    "answer was read; it counts as delivered and is not sent again."
)
#: ``last_error`` of a row whose provider had the whole message but never answered.
UNANSWERED_NOTE = (
    "The mail server received this email in full but its answer never came; it counts as "
    "delivered and is not sent again."
)

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
    #: The email as sent (JSON of text, html and headers), encrypted; None once delivered.
    sealed: Mapped[str | None] = mapped_column(EncryptedString)
    #: The display name of the From address (the business, for email sent on its behalf).
    sender_name: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column()
    provider_id: Mapped[str | None] = mapped_column(sa.String(255))
    #: ``claimed`` or ``handed_over`` while a worker delivers it (see the module's rule).
    sending_stage: Mapped[str | None] = mapped_column(sa.String(16))

    attachments: Mapped[list[OutboundAttachment]] = relationship(
        back_populates="email", cascade="all, delete-orphan", lazy="selectin"
    )


class EncryptedBytes(sa.types.TypeDecorator[bytes]):
    """Binary content stored encrypted with the data key. Content written before encryption
    (anything not in the ``v1:`` envelope) is read as it is."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: sa.Dialect) -> bytes | None:
        if value is None:
            return None
        return keyring().encrypt(base64.b64encode(value).decode("ascii")).encode("ascii")

    def process_result_value(self, value: bytes | None, dialect: sa.Dialect) -> bytes | None:
        if value is None or not bytes(value).startswith(b"v1:"):
            return value
        return base64.b64decode(keyring().decrypt(bytes(value).decode("ascii")))


class OutboundAttachment(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    __tablename__ = "outbound_attachment"

    email_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("outbound_email.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    #: Encrypted; emptied once the email is delivered (the log keeps the file name).
    content: Mapped[bytes] = mapped_column(EncryptedBytes)

    email: Mapped[OutboundEmail] = relationship(back_populates="attachments")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


class MailError(Exception):
    """Delivery failed; ``permanent`` failures are not retried. ``unanswered``: the provider had
    the whole message but its answer never came, so it may well have accepted it."""

    def __init__(self, message: str, *, permanent: bool = False, unanswered: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.unanswered = unanswered


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    user_id: uuid.UUID | None = None,
    category: str = SERVICE,
    attachments: list[Attachment] | None = None,
    headers: dict[str, str] | None = None,
    reply_to: str | None = None,
    sender_name: str | None = None,
) -> OutboundEmail:
    """Write an email to the outbox; it is sent after the current transaction commits.

    *template* names ``mail/<template>.txt`` (required), ``mail/<template>.html`` (optional) and
    the subject block ``mail/<template>.subject.txt``, rendered now in the current locale.
    Email sent on a user's behalf gives *reply_to* (the user's own address, so the customer's
    answer reaches them, not us) and *sender_name* (their business, shown as the sender).
    """
    ctx = {"base_url": current_app.config["BASE_URL"], **(context or {})}
    subject = " ".join(render_template(f"mail/{template}.subject.txt", **ctx).split())
    text_body = render_template(f"mail/{template}.txt", **ctx)
    html_body = _render_optional(f"mail/{template}.html", ctx)
    all_headers = dict(headers or {})
    if reply_to:
        all_headers["Reply-To"] = reply_to
    email = OutboundEmail(
        user_id=user_id,
        category=category,
        kind=template,
        message_id=make_msgid(domain=_sender_domain()),
        to_address=to,
        subject=subject[:300],
        sender_name=" ".join((sender_name or "").split())[:200] or None,
        status=QUEUED,
        # The send job runs right after the commit; the sweep only picks the row up if that
        # job never ran (a lost worker), so the two do not race for a fresh email.
        next_attempt_at=utcnow() + timedelta(minutes=BACKOFF_MINUTES[0]),
    )
    _seal(email, _Content(text_body, html_body, all_headers or None))
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


# --------------------------------------------------------------------------- tokens at rest


@dataclass(frozen=True)
class _Content:
    text: str
    html: str | None
    headers: dict[str, str] | None


#: A link: scheme to the first character that cannot be part of it in text, HTML or a header.
_LINK = re.compile(r"https?://[^\s<>\"'`]+")
#: A run of URL-safe characters long enough to be a token (ours are 43).
_SECRETISH = re.compile(r"[A-Za-z0-9_\-]{20,}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
REDACTED = "[removed]"


def _redact_part(match: re.Match[str]) -> str:
    part = match.group(0)
    # A record's id in a link is no secret, and a long word of lowercase letters and hyphens
    # is a page name; a token mixes in digits or capitals.
    if _UUID.fullmatch(part) or not re.search(r"[0-9A-Z]", part):
        return part
    return REDACTED


def redact_links(text: str) -> str:
    """*text* with every token-like part of every link replaced by ``[removed]``, so that the
    log still shows where a link led without letting anyone follow it."""
    return _LINK.sub(lambda link: _SECRETISH.sub(_redact_part, link.group(0)), text)


def _seal(email: OutboundEmail, content: _Content) -> None:
    """Keep *content* encrypted for sending and only its redacted copy in clear."""
    email.sealed = json.dumps(
        {"text": content.text, "html": content.html, "headers": content.headers}
    )
    _keep_redacted(email, content)


def _keep_redacted(email: OutboundEmail, content: _Content) -> None:
    email.text_body = redact_links(content.text)
    email.html_body = redact_links(content.html) if content.html is not None else None
    email.headers = (
        {key: redact_links(value) for key, value in content.headers.items()}
        if content.headers
        else None
    )


def _content(email: OutboundEmail) -> _Content:
    """What is sent: the sealed email, or (rows written before sealing) the stored one."""
    if email.sealed:
        data = json.loads(email.sealed)
        return _Content(data["text"], data.get("html"), data.get("headers"))
    return _Content(email.text_body, email.html_body, email.headers)


def _retire(email: OutboundEmail) -> None:
    """Delivered or given up: nothing needs the live links or the attachments any more."""
    _keep_redacted(email, _content(email))
    email.sealed = None
    for attachment in email.attachments:
        attachment.content = b""


def redact_stored_emails(connection: sa.Connection) -> int:
    """Redact the links of every delivered or failed email stored before sealing and empty its
    attachments; returns how many rows changed. Written for a data migration: it needs only a
    connection, not the application (emails still waiting keep their links until sent)."""
    emails = sa.table(
        "outbound_email",
        sa.column("id", sa.Uuid),
        sa.column("status", sa.String),
        sa.column("text_body", sa.Text),
        sa.column("html_body", sa.Text),
        sa.column("headers", sa.JSON),
    )
    attachments = sa.table(
        "outbound_attachment", sa.column("email_id", sa.Uuid), sa.column("content", sa.LargeBinary)
    )
    done = emails.c.status.in_((SENT, FAILED))
    changed = 0
    for row in connection.execute(sa.select(emails).where(done)).mappings():
        values = {
            "text_body": redact_links(row["text_body"] or ""),
            "html_body": redact_links(row["html_body"]) if row["html_body"] else None,
            "headers": {k: redact_links(v) for k, v in row["headers"].items()}
            if row["headers"]
            else None,
        }
        if any(values[key] != row[key] for key in values):
            connection.execute(emails.update().where(emails.c.id == row["id"]).values(**values))
            changed += 1
    connection.execute(
        attachments.update()
        .where(attachments.c.email_id.in_(sa.select(emails.c.id).where(done)))
        .values(content=b"")
    )
    return changed


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


#: Headers written on one line, never folded nor encoded: List-Unsubscribe's value is a URL in
#: angle brackets (RFC 2369), which a mail client reads as it stands; Python's default folding
#: would turn a long one into an RFC 2047 encoded word, which that header does not allow.
UNFOLDED_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})


class MailPolicy(EmailPolicy):
    """The standard policy, except that :data:`UNFOLDED_HEADERS` are written as they are."""

    def _unfolded(self, name: str, value: Any) -> str | None:
        text = str(value)
        if name.lower() not in UNFOLDED_HEADERS or "\r" in text or "\n" in text:
            return None
        return f"{name}: {text}{self.linesep}" if text.isascii() else None

    def fold(self, name: str, value: Any) -> str:
        return self._unfolded(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        line = self._unfolded(name, value)
        return line.encode("ascii") if line else super().fold_binary(name, value)


MAIL_POLICY = MailPolicy()


def _from_header(sender_name: str | None) -> str | Address:
    configured = current_app.config["MINIMIN_SETTINGS"].mail_from
    if not sender_name:
        return str(configured)
    _name, addr = getaddresses([configured])[0]
    username, _, domain = addr.partition("@")
    return Address(display_name=sender_name, username=username, domain=domain)


def build_message(email: OutboundEmail) -> EmailMessage:
    """The RFC 5322 message for an outbox row (the same bytes on every attempt)."""
    content = _content(email)
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = _from_header(email.sender_name)
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = formatdate(email.created_at.timestamp(), localtime=False, usegmt=True)
    for key, value in (content.headers or {}).items():
        message[key] = value
    message.set_content(content.text)
    if content.html:
        message.add_alternative(content.html, subtype="html")
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


def _attempt(
    email: OutboundEmail, message: EmailMessage, on_handover: Callable[[], None] | None
) -> None:
    """Try one delivery of *message* for *email* and record the outcome on the row (no commit).
    *on_handover* is called just before the server is given the end of the message."""
    try:
        email.provider_id = mailer().send(message, on_handover=on_handover)
    except MailError as exc:
        if exc.unanswered and not getattr(mailer(), "idempotent", False):
            # The same rule as for a worker killed after the hand-over: not sent again.
            log.warning("email %s: no answer after the whole message was sent: %s", email.id, exc)
            _record_sent(email, f"{UNANSWERED_NOTE} ({exc})"[:500])
            return
        _record_failure(email, str(exc), permanent=exc.permanent)
        return
    except Exception as exc:  # a provider library may raise anything; the outbox must survive
        log.warning("email %s attempt %s failed: %r", email.id, email.attempts, exc)
        _record_failure(email, f"{type(exc).__name__}: {exc}", permanent=False)
        return
    _record_sent(email)


def _record_sent(email: OutboundEmail, note: str | None = None) -> None:
    email.status = SENT
    email.sent_at = utcnow()
    email.next_attempt_at = None
    email.last_error = note
    email.sending_stage = None
    _retire(email)


def _record_failure(email: OutboundEmail, error: str, *, permanent: bool) -> None:
    email.last_error = error[:500]
    email.sending_stage = None
    if permanent or email.attempts >= MAX_ATTEMPTS:
        email.status = FAILED
        email.next_attempt_at = None
        _retire(email)
        return
    minutes = BACKOFF_MINUTES[min(email.attempts - 1, len(BACKOFF_MINUTES) - 1)]
    email.status = RETRYING
    email.next_attempt_at = utcnow() + timedelta(minutes=minutes)


def _load(email_id: uuid.UUID) -> OutboundEmail | None:
    return db.session.scalar(
        sa.select(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .execution_options(populate_existing=True)
    )


@celery.task(name="minimin.mail.send_email", ignore_result=True)
def send_email(email_id: str) -> None:
    """Deliver one outbox row. Safe to run twice, and at any time again after a worker died
    while sending it: see the rule in the module's documentation."""
    row_id = uuid.UUID(email_id)
    with locks.exclusive(row_id) as held:
        if not held:  # a live worker is sending it: its own run records the outcome
            core_db.rollback(db.session)
            return
        _send_with_claim(row_id)


def _send_with_claim(row_id: uuid.UUID) -> None:
    email = _load(row_id)
    if email is None or email.status in (SENT, FAILED):
        core_db.rollback(db.session)
        return
    if email.sending_stage == HANDED_OVER and not getattr(mailer(), "idempotent", False):
        # Its sender died after the server had the whole message: delivered, not sent again.
        log.warning("email %s was handed over by a worker that stopped; not sent again", row_id)
        _record_sent(email, HANDED_OVER_NOTE)
        core_db.commit(db.session)
        return
    if email.sending_stage == CLAIMED:
        log.warning("email %s was claimed by a worker that stopped before handing it over", row_id)
    # Claimed, committed: from here on a worker that dies leaves a trace the rule can read.
    email.sending_stage = CLAIMED
    email.attempts += 1
    # Looked at by the sweep if this worker dies (the job may never come back).
    email.next_attempt_at = utcnow() + timedelta(minutes=BACKOFF_MINUTES[0])
    core_db.commit(db.session)
    email = _load(row_id)
    if email is None:  # the account was deleted meanwhile
        core_db.rollback(db.session)
        return
    message = build_message(email)

    def handed_over() -> None:
        db.session.execute(
            sa.update(OutboundEmail)
            .where(OutboundEmail.id == row_id)
            .values(sending_stage=HANDED_OVER)
        )
        core_db.commit(db.session)

    _attempt(email, message, handed_over)
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
