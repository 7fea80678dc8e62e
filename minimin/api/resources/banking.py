"""Bank accounts and their transactions (read)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from flask_login import current_user
from pydantic import Field
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, ListQuery, Money, MoneyIn, Out, Page
from minimin.banking import listing, services
from minimin.banking import models as m
from minimin.banking.importers import StatementErrors
from minimin.core.tenancy import owned_or_404

Reconciliation = Literal[m.RECONCILIATION_STATES]  # type: ignore[valid-type]
MatchKind = Literal[m.MATCH_KINDS]  # type: ignore[valid-type]


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
        listing.every_account(current_user.id),
        m.BankAccount,
        query,
        BankAccountOut.model_validate,
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
    statement = listing.transactions(
        current_user.id,
        bank_account_id=query.bank_account_id,
        reconciliation=query.reconciliation,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    return paging.page(statement, m.BankTransaction, query, _transaction_out)


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


# --------------------------------------------------------------------------- writes


class ImportOut(Out):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    filename: str
    kind: str
    status: str = Field(description="pending: confirm the columns on the import page first.")
    rows_total: int
    rows_done: int
    added: int
    duplicates: int


class AllocationIn(In):
    kind: MatchKind
    target_id: uuid.UUID
    amount: MoneyIn


class MatchIn(In):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=20)


class MatchOut(Out):
    id: uuid.UUID
    kind: str
    target_id: uuid.UUID
    amount: Money
    payment_id: uuid.UUID | None


class MatchResult(Out):
    transaction: TransactionOut
    matches: list[MatchOut]


def _import_out(job: m.ImportJob) -> ImportOut:
    return ImportOut.model_validate(job)


@operation(
    "POST",
    "/bank-accounts/<bank_account_id>/imports",
    summary="Import a statement (CSV, OFX or QFX)",
    tag="banking",
    scope="banking:write",
    response=ImportOut,
    status=202,
    upload="statement",
    covers=("banking.upload",),
    load=(m.BankAccount, "account"),
)
def import_statement(account: m.BankAccount, upload: FileStorage) -> ImportOut:
    """Send the file as multipart/form-data in the part named ``statement``. OFX and QFX are
    imported at once; a CSV file too when its columns are known (a bank's layout Minimin
    recognises, or the mapping confirmed for this account before), else the import waits as
    ``pending`` until its columns are confirmed on the import page. Lines already imported are
    counted as duplicates, never added twice."""
    try:
        job, inspection = services.start_import(account, upload.stream.read(), upload.filename)
    except StatementErrors as exc:
        errors = [{"field": "statement", "code": "statement", "detail": str(e)} for e in exc.errors]
        raise ApiProblem(422, str(exc), errors=errors) from exc
    known = inspection is not None and (
        inspection.preset is not None or account.csv_mapping is not None
    )
    if job.status == m.PENDING and known and not inspection.date_order_needed:
        services.confirm_mapping(job, inspection.options(), remember=False)
    return _import_out(job)


@operation(
    "GET",
    "/imports/<import_id>",
    summary="A statement import's progress",
    tag="banking",
    scope="banking:read",
    response=ImportOut,
)
def get_import(import_id: str) -> ImportOut:
    return _import_out(owned_or_404(m.ImportJob, import_id))


@operation(
    "POST",
    "/transactions/<txn_id>/matches",
    summary="Match a transaction to invoices, payments, remittances, jobs or expenses",
    tag="banking",
    scope="banking:write",
    body=MatchIn,
    response=MatchResult,
    status=201,
    covers=("banking.accept", "banking.split"),
    load=(m.BankTransaction, "txn"),
    lock=True,
)
def match_transaction(txn: m.BankTransaction, body: MatchIn) -> MatchResult:
    """As the reconciliation page: an invoice matched records its payment (or links the one
    already recorded); several allocations split the line. Targets must be yours; nothing is
    kept when any allocation is refused."""
    for allocation in body.allocations:
        if allocation.amount.currency != txn.currency:
            raise ApiProblem(
                422,
                errors=[
                    {
                        "field": "allocations.amount.currency",
                        "code": "currency",
                        "detail": f"This transaction is in {txn.currency}.",
                    }
                ],
            )
    created = services.accept(
        txn,
        [
            services.Allocation(a.kind, a.target_id, a.amount.pence(), "api")
            for a in body.allocations
        ],
    )
    return MatchResult(
        transaction=_transaction_out(txn),
        matches=[
            MatchOut(
                id=match.id,
                kind=match.kind,
                target_id=match.target_id,
                amount=Money.of(match.amount_pence, txn.currency),
                payment_id=match.payment_id,
            )
            for match in created
        ],
    )
