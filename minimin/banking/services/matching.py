"""Reconciliation: accept a match (or a split over several targets), undo it, reject a
suggestion, ignore a transaction.

Accepting an invoice records the payment through :func:`minimin.invoices.services.record_payment`,
so the invoice's balance and status (part paid, paid) stay right; undoing deletes that payment.
A transaction's reconciled amount and state always follow its matches (:func:`_refresh_state`).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking.models import (
    IGNORED,
    MATCH_EXPENSE,
    MATCH_INVOICE,
    MATCH_JOB,
    MATCH_KINDS,
    PART,
    RECONCILED,
    UNRECONCILED,
    BankMatch,
    BankTransaction,
    RejectedSuggestion,
)
from minimin.banking.services.errors import BankingError
from minimin.extensions import db


@dataclass(frozen=True)
class Allocation:
    kind: str
    target_id: uuid.UUID
    amount_pence: int
    reason: str = ""


def _refresh_state(txn: BankTransaction) -> None:
    total = sum(m.amount_pence for m in txn.matches)
    txn.reconciled_pence = total
    if total == 0:
        txn.reconciliation = UNRECONCILED
    elif total >= abs(txn.amount_pence):
        txn.reconciliation = RECONCILED
    else:
        txn.reconciliation = PART


def accept(txn: BankTransaction, allocations: Sequence[Allocation]) -> list[BankMatch]:
    """Match *txn* to one or more targets (a split when several). Invoice allocations record
    a payment on the invoice (which becomes part paid or paid); agency-job allocations mark the
    expected payment as received; expense allocations link the expense. Nothing is kept when
    any allocation is refused."""
    from minimin.expenses.models import Expense
    from minimin.invoices import services as invoice_services
    from minimin.invoices.models import METHOD_BANK, Invoice
    from minimin.jobs import services as job_services
    from minimin.jobs.models import Job

    if txn.reconciliation == IGNORED:
        raise BankingError(_l("This transaction is ignored; include it again first."))
    if not allocations:
        raise BankingError(_l("Choose what the transaction pays."))
    total = sum(a.amount_pence for a in allocations)
    if any(a.amount_pence <= 0 for a in allocations):
        raise BankingError(_l("Each amount must be more than zero."), "amount")
    if total > txn.open_pence:
        raise BankingError(
            _l(
                "The amounts add up to more than the %(open)s still to match.",
                open=_pounds(txn.open_pence, txn.currency),
            ),
            "amount",
        )
    seen = set()
    created = []
    for alloc in allocations:
        if alloc.kind not in MATCH_KINDS:
            raise BankingError(_l("Unknown kind of match."))
        if (alloc.kind, alloc.target_id) in seen:
            raise BankingError(_l("The same item is chosen twice."))
        seen.add((alloc.kind, alloc.target_id))
        match = BankMatch(
            user_id=txn.user_id,
            transaction_id=txn.id,
            kind=alloc.kind,
            target_id=alloc.target_id,
            amount_pence=alloc.amount_pence,
            reason=alloc.reason[:300],
        )
        if alloc.kind == MATCH_INVOICE:
            if txn.amount_pence <= 0:
                raise BankingError(_l("Only money coming in can pay an invoice."))
            invoice = db.session.get(Invoice, alloc.target_id)
            if invoice is None or invoice.user_id != txn.user_id:
                raise BankingError(_l("That invoice was not found."))
            if invoice.currency != txn.currency:
                raise BankingError(_l("The invoice is in another currency."))
            try:
                payment = invoice_services.record_payment(
                    invoice,
                    amount_pence=alloc.amount_pence,
                    paid_on=txn.posted_on,
                    method=METHOD_BANK,
                    reference=(txn.reference or txn.description)[:100] or None,
                )
            except invoice_services.InvoiceError as exc:
                raise BankingError(
                    _l("Invoice %(n)s: %(e)s", n=invoice.number or "", e=str(exc))
                ) from exc
            match.payment_id = payment.id
        elif alloc.kind == MATCH_JOB:
            job = db.session.get(Job, alloc.target_id)
            if job is None or job.user_id != txn.user_id or job.agency_id is None:
                raise BankingError(_l("That job was not found."))
            with contextlib.suppress(job_services.JobError):
                job_services.mark_paid(txn.user_id, [job.id])
        elif alloc.kind == MATCH_EXPENSE:
            expense = db.session.get(Expense, alloc.target_id)
            if expense is None or expense.user_id != txn.user_id:
                raise BankingError(_l("That expense was not found."))
            if txn.amount_pence >= 0:
                raise BankingError(_l("Only money going out can pay an expense."))
        db.session.add(match)
        created.append(match)
    db.session.flush()
    db.session.expire(txn, ["matches"])
    _refresh_state(txn)
    db.session.flush()
    return created


def record_match(
    txn: BankTransaction, *, kind: str, target_id: uuid.UUID, amount_pence: int, reason: str = ""
) -> BankMatch:
    """Link part or all of *txn* to something another feature owns (an agency remittance)."""
    return accept(txn, [Allocation(kind, target_id, amount_pence, reason)])[0]


def undo_match(match: BankMatch) -> None:
    """Remove a match; an invoice payment recorded by it is deleted (the invoice reopens)."""
    from minimin.invoices import services as invoice_services
    from minimin.invoices.models import Payment

    txn = match.transaction
    if match.payment_id is not None:
        payment = db.session.get(Payment, match.payment_id)
        if payment is not None:
            try:
                invoice_services.delete_payment(payment)
            except invoice_services.InvoiceError as exc:
                raise BankingError(exc.args[0] if exc.args else str(exc)) from exc
    db.session.delete(match)
    db.session.flush()
    db.session.expire(txn, ["matches"])
    _refresh_state(txn)
    db.session.flush()


def reject(txn: BankTransaction, kind: str, target_id: uuid.UUID) -> None:
    if kind not in MATCH_KINDS:
        raise BankingError(_l("Unknown kind of match."))
    exists = db.session.scalar(
        sa.select(RejectedSuggestion.id).where(
            RejectedSuggestion.transaction_id == txn.id,
            RejectedSuggestion.kind == kind,
            RejectedSuggestion.target_id == target_id,
        )
    )
    if exists is None:
        db.session.add(
            RejectedSuggestion(
                user_id=txn.user_id, transaction_id=txn.id, kind=kind, target_id=target_id
            )
        )
        db.session.flush()


def set_ignored(txn: BankTransaction, ignored: bool) -> None:
    if ignored:
        if txn.matches:
            raise BankingError(_l("Undo the matches of this transaction before ignoring it."))
        txn.reconciliation = IGNORED
    else:
        txn.reconciliation = UNRECONCILED
        _refresh_state(txn)
    db.session.flush()


def _pounds(pence: int, currency: str) -> str:
    from minimin.core.money import Money, format_money

    return format_money(Money.from_pence(pence, currency))
