"""Receipts kept across an expense form shown again (:class:`PendingReceipt`).

The expense form comes back when a warning needs confirming or a field needs correcting, and a
browser never re-sends a chosen file: the receipt was silently lost. The file is now validated
and stored on the first submission and its row's id travels in a hidden field; the form saved
attaches it. The id is random and only ever looked up among the user's own unexpired rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.db import utcnow
from minimin.core.tenancy import parse_uuid
from minimin.core.uploads import UploadError
from minimin.expenses.models import MAX_RECEIPTS, Expense, ExpenseReceipt, PendingReceipt
from minimin.extensions import db
from minimin.files.models import RECEIPT
from minimin.files.services import remove_file, store_upload

#: Long enough to read a warning, look up a receipt and come back to the form the next day.
KEEP_FOR = timedelta(hours=24)


def keep(user_id: uuid.UUID, stream: BinaryIO, filename: str | None) -> PendingReceipt:
    """Validate and store an uploaded receipt until the form is saved (UploadError if refused)."""
    stored = store_upload(user_id, stream, filename, RECEIPT)
    pending = PendingReceipt(user_id=user_id, file=stored, expires_at=utcnow() + KEEP_FOR)
    db.session.add(pending)
    db.session.flush()
    return pending


def find(user_id: uuid.UUID, pending_id: str | None) -> PendingReceipt | None:
    """The user's unexpired kept receipt with this id, or None (unknown, another user's, or
    expired: all look the same)."""
    parsed = parse_uuid(pending_id) if pending_id else None
    if parsed is None:
        return None
    return db.session.scalar(
        sa.select(PendingReceipt).where(
            PendingReceipt.id == parsed,
            PendingReceipt.user_id == user_id,
            PendingReceipt.expires_at > utcnow(),
        )
    )


def attach(expense: Expense, pending: PendingReceipt) -> ExpenseReceipt:
    """Attach the kept file to *expense* and forget the pending row."""
    if len(expense.receipts) >= MAX_RECEIPTS:
        raise UploadError(
            _l("An expense can have at most %(max)d receipts.", max=MAX_RECEIPTS), 400
        )
    receipt = ExpenseReceipt(user_id=expense.user_id, expense=expense, file=pending.file)
    db.session.add(receipt)
    db.session.delete(pending)
    db.session.flush()
    return receipt


def discard(pending: PendingReceipt) -> None:
    """Drop a kept receipt the user replaced with another file: the row, then the file."""
    stored = pending.file
    db.session.delete(pending)
    db.session.flush()
    remove_file(stored)


def purge_expired(now: datetime | None = None) -> int:
    """Remove the kept receipts whose form was never saved; returns how many."""
    expired = db.session.scalars(
        sa.select(PendingReceipt).where(PendingReceipt.expires_at <= (now or utcnow()))
    ).all()
    for pending in expired:
        discard(pending)
    return len(expired)
