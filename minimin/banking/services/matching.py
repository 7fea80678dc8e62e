"""Reconciliation: accept a match (or a split over several targets), undo it, reject a
suggestion, ignore a transaction.

A match says which document's money a bank line is; each match posts its amount from suspense
to the clearing account the document used (docs/ledger.md, "Bank match"), so accepting one
never records income and never records the same money twice:

- a payment already recorded on an invoice (by hand, by Stripe) is *linked* (kind
  ``payment``), and so is a posted remittance (its agency clearing) or an expense;
- only an invoice allocation with no recorded payment behind it records the payment, through
  :func:`minimin.invoices.services.record_payment`, so the invoice's balance and status stay
  right; undoing the match deletes that payment, and nothing else;
- an invoice allocation of a posted remittance's deposit is the remittance's match (its money
  is the remittance's payment on the invoice), and a remittance posted after its deposit was
  matched to its invoice adopts that match (:func:`adopt_for_remittance`): undoing a
  remittance's match never deletes a payment.

A transaction's reconciled amount and state always follow its matches (:func:`_refresh_state`).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking.inputs import (
    Allocation,
    IgnoreInput,
    MatchInput,
    RejectInput,
)
from minimin.banking.models import (
    IGNORED,
    MATCH_EXPENSE,
    MATCH_INVOICE,
    MATCH_JOB,
    MATCH_KINDS,
    MATCH_PAYMENT,
    MATCH_REMITTANCE,
    PART,
    RECONCILED,
    UNRECONCILED,
    BankMatch,
    BankTransaction,
    RejectedSuggestion,
)
from minimin.banking.services.errors import BankingError
from minimin.extensions import db


def _refresh_state(txn: BankTransaction) -> None:
    total = sum(m.amount_pence for m in txn.matches)
    txn.reconciled_pence = total
    if total == 0:
        txn.reconciliation = UNRECONCILED
    elif total >= abs(txn.amount_pence):
        txn.reconciliation = RECONCILED
    else:
        txn.reconciliation = PART


def match(txn: BankTransaction, data: MatchInput) -> list[BankMatch]:
    """The user matches *txn* (the reconciliation page's accept and split, the API's
    matches): :func:`accept`, all or nothing."""
    return accept(txn, data.allocations)


def accept(txn: BankTransaction, allocations: Sequence[Allocation]) -> list[BankMatch]:
    """Match *txn* to one or more targets (a split when several). An invoice allocation links
    the invoice's payment already recorded for that amount, else records a payment (the
    invoice becomes part paid or paid); payment, remittance and expense allocations link what
    was recorded; agency-job allocations mark the expected payment as received. Nothing is
    kept when any allocation is refused."""
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
        _check_target(txn, match)
        db.session.add(match)
        created.append(match)
    db.session.flush()
    db.session.expire(txn, ["matches"])
    _refresh_state(txn)
    db.session.flush()
    return created


def _check_target(txn: BankTransaction, match: BankMatch) -> None:
    """Check the target of a new match and do what accepting it does to the target."""
    if match.kind in (MATCH_INVOICE, MATCH_PAYMENT, MATCH_REMITTANCE) and txn.amount_pence <= 0:
        raise BankingError(_l("Only money coming in can pay an invoice."))
    if match.kind == MATCH_INVOICE:
        _pay_invoice(txn, match)
    elif match.kind == MATCH_PAYMENT:
        _link_payment(txn, match)
    elif match.kind == MATCH_REMITTANCE:
        _check_remittance(txn, match)
    elif match.kind == MATCH_JOB:
        _job_paid(txn, match)
    elif match.kind == MATCH_EXPENSE:
        from minimin.expenses.models import Expense

        expense = db.session.get(Expense, match.target_id)
        if expense is None or expense.user_id != txn.user_id:
            raise BankingError(_l("That expense was not found."))
        if txn.amount_pence >= 0:
            raise BankingError(_l("Only money going out can pay an expense."))


def _pay_invoice(txn: BankTransaction, match: BankMatch) -> None:
    """Link the invoice's payment recorded for this money, else record one."""
    from minimin.invoices import services as invoice_services
    from minimin.invoices.models import METHOD_BANK, Invoice

    invoice = db.session.get(Invoice, match.target_id)
    if invoice is None or invoice.user_id != txn.user_id:
        raise BankingError(_l("That invoice was not found."))
    if invoice.currency != txn.currency:
        raise BankingError(_l("The invoice is in another currency."))
    remittance = _posted_remittance_paying(txn, invoice.id, match.amount_pence)
    if remittance is not None:
        # The agency's deposit for a remittance that settled this invoice: its money is on the
        # invoice already (the remittance's payment), held on agency clearing until this line.
        match.kind, match.target_id = MATCH_REMITTANCE, remittance.id
        _check_remittance(txn, match)
        return
    recorded = _unexplained_payment(invoice, match.amount_pence)
    if recorded is not None:
        match.kind, match.target_id = MATCH_PAYMENT, recorded.id
        return
    try:
        payment = invoice_services.record_payment(
            invoice,
            invoice_services.PaymentInput(
                amount_pence=match.amount_pence,
                paid_on=txn.posted_on,
                method=METHOD_BANK,
                reference=(txn.reference or txn.description)[:100] or None,
            ),
        )
    except invoice_services.InvoiceError as exc:
        raise BankingError(_l("Invoice %(n)s: %(e)s", n=invoice.number or "", e=str(exc))) from exc
    match.payment_id = payment.id


def _explained(payment_id: uuid.UUID) -> int:
    """How much of a recorded payment bank lines already explain."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(BankMatch.amount_pence), 0)).where(
                sa.or_(
                    sa.and_(BankMatch.kind == MATCH_PAYMENT, BankMatch.target_id == payment_id),
                    BankMatch.payment_id == payment_id,
                )
            )
        )
        or 0
    )


def _remittance_matched(remittance_id: uuid.UUID) -> int:
    """How much of a remittance's net bank lines already explain."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(BankMatch.amount_pence), 0)).where(
                BankMatch.kind == MATCH_REMITTANCE, BankMatch.target_id == remittance_id
            )
        )
        or 0
    )


def _posted_remittance_paying(txn: BankTransaction, invoice_id: uuid.UUID, amount: int) -> Any:
    """The posted remittance settling *invoice_id* whose deposit *txn* is: the one naming
    *txn* as its deposit, else one with no deposit named whose net still unexplained by the
    bank is exactly *amount*. ``None`` when the deposit is no posted remittance's money."""
    from minimin.remittances.models import POSTED, AgencyIncome, Remittance

    remittances = db.session.scalars(
        sa.select(Remittance)
        .join(AgencyIncome, AgencyIncome.remittance_id == Remittance.id)
        .where(
            Remittance.user_id == txn.user_id,
            Remittance.status == POSTED,
            Remittance.currency == txn.currency,
            AgencyIncome.invoice_id == invoice_id,
            sa.or_(
                Remittance.bank_transaction_id == txn.id,
                Remittance.bank_transaction_id.is_(None),
            ),
        )
        .distinct()
        .order_by(Remittance.date, Remittance.id)
    ).all()
    for remittance in remittances:
        still_open = remittance.total_net_pence - _remittance_matched(remittance.id)
        if remittance.bank_transaction_id == txn.id and 0 < amount <= still_open:
            return remittance
    for remittance in remittances:
        still_open = remittance.total_net_pence - _remittance_matched(remittance.id)
        if remittance.bank_transaction_id is None and still_open == amount:
            return remittance
    return None


def _unexplained_payment(invoice: Any, amount_pence: int) -> Any:
    """A payment of exactly *amount_pence* recorded on *invoice* that no bank line shows yet
    (oldest first): the deposit is that money, not a second payment."""
    from minimin.invoices.models import METHOD_AGENCY_REMITTANCE

    for payment in sorted(invoice.payments, key=lambda p: (p.paid_on, str(p.id))):
        if payment.method == METHOD_AGENCY_REMITTANCE or payment.amount_pence != amount_pence:
            continue
        if _explained(payment.id) == 0:
            return payment
    return None


def _link_payment(txn: BankTransaction, match: BankMatch) -> None:
    from minimin.invoices.models import Payment

    payment = db.session.get(Payment, match.target_id)
    if payment is None or payment.user_id != txn.user_id:
        raise BankingError(_l("That payment was not found."))
    if payment.currency != txn.currency:
        raise BankingError(_l("The payment is in another currency."))
    if match.amount_pence > payment.amount_pence - _explained(payment.id):
        raise BankingError(_l("That payment is already matched to the bank."), "amount")


def _check_remittance(txn: BankTransaction, match: BankMatch) -> None:
    from minimin.remittances.models import Remittance

    remittance = db.session.get(Remittance, match.target_id)
    if remittance is None or remittance.user_id != txn.user_id:
        raise BankingError(_l("That remittance was not found."))
    if match.amount_pence > remittance.total_net_pence - _remittance_matched(remittance.id):
        raise BankingError(_l("That is more than the remittance says was paid."), "amount")


def _job_paid(txn: BankTransaction, match: BankMatch) -> None:
    from minimin.jobs import services as job_services
    from minimin.jobs.models import Job

    job = db.session.get(Job, match.target_id)
    if job is None or job.user_id != txn.user_id or job.agency_id is None:
        raise BankingError(_l("That job was not found."))
    with contextlib.suppress(job_services.JobError):
        job_services.mark_paid(txn.user_id, [job.id])


def record_match(
    txn: BankTransaction, *, kind: str, target_id: uuid.UUID, amount_pence: int, reason: str = ""
) -> BankMatch:
    """Link part or all of *txn* to something another feature owns (an agency remittance:
    the remittance's posting links its deposit through here)."""
    return accept(txn, [Allocation(kind, target_id, amount_pence, reason)])[0]


def deposits_matched_to_invoices(
    user_id: uuid.UUID, invoice_ids: set[uuid.UUID], amount_pence: int, currency: str
) -> list[BankTransaction]:
    """Deposits of exactly *amount_pence* matched to a payment on one of *invoice_ids* (a
    match that recorded it, or linked it), oldest first: an agency's deposit of a
    remittance's net that the user matched to the job's invoice before the remittance."""
    from minimin.invoices.models import Payment

    if not invoice_ids:
        return []
    paid_by_match = sa.or_(
        sa.and_(BankMatch.kind == MATCH_INVOICE, BankMatch.payment_id == Payment.id),
        sa.and_(BankMatch.kind == MATCH_PAYMENT, BankMatch.target_id == Payment.id),
    )
    return list(
        db.session.scalars(
            sa.select(BankTransaction)
            .join(BankMatch, BankMatch.transaction_id == BankTransaction.id)
            .join(Payment, paid_by_match)
            .where(
                BankTransaction.user_id == user_id,
                BankTransaction.currency == currency,
                BankTransaction.amount_pence == amount_pence,
                Payment.invoice_id.in_(list(invoice_ids)),
            )
            .distinct()
            .order_by(BankTransaction.posted_on, BankTransaction.id)
        )
    )


def payments_matched(
    txn: BankTransaction, invoice_ids: set[uuid.UUID]
) -> list[tuple[BankMatch, Any]]:
    """The matches of *txn* that recorded (kind ``invoice``) or linked (kind ``payment``) a
    payment on one of *invoice_ids*, with that payment."""
    from minimin.invoices.models import Payment

    found = []
    for match in txn.matches:
        if match.kind == MATCH_INVOICE:
            payment_id = match.payment_id
        elif match.kind == MATCH_PAYMENT:
            payment_id = match.target_id
        else:
            continue
        payment = db.session.get(Payment, payment_id) if payment_id is not None else None
        if payment is not None and payment.invoice_id in invoice_ids:
            found.append((match, payment))
    return found


def adopt_for_remittance(
    txn: BankTransaction, remittance_id: uuid.UUID, invoice_ids: set[uuid.UUID]
) -> list[Any]:
    """The deposit *txn* turns out to be an agency's remittance: each of its matches that
    recorded or linked a payment on one of *invoice_ids* (the invoices the remittance
    settles, :func:`payments_matched`) becomes the remittance's match (kind ``remittance``,
    no payment of its own, so undoing it never deletes the payment). Returns those payments,
    for the remittance to take as its own (the money is counted once)."""
    adopted = []
    for match, payment in payments_matched(txn, invoice_ids):
        match.kind, match.target_id, match.payment_id = MATCH_REMITTANCE, remittance_id, None
        adopted.append(payment)
    db.session.flush()
    return adopted


def undo_match(match: BankMatch) -> None:
    """Remove a match (its journal entry is reversed); an invoice payment recorded by it is
    deleted (the invoice reopens). A payment, remittance or expense it linked stays, and so
    does a payment a remittance adopted from it (:func:`adopt_for_remittance`)."""
    from minimin.invoices import services as invoice_services
    from minimin.invoices.models import Payment

    txn = match.transaction
    # A remittance's match never owns a payment: the remittance's payments are its own.
    if match.payment_id is not None and match.kind != MATCH_REMITTANCE:
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


def reject(txn: BankTransaction, data: RejectInput) -> None:
    """Dismiss a suggestion: none of its targets is suggested for *txn* again."""
    if not data.targets:
        raise BankingError(_l("Choose the suggestion to dismiss."), "targets")
    for target in data.targets:
        if target.kind not in MATCH_KINDS:
            raise BankingError(_l("Unknown kind of match."), "kind")
    for target in dict.fromkeys(data.targets):
        exists = db.session.scalar(
            sa.select(RejectedSuggestion.id).where(
                RejectedSuggestion.transaction_id == txn.id,
                RejectedSuggestion.kind == target.kind,
                RejectedSuggestion.target_id == target.target_id,
            )
        )
        if exists is None:
            db.session.add(
                RejectedSuggestion(
                    user_id=txn.user_id,
                    transaction_id=txn.id,
                    kind=target.kind,
                    target_id=target.target_id,
                )
            )
    db.session.flush()


def set_ignored(txn: BankTransaction, data: IgnoreInput) -> None:
    """Leave *txn* out of reconciliation, or include it again."""
    if data.ignored:
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
