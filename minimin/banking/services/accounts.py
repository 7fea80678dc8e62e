"""Bank accounts: create, rename and delete them (with their transactions and statements).

Deleting is refused while any transaction of the account is matched, so a recorded invoice
payment or expense is never left pointing at a transaction that no longer exists.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking.models import BankAccount, BankMatch, BankTransaction, ImportJob
from minimin.banking.services.errors import BankingError
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


def create_account(
    user_id: uuid.UUID, *, name: str, last_four: str | None, currency: str = "GBP"
) -> BankAccount:
    account = BankAccount(
        user_id=user_id, name=name.strip(), last_four=_clean_last_four(last_four), currency=currency
    )
    db.session.add(account)
    db.session.flush()
    return account


def update_account(account: BankAccount, *, name: str, last_four: str | None) -> BankAccount:
    account.name = name.strip()
    account.last_four = _clean_last_four(last_four)
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
            )
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
