"""Bank accounts and their transactions (read)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import Field

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.schemas import ListQuery, Money, Out, Page
from minimin.banking import models as m
from minimin.core.tenancy import owned_or_404, owned_query

Reconciliation = Literal[m.RECONCILIATION_STATES]  # type: ignore[valid-type]


class BankAccountOut(Out):
    id: uuid.UUID
    name: str
    last_four: str | None
    currency: str
    archived_at: dt.datetime | None


class TransactionQuery(ListQuery):
    bank_account_id: uuid.UUID | None = None
    reconciliation: Reconciliation | None = Field(
        default=None, description="As on the transactions page."
    )
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class TransactionOut(Out):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    posted_on: dt.date
    amount: Money
    description: str
    counterparty: str
    reference: str
    category: str | None
    client_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    reconciliation: str
    reconciled: Money


def _transaction_out(txn: m.BankTransaction) -> TransactionOut:
    return TransactionOut(
        id=txn.id,
        bank_account_id=txn.bank_account_id,
        posted_on=txn.posted_on,
        amount=Money.of(txn.amount_pence, txn.currency),
        description=txn.description,
        counterparty=txn.counterparty,
        reference=txn.reference,
        category=txn.category,
        client_id=txn.client_id,
        agency_id=txn.agency_id,
        reconciliation=txn.reconciliation,
        reconciled=Money.of(txn.reconciled_pence, txn.currency),
    )


@operation(
    "GET",
    "/bank-accounts",
    summary="List bank accounts",
    tag="banking",
    scope="banking:read",
    query=ListQuery,
    response=Page[BankAccountOut],
)
def list_bank_accounts(query: ListQuery) -> Page[BankAccountOut]:
    return paging.page(
        owned_query(m.BankAccount), m.BankAccount, query, BankAccountOut.model_validate
    )


@operation(
    "GET",
    "/bank-accounts/<bank_account_id>",
    summary="One bank account",
    tag="banking",
    scope="banking:read",
    response=BankAccountOut,
)
def get_bank_account(bank_account_id: str) -> BankAccountOut:
    return BankAccountOut.model_validate(owned_or_404(m.BankAccount, bank_account_id))


@operation(
    "GET",
    "/transactions",
    summary="List bank transactions",
    tag="banking",
    scope="banking:read",
    query=TransactionQuery,
    response=Page[TransactionOut],
)
def list_transactions(query: TransactionQuery) -> Page[TransactionOut]:
    statement = owned_query(m.BankTransaction)
    t = m.BankTransaction
    if query.bank_account_id:
        statement = statement.where(t.bank_account_id == query.bank_account_id)
    if query.reconciliation:
        statement = statement.where(t.reconciliation == query.reconciliation)
    if query.date_from:
        statement = statement.where(t.posted_on >= query.date_from)
    if query.date_to:
        statement = statement.where(t.posted_on <= query.date_to)
    return paging.page(statement, t, query, _transaction_out)


@operation(
    "GET",
    "/transactions/<txn_id>",
    summary="One bank transaction",
    tag="banking",
    scope="banking:read",
    response=TransactionOut,
)
def get_transaction(txn_id: str) -> TransactionOut:
    return _transaction_out(owned_or_404(m.BankTransaction, txn_id))
