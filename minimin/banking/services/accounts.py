"""Bank accounts: create, rename and delete them (with their transactions and statements).

Deleting is refused while any transaction of the account is matched, so a recorded invoice
payment or expense is never left pointing at a transaction that no longer exists.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking.inputs import BankAccountInput
from minimin.banking.models import (
    CURRENCIES,
    NAME_MAX,
    BankAccount,
    BankMatch,
    BankTransaction,
    ImportJob,
)
from minimin.banking.services.errors import BankingError
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.ledger.sources.banking import touch_account_lines


def _clean_last_four(value: str | None) -> str | None:
    digits = (value or "").strip()
    if not digits:
        return None
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        raise BankingError(
            _l("Enter exactly the last four digits of the account number."), "last_four"
        )
    return digits


def _clean_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise BankingError(_l("Enter the account's name."), "name")
    if len(name) > NAME_MAX:
        raise BankingError(_l("Use at most %(max)d characters.", max=NAME_MAX), "name")
    return name


def create_account(user_id: uuid.UUID, data: BankAccountInput) -> BankAccount:
    """A new bank account of the user's, in the currency chosen now (fixed from then on)."""
    if data.currency not in CURRENCIES:
        raise BankingError(_l("Choose a currency from the list."), "currency")
    account = BankAccount(
        user_id=user_id,
        name=_clean_name(data.name),
        last_four=_clean_last_four(data.last_four),
        currency=data.currency,
    )
    db.session.add(account)
    db.session.flush()
    return account


def update_account(account: BankAccount, data: BankAccountInput) -> BankAccount:
    """Rename an account or change its last four digits; its currency stays (its statement
    lines are in it)."""
    if data.currency != account.currency:
        raise BankingError(_l("An account's currency cannot be changed."), "currency")
    account.name = _clean_name(data.name)
    account.last_four = _clean_last_four(data.last_four)
    db.session.flush()
    return account


def delete_account(account: BankAccount) -> None:
    """Delete an account with its transactions; refused once any of them is reconciled."""
    matched = db.session.scalar(
        sa.select(sa.func.count(BankMatch.id))
        .join(BankTransaction, BankMatch.transaction_id == BankTransaction.id)
        .where(BankTransaction.bank_account_id == account.id)
    )
    if matched:
        raise BankingError(
            _l(
                "Transactions of this account are matched to invoices or expenses: "
                "undo those matches first."
            ),
            code=CONFLICT,
        )
    from minimin.files.models import StoredFile
    from minimin.files.services import remove_file

    file_ids = db.session.scalars(
        sa.select(ImportJob.file_id).where(
            ImportJob.bank_account_id == account.id, ImportJob.file_id.is_not(None)
        )
    ).all()
    # Deleted in bulk, unseen by the ORM: each line's entry is reversed before commit.
    touch_account_lines(db.session(), account.user_id, account.id)
    db.session.execute(
        sa.delete(BankTransaction).where(BankTransaction.bank_account_id == account.id)
    )
    db.session.execute(sa.delete(ImportJob).where(ImportJob.bank_account_id == account.id))
    # The kept statements go too (their bytes once the deletion has committed).
    for file_id in file_ids:
        stored = db.session.get(StoredFile, file_id)
        if stored is not None and stored.user_id == account.user_id:
            remove_file(stored)
    db.session.delete(account)
    db.session.flush()
