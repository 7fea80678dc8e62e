"""What is still to reconcile: per-account counts and open money, and a page of the open
transactions, for the banking pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from minimin.banking.models import PART, UNRECONCILED, BankTransaction
from minimin.extensions import db


@dataclass(frozen=True)
class AccountSummary:
    account_id: uuid.UUID
    currency: str
    count: int
    money_in_pence: int
    money_out_pence: int


def unreconciled_summary(user_id: uuid.UUID) -> dict[uuid.UUID, AccountSummary]:
    """Per account: how many transactions are open, and their open money in and out."""
    open_part = sa.func.abs(BankTransaction.amount_pence) - BankTransaction.reconciled_pence
    rows = db.session.execute(
        sa.select(
            BankTransaction.bank_account_id,
            BankTransaction.currency,
            sa.func.count(BankTransaction.id),
            sa.func.coalesce(
                sa.func.sum(sa.case((BankTransaction.amount_pence > 0, open_part), else_=0)), 0
            ),
            sa.func.coalesce(
                sa.func.sum(sa.case((BankTransaction.amount_pence < 0, open_part), else_=0)), 0
            ),
        )
        .where(
            BankTransaction.user_id == user_id,
            BankTransaction.reconciliation.in_((UNRECONCILED, PART)),
        )
        .group_by(BankTransaction.bank_account_id, BankTransaction.currency)
    )
    return {r[0]: AccountSummary(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows}


def unreconciled_page(
    user_id: uuid.UUID,
    *,
    account_id: uuid.UUID | None = None,
    direction: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[BankTransaction], int]:
    query = sa.select(BankTransaction).where(
        BankTransaction.user_id == user_id, BankTransaction.reconciliation.in_((UNRECONCILED, PART))
    )
    if account_id is not None:
        query = query.where(BankTransaction.bank_account_id == account_id)
    if direction == "in":
        query = query.where(BankTransaction.amount_pence > 0)
    elif direction == "out":
        query = query.where(BankTransaction.amount_pence < 0)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(BankTransaction.posted_on.desc(), BankTransaction.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), int(total)
