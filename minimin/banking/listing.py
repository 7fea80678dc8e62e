"""What the banking pages show: the accounts, the latest imports, and a bank account's
transactions as a list searched (counterparty, description, reference) and sorted by its
column headers (a count and one page, two statements at any size); the names of the clients,
agencies and documents the transactions and rules point at."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from minimin.banking.models import (
    MATCH_EXPENSE,
    MATCH_INVOICE,
    MATCH_JOB,
    MATCH_PAYMENT,
    MATCH_REMITTANCE,
    RECONCILIATION_LABELS,
    BankAccount,
    BankTransaction,
    ImportJob,
)
from minimin.core import listing_params
from minimin.extensions import db

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


def accounts(user_id: uuid.UUID) -> list[BankAccount]:
    """The user's bank accounts by name."""
    return list(
        db.session.scalars(
            sa.select(BankAccount)
            .where(BankAccount.user_id == user_id)
            .order_by(BankAccount.name, BankAccount.id)
        )
    )


def recent_imports(user_id: uuid.UUID, limit: int = 10) -> list[ImportJob]:
    """The user's latest statement imports, newest first."""
    return list(
        db.session.scalars(
            sa.select(ImportJob)
            .where(ImportJob.user_id == user_id)
            .order_by(ImportJob.created_at.desc(), ImportJob.id)
            .limit(limit)
        )
    )


def _account_transactions(
    account: BankAccount, state: str, params: listing_params.ListParams
) -> Any:
    query = sa.select(BankTransaction).where(
        BankTransaction.user_id == account.user_id,
        BankTransaction.bank_account_id == account.id,
    )
    if state in RECONCILIATION_LABELS:
        query = query.where(BankTransaction.reconciliation == state)
    return search(query, params)


def account_page(
    account: BankAccount,
    state: str,
    params: listing_params.ListParams,
    *,
    page: int,
    per_page: int,
) -> tuple[list[BankTransaction], int]:
    """One page of *account*'s transactions in *state* (any when not a reconciliation state),
    searched and sorted as *params* ask, and how many there are in all."""
    query = _account_transactions(account, state, params)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    txns = db.session.scalars(
        query.order_by(*order(params)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(txns), int(total)


def account_transactions(
    account: BankAccount, state: str, params: listing_params.ListParams
) -> Iterable[BankTransaction]:
    """All of *account*'s transactions the list shows, in its order (for the CSV download)."""
    query = _account_transactions(account, state, params).order_by(*order(params))
    return db.session.scalars(query)


def contact_names(user_id: uuid.UUID, found: Iterable[Any]) -> dict[uuid.UUID, str]:
    """Names of the user's clients and agencies that the rules or transactions *found* point
    at (by ``client_id`` and ``agency_id``)."""
    from minimin.contacts.models import Agency, Client

    found = list(found)
    names: dict[uuid.UUID, str] = {}
    wanted: tuple[tuple[Any, set[uuid.UUID]], ...] = (
        (Client, {r.client_id for r in found if r.client_id}),
        (Agency, {r.agency_id for r in found if r.agency_id}),
    )
    for model, ids in wanted:
        if ids:
            query = sa.select(model.id, model.name).where(
                model.user_id == user_id, model.id.in_(ids)
            )
            names.update({i: n or "" for i, n in db.session.execute(query)})
    return names


@dataclass
class MatchTargets:
    """What a transaction's matches point at: a label per invoice, job, expense or remittance,
    and per matched payment its date and invoice number (the page words the payment)."""

    labels: dict[uuid.UUID, str] = field(default_factory=dict)
    payments: dict[uuid.UUID, tuple[dt.date | None, str]] = field(default_factory=dict)


def match_targets(txn: BankTransaction) -> MatchTargets:
    from minimin.expenses.models import Expense
    from minimin.invoices.models import Invoice, Payment
    from minimin.jobs.models import Job
    from minimin.remittances.models import Remittance

    found = MatchTargets()
    ids: dict[str, list[uuid.UUID]] = {m.kind: [] for m in txn.matches}
    for m in txn.matches:
        ids[m.kind].append(m.target_id)
    labelled: tuple[tuple[str, Any, Any], ...] = (
        (MATCH_INVOICE, Invoice, Invoice.number),
        (MATCH_JOB, Job, Job.title),
        (MATCH_EXPENSE, Expense, Expense.supplier),
        (MATCH_REMITTANCE, Remittance, Remittance.reference),
    )
    for kind, model, column in labelled:
        if ids.get(kind):
            for row in db.session.execute(
                sa.select(model.id, column).where(
                    model.id.in_(ids[kind]), model.user_id == txn.user_id
                )
            ):
                found.labels[row[0]] = row[1] or ""
    if ids.get(MATCH_PAYMENT):
        for pid, paid_on, number in db.session.execute(
            sa.select(Payment.id, Payment.paid_on, Invoice.number)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(Payment.id.in_(ids[MATCH_PAYMENT]), Payment.user_id == txn.user_id)
        ):
            found.payments[pid] = (paid_on, number or "")
    return found


def transactions(
    user_id: uuid.UUID,
    *,
    bank_account_id: uuid.UUID | None = None,
    reconciliation: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> sa.Select[tuple[BankTransaction]]:
    """The user's transactions, of one account, in one reconciliation state, posted between
    two dates (each condition only when given); the caller orders and pages the statement."""
    t = BankTransaction
    statement = sa.select(t).where(t.user_id == user_id)
    if bank_account_id:
        statement = statement.where(t.bank_account_id == bank_account_id)
    if reconciliation:
        statement = statement.where(t.reconciliation == reconciliation)
    if date_from:
        statement = statement.where(t.posted_on >= date_from)
    if date_to:
        statement = statement.where(t.posted_on <= date_to)
    return statement


def every_account(user_id: uuid.UUID) -> sa.Select[tuple[BankAccount]]:
    """All of the user's bank accounts; the caller orders and pages the statement."""
    return sa.select(BankAccount).where(BankAccount.user_id == user_id)
