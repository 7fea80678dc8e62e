"""Receipts of an expense: an uploaded photo or PDF, or a file the user already stored."""

from __future__ import annotations

import uuid
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.uploads import UploadError
from minimin.expenses.models import MAX_RECEIPTS, Expense, ExpenseReceipt
from minimin.expenses.services.checks import ExpenseError
from minimin.extensions import db
from minimin.files.models import RECEIPT
from minimin.files.services import remove_file, store_upload


def add_receipt(expense: Expense, stream: BinaryIO, filename: str | None) -> ExpenseReceipt:
    """Validate and store an uploaded receipt (image or PDF) and attach it to *expense*.

    Raises :class:`~minimin.core.uploads.UploadError` (with the HTTP status) when it is refused.
    """
    if len(expense.receipts) >= MAX_RECEIPTS:
        raise UploadError(
            _l("An expense can have at most %(max)d receipts.", max=MAX_RECEIPTS), 400
        )
    stored = store_upload(expense.user_id, stream, filename, RECEIPT)
    receipt = ExpenseReceipt(user_id=expense.user_id, expense=expense, file=stored)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def attach_file(expense: Expense, file_id: uuid.UUID) -> ExpenseReceipt:
    """Attach a file the user already stored (e.g. a bank or remittance document)."""
    from minimin.files.models import StoredFile

    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.user_id != expense.user_id:
        raise ExpenseError(_l("That file does not exist."), "receipt")
    receipt = ExpenseReceipt(user_id=expense.user_id, expense=expense, file=stored)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def remove_receipt(receipt: ExpenseReceipt) -> None:
    stored = receipt.file
    expense = receipt.expense
    expense.receipts.remove(receipt)
    db.session.flush()
    still_used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ExpenseReceipt)
        .where(ExpenseReceipt.file_id == stored.id)
    )
    if not still_used:
        remove_file(stored)
