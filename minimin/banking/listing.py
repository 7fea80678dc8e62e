"""A bank account's transactions as a list: searched (counterparty, description, reference)
and sorted by its column headers; a count and one page, two statements at any size."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from minimin.banking.models import BankTransaction
from minimin.core import listing_params

SORT_KEYS = ("date", "description", "amount", "state")
DESCENDING_FIRST = ("date", "amount")


def parse(args: Any) -> listing_params.ListParams:
    return listing_params.parse(
        args, SORT_KEYS, "date", listing_params.DESC, descending_first=DESCENDING_FIRST
    )


def search(query: Any, params: listing_params.ListParams) -> Any:
    """*query* (over BankTransaction) narrowed to the search text."""
    return query.where(
        listing_params.contains(
            params.q,
            BankTransaction.counterparty,
            BankTransaction.description,
            BankTransaction.reference,
        )
    )


def order(params: listing_params.ListParams) -> list[Any]:
    sorts: dict[str, list[Any]] = {
        "date": [BankTransaction.posted_on],
        "description": [
            sa.func.lower(
                sa.func.coalesce(
                    sa.func.nullif(BankTransaction.counterparty, ""), BankTransaction.description
                )
            )
        ],
        "amount": [BankTransaction.amount_pence],
        "state": [BankTransaction.reconciliation],
    }
    return [*listing_params.order_by(sorts, params), BankTransaction.id]
