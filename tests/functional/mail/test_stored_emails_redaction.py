"""Emails stored before links were sealed: the data-migration helper redacts the delivered and
failed ones, and a waiting one is sent with its live link, then kept redacted."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from minimin.core.db import utcnow
from minimin.core.mail import (
    QUEUED,
    REDACTED,
    SENT,
    OutboundAttachment,
    OutboundEmail,
    redact_links,
    redact_stored_emails,
    send_email,
)

TOKEN = "Zx9-Q2vLr7mTt0uYpWq3sE5dF8gH1jK4lN6bV0cX2zA"
EMAILS = sa.table(
    "outbound_email",
    sa.column("id", sa.Uuid),
    sa.column("created_at", sa.DateTime),
    sa.column("category", sa.String),
    sa.column("kind", sa.String),
    sa.column("message_id", sa.String),
    sa.column("to_address", sa.String),
    sa.column("subject", sa.String),
    sa.column("text_body", sa.Text),
    sa.column("headers", sa.JSON),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
)
ATTACHMENTS = sa.table(
    "outbound_attachment",
    sa.column("id", sa.Uuid),
    sa.column("email_id", sa.Uuid),
    sa.column("filename", sa.String),
    sa.column("content_type", sa.String),
    sa.column("content", sa.LargeBinary),
)


def _legacy_row(connection: sa.Connection, status: str) -> uuid.UUID:
    """A row as the outbox wrote it before: link and attachment in clear."""
    email_id = uuid.uuid4()
    link = f"http://127.0.0.1:5000/reset-password/{TOKEN}"
    connection.execute(
        EMAILS.insert().values(
            id=email_id,
            created_at=utcnow(),
            category="service",
            kind="reset_password",
            message_id=f"<{uuid.uuid4().hex}@minimin.app>",
            to_address="jo@example.com",
            subject="Reset",
            text_body=f"Follow {link}\n",
            headers={"List-Unsubscribe": f"<{link}>"},
            status=status,
            attempts=0,
        )
    )
    connection.execute(
        ATTACHMENTS.insert().values(
            id=uuid.uuid4(),
            email_id=email_id,
            filename="note.txt",
            content_type="text/plain",
            content=b"plain attachment",
        )
    )
    return email_id


def test_redaction_keeps_where_links_led_and_removes_the_token() -> None:
    text = (
        f"Reset: https://minimin.example/reset-password/{TOKEN}\n"
        "Invoice: https://minimin.example/invoices/0b7e4c52-3a1f-4b8e-9c2d-1e5f6a7b8c9d\n"
        "Settings: https://minimin.example/settings/self-billing-agreements-review"
    )
    redacted = redact_links(text)
    assert TOKEN not in redacted
    assert f"https://minimin.example/reset-password/{REDACTED}" in redacted
    assert "/invoices/0b7e4c52-3a1f-4b8e-9c2d-1e5f6a7b8c9d" in redacted  # an id, not a token
    assert "/settings/self-billing-agreements-review" in redacted  # a page name


def test_stored_emails_are_redacted_by_the_migration_helper(app: Any, db: Any) -> None:
    with db.engine.begin() as connection:
        sent_id = _legacy_row(connection, SENT)
        waiting_id = _legacy_row(connection, QUEUED)
        assert redact_stored_emails(connection) == 1
        assert redact_stored_emails(connection) == 0  # a second run changes nothing
    sent = db.session.get(OutboundEmail, sent_id)
    assert TOKEN not in sent.text_body and REDACTED in sent.text_body
    assert TOKEN not in sent.headers["List-Unsubscribe"]
    assert [a.content for a in sent.attachments] == [b""]

    # The waiting one still holds its live link, and is sent with it.
    waiting = db.session.get(OutboundEmail, waiting_id)
    assert TOKEN in waiting.text_body
    assert [a.content for a in waiting.attachments] == [b"plain attachment"]
    db.session.rollback()
    send_email(str(waiting_id))
    db.session.expire_all()
    delivered = db.session.get(OutboundEmail, waiting_id)
    assert delivered.status == SENT and TOKEN not in delivered.text_body
    content = db.session.scalar(
        sa.select(ATTACHMENTS.c.content).where(ATTACHMENTS.c.email_id == waiting_id)
    )
    assert bytes(content).startswith(b"v1:")  # emptied, and stored encrypted
    [attachment] = db.session.scalars(
        sa.select(OutboundAttachment).where(OutboundAttachment.email_id == waiting_id)
    ).all()
    assert attachment.content == b""
