"""Turning an outgoing bank transaction into the expense it paid for, and matching the two.

The expense is created through :func:`minimin.expenses.services.create_expense`, idempotent on
the transaction id, so asking twice gives the same expense.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from minimin.banking.inputs import Allocation, ExpenseFromLineInput
from minimin.banking.models import CATEGORY_BY_USER, MATCH_EXPENSE, BankTransaction
from minimin.banking.services.errors import BankingError
from minimin.banking.services.matching import accept
from minimin.extensions import db


def expense_from_transaction(txn: BankTransaction, data: ExpenseFromLineInput) -> Any:
    """Create (once) the expense an outgoing transaction paid for, and match it."""
    from minimin.expenses import services as expense_services
    from minimin.expenses.categories import CATEGORIES

    if txn.amount_pence >= 0:
        raise BankingError(_l("Only money going out can be an expense."))
    codes = {c.code for c in CATEGORIES}
    chosen = data.category or (txn.category if txn.category in codes else None) or "other"
    if chosen not in codes:
        raise BankingError(_l("Choose an expense category."), "category")
    amount = txn.open_pence
    if amount <= 0:
        raise BankingError(_l("This transaction is already fully matched."))
    try:
        expense = expense_services.create_expense(
            txn.user_id,
            expense_services.ExpenseInput(
                date=txn.posted_on,
                amount_pence=amount,
                currency=txn.currency,
                supplier=(txn.counterparty or txn.description)[:200],
                description=txn.description[:500] or txn.counterparty[:500],
                category=chosen,
                payment_method="bank_transfer",
            ),
            source="bank",
            external_ref=str(txn.id),
        )
    except expense_services.ExpenseError as exc:
        raise BankingError(exc.args[0] if exc.args else str(exc)) from exc
    already = any(m.kind == MATCH_EXPENSE and m.target_id == expense.id for m in txn.matches)
    if not already:
        accept(
            txn,
            [
                Allocation(
                    MATCH_EXPENSE, expense.id, amount, str(_l("created from this transaction"))
                )
            ],
        )
    if txn.category is None:
        txn.category = chosen
        txn.category_source = CATEGORY_BY_USER
        db.session.flush()
    return expense
