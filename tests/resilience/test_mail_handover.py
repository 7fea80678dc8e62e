"""The outbox's rule for a delivery whose outcome was lost (core/mail.py): an email the mail
server never had in full is sent again; one it had in full is never sent twice.

With a real SMTP server (aiosmtpd) that drops the connection at a chosen point, and with the
trace a killed worker leaves in the row (``sending_stage``), which ``test_worker_crash.py``
produces with a real worker and ``kill -9``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader

from minimin.core.db import utcnow
from minimin.core.mail import (
    CLAIMED,
    HANDED_OVER,
    HANDED_OVER_NOTE,
    RETRYING,
    SENT,
    UNANSWERED_NOTE,
    OutboundEmail,
    flush_outbox,
    queue_email,
    send_email,
)
from minimin.extensions import db
from tests.mailstubs import free_port

TEMPLATES = {
    "mail/handover_test.subject.txt": "Invoice {{ number }}",
    "mail/handover_test.txt": "Invoice {{ number }} is attached.\n",
}


class DroppingHandler:
    """Records every message received in full; drops the connection once, without an answer,
    at ``drop_at``: ``rcpt`` (before the message) or ``data`` (after the whole message)."""

    def __init__(self) -> None:
        self.drop_at: str | None = None
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    def _drop(self, server: Any, point: str) -> bool:
        with self.lock:
            if self.drop_at != point:
                return False
            self.drop_at = None
        server.transport.close()
        return True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._drop(server, "rcpt"):
            return "250 OK"  # never heard: the connection is gone
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        self._drop(server, "data")
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(app: Flask) -> Iterator[DroppingHandler]:
    handler = DroppingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = app.config["MINIMIN_SETTINGS"]
    smtp_settings = {"host": "127.0.0.1", "port": port, "timeout": 5}
    app.config["MINIMIN_SETTINGS"] = dataclasses.replace(
        settings, mail_backend="smtp", smtp=smtp_settings
    )
    app.extensions.pop("minimin_mailer", None)
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
    yield handler
    controller.stop()


def queued(app: Flask, *, stage: str | None = None) -> str:
    """An email in the outbox whose job has not run (and, with *stage*, the trace a worker
    killed while sending it leaves)."""
    with app.app_context():
        email = queue_email(
            to="client@example.com", template="handover_test", context={"number": 7}
        )
        db.session.info.pop("minimin_after_commit", None)
        if stage is not None:
            email.sending_stage = stage
            email.attempts = 1
        db.session.commit()
        email_id = str(email.id)
        db.session.remove()
    return email_id


def run(app: Flask, email_id: str) -> OutboundEmail:
    with app.app_context():
        send_email(email_id)
        row = db.session.get(OutboundEmail, uuid.UUID(email_id))
        assert row is not None
        db.session.expunge(row)
        db.session.remove()
    return row


def sweep_later(app: Flask, minutes: int) -> None:
    with time_machine.travel(utcnow() + timedelta(minutes=minutes)), app.app_context():
        flush_outbox()
        db.session.remove()


def test_connection_dropped_after_the_whole_message_is_not_sent_again(
    app: Flask, smtp: DroppingHandler
) -> None:
    smtp.drop_at = "data"
    email_id = queued(app)
    row = run(app, email_id)
    assert len(smtp.messages) == 1
    assert row.status == SENT and row.sending_stage is None and row.sealed is None
    assert (row.last_error or "").startswith(UNANSWERED_NOTE)
    run(app, email_id)
    sweep_later(app, 60 * 24)
    assert len(smtp.messages) == 1


def test_connection_dropped_before_the_message_is_sent_again_once(
    app: Flask, smtp: DroppingHandler
) -> None:
    smtp.drop_at = "rcpt"
    email_id = queued(app)
    row = run(app, email_id)
    assert smtp.messages == []
    assert row.status == RETRYING and row.sending_stage is None
    sweep_later(app, 2)
    sweep_later(app, 60 * 24)
    [message] = smtp.messages
    with app.app_context():
        row = db.session.get(OutboundEmail, uuid.UUID(email_id))
        assert row is not None
        assert (row.status, row.attempts, row.last_error) == (SENT, 2, None)
        assert message["Message-ID"] == row.message_id
        db.session.remove()


def test_claimed_by_a_worker_that_died_is_sent_once(app: Flask, smtp: DroppingHandler) -> None:
    email_id = queued(app, stage=CLAIMED)
    row = run(app, email_id)
    assert len(smtp.messages) == 1
    assert (row.status, row.attempts, row.last_error, row.sending_stage) == (SENT, 2, None, None)
    run(app, email_id)
    assert len(smtp.messages) == 1


def test_handed_over_by_a_worker_that_died_is_not_sent_again(
    app: Flask, smtp: DroppingHandler
) -> None:
    email_id = queued(app, stage=HANDED_OVER)
    row = run(app, email_id)
    assert smtp.messages == []
    assert (row.status, row.attempts, row.last_error) == (SENT, 1, HANDED_OVER_NOTE)
    assert row.sealed is None and row.sending_stage is None
    sweep_later(app, 60 * 24)
    assert smtp.messages == []


def test_a_live_sender_keeps_the_email_to_itself(
    app: Flask, database_url: str, smtp: DroppingHandler
) -> None:
    """A second delivery while a live worker holds the email's lock (PostgreSQL: an advisory
    lock that lasts as long as the sender's connection) leaves it alone."""
    if not database_url.startswith("postgresql"):
        pytest.skip("embedded mode runs in one process; the lock is the process's own")
    from minimin.core.locks import lock_key

    email_id = queued(app)
    holder = sa.create_engine(database_url, poolclass=sa.pool.NullPool)  # closed when done
    try:
        with holder.connect() as conn:
            conn.scalar(sa.select(sa.func.pg_advisory_lock(lock_key(uuid.UUID(email_id)))))
            conn.commit()
            started = time.monotonic()
            row = run(app, email_id)
            waited = time.monotonic() - started
            assert smtp.messages == [] and row.status != SENT and row.attempts == 0
            assert waited >= 2.5  # it waited for the lock before leaving the email alone
        # The holder's connection ended (as a killed worker's does): the next delivery sends.
        row = run(app, email_id)
        assert len(smtp.messages) == 1 and row.status == SENT
    finally:
        holder.dispose()
