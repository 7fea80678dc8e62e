"""Reconciliation suggestions: load what a transaction could be (open invoices, expected agency
payments, open expenses) as plain records and rank them.

The ranking is pure and lives in :mod:`minimin.banking.reconcile`; this module only runs the
few queries that feed it, as plain rows rather than ORM objects, so that suggesting for
thousands of transactions stays fast. The ranking weighs a bounded number of candidates per
transaction (by exact amount, only the :data:`~minimin.banking.reconcile.AMOUNT_CANDIDATES`
dated nearest to it), so the issue date of each invoice, the date of each job and of each
expense are loaded with it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from minimin.banking import reconcile
from minimin.banking.models import (
    MATCH_EXPENSE,
    MATCH_INVOICE,
    MATCH_JOB,
    MATCH_PAYMENT,
    MATCH_REMITTANCE,
    PART,
    UNRECONCILED,
    BankMatch,
    BankTransaction,
    RejectedSuggestion,
)
from minimin.extensions import db


def _open_plain(user_id: uuid.UUID) -> list[reconcile.Txn]:
    """Every open transaction of the user as plain records (no ORM objects: fast for 10,000)."""
    t = BankTransaction
    rows = db.session.execute(
        sa.select(
            t.id,
            t.posted_on,
            t.amount_pence,
            t.reconciled_pence,
            t.description,
            t.counterparty,
            t.reference,
            t.currency,
        ).where(t.user_id == user_id, t.reconciliation.in_((UNRECONCILED, PART)))
    )
    return [
        reconcile.Txn(
            id=r.id,
            posted_on=r.posted_on,
            amount_pence=r.amount_pence,
            open_pence=max(abs(r.amount_pence) - r.reconciled_pence, 0),
            description=r.description,
            counterparty=r.counterparty,
            reference=r.reference,
            currency=r.currency,
        )
        for r in rows
    ]


def as_txn(txn: BankTransaction) -> reconcile.Txn:
    return reconcile.Txn(
        id=txn.id,
        posted_on=txn.posted_on,
        amount_pence=txn.amount_pence,
        open_pence=txn.open_pence,
        description=txn.description,
        counterparty=txn.counterparty,
        reference=txn.reference,
        currency=txn.currency,
    )


def open_invoices(user_id: uuid.UUID) -> list[reconcile.OpenInvoice]:
    from minimin.invoices.models import OPEN_STATUSES, Invoice

    rows = db.session.execute(
        sa.select(
            Invoice.id,
            Invoice.number,
            Invoice.customer_name,
            Invoice.total_pence,
            Invoice.paid_pence,
            Invoice.credited_pence,
            Invoice.issue_date,
            Invoice.currency,
        ).where(Invoice.user_id == user_id, Invoice.status.in_(OPEN_STATUSES))
    )
    return [
        reconcile.OpenInvoice(
            id=r.id,
            number=r.number or "",
            customer_name=r.customer_name or "",
            outstanding_pence=max(r.total_pence - r.paid_pence - r.credited_pence, 0),
            issue_date=r.issue_date,
            currency=r.currency,
        )
        for r in rows
    ]


def expected_agency_payments(user_id: uuid.UUID) -> list[reconcile.ExpectedPayment]:
    """Agency jobs done or booked, not cancelled or paid, not already matched to a deposit,
    with the net the agency should pay (as computed by the jobs feature)."""
    from minimin.contacts.models import Agency
    from minimin.jobs.models import CANCELLED, ENQUIRY, PAID, Job

    matched = sa.select(BankMatch.target_id).where(
        BankMatch.user_id == user_id, BankMatch.kind == MATCH_JOB
    )
    rows = db.session.execute(
        sa.select(Job.id, Job.title, Job.net_pence, Job.starts_on, Job.currency, Agency.name)
        .join(Agency, Agency.id == Job.agency_id)
        .where(
            Job.user_id == user_id,
            Job.agency_id.is_not(None),
            Job.status.not_in((CANCELLED, PAID, ENQUIRY)),
            Job.net_pence.is_not(None),
            Job.id.not_in(matched),
        )
    )
    return [
        reconcile.ExpectedPayment(
            job_id=r.id,
            title=r.title,
            agency_name=r.name or "",
            net_pence=r.net_pence or 0,
            job_date=r.starts_on,
            currency=r.currency,
        )
        for r in rows
    ]


def open_expenses(user_id: uuid.UUID) -> list[reconcile.OpenExpense]:
    """Expenses not yet matched to a bank transaction (nor created from one)."""
    from minimin.expenses.models import BANK, Expense

    matched = sa.select(BankMatch.target_id).where(
        BankMatch.user_id == user_id, BankMatch.kind == MATCH_EXPENSE
    )
    rows = db.session.execute(
        sa.select(
            Expense.id,
            Expense.date,
            Expense.amount_pence,
            Expense.supplier,
            Expense.description,
            Expense.currency,
        ).where(Expense.user_id == user_id, Expense.id.not_in(matched), Expense.source != BANK)
    )
    return [
        reconcile.OpenExpense(
            id=r.id,
            day=r.date,
            amount_pence=r.amount_pence,
            supplier=r.supplier or "",
            description=r.description or "",
            currency=r.currency,
        )
        for r in rows
    ]


def _matched_payments(user_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """How much of each invoice payment bank lines explain: linked by a ``payment`` match, or
    recorded by an ``invoice`` match."""
    rows = db.session.execute(
        sa.select(
            BankMatch.kind, BankMatch.target_id, BankMatch.payment_id, BankMatch.amount_pence
        ).where(
            BankMatch.user_id == user_id,
            sa.or_(
                BankMatch.kind == MATCH_PAYMENT,
                sa.and_(BankMatch.kind == MATCH_INVOICE, BankMatch.payment_id.is_not(None)),
            ),
        )
    )
    matched: dict[uuid.UUID, int] = defaultdict(int)
    for kind, target_id, payment_id, amount in rows:
        explained = target_id if kind == MATCH_PAYMENT else payment_id
        if explained is not None:  # the query asks for a payment id on invoice matches
            matched[explained] += amount
    return matched


def recorded_payments(user_id: uuid.UUID) -> list[reconcile.RecordedPayment]:
    """Invoice payments recorded by hand or by Stripe that no bank line explains in full (an
    agency remittance's payment reaches the bank as the remittance, offered as such)."""
    from minimin.invoices.models import METHOD_AGENCY_REMITTANCE, Invoice, Payment

    matched = _matched_payments(user_id)
    rows = db.session.execute(
        sa.select(
            Payment.id,
            Payment.invoice_id,
            Payment.amount_pence,
            Payment.paid_on,
            Payment.currency,
            Invoice.number,
            Invoice.customer_name,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.user_id == user_id, Payment.method != METHOD_AGENCY_REMITTANCE)
    )
    return [
        reconcile.RecordedPayment(
            id=r.id,
            invoice_id=r.invoice_id,
            invoice_number=r.number or "",
            customer_name=r.customer_name or "",
            amount_pence=r.amount_pence - matched.get(r.id, 0),
            paid_on=r.paid_on,
            currency=r.currency,
        )
        for r in rows
        if r.amount_pence > matched.get(r.id, 0)
    ]


def posted_remittances(user_id: uuid.UUID) -> list[reconcile.PostedRemittance]:
    """Posted remittances whose net payment (held on agency clearing) no bank line explains
    in full."""
    from minimin.contacts.models import Agency
    from minimin.remittances.models import POSTED, Remittance

    matched = (
        sa.select(sa.func.coalesce(sa.func.sum(BankMatch.amount_pence), 0))
        .where(
            BankMatch.user_id == user_id,
            BankMatch.kind == MATCH_REMITTANCE,
            BankMatch.target_id == Remittance.id,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            Remittance.id,
            Remittance.reference,
            Remittance.date,
            Remittance.currency,
            (Remittance.total_net_pence - matched).label("open_pence"),
            Agency.name,
        )
        .join(Agency, Agency.id == Remittance.agency_id)
        .where(
            Remittance.user_id == user_id,
            Remittance.status == POSTED,
            Remittance.total_net_pence > matched,
        )
    )
    return [
        reconcile.PostedRemittance(
            id=r.id,
            reference=r.reference or "",
            agency_name=r.name or "",
            net_pence=int(r.open_pence),
            day=r.date,
            currency=r.currency,
        )
        for r in rows
    ]


def rejected_for(user_id: uuid.UUID) -> set[tuple[uuid.UUID, str, uuid.UUID]]:
    return {
        (r.transaction_id, r.kind, r.target_id)
        for r in db.session.execute(
            sa.select(
                RejectedSuggestion.transaction_id,
                RejectedSuggestion.kind,
                RejectedSuggestion.target_id,
            ).where(RejectedSuggestion.user_id == user_id)
        )
    }


def suggestions(
    user_id: uuid.UUID, transactions: Sequence[BankTransaction] | None = None
) -> dict[uuid.UUID, list[reconcile.Suggestion]]:
    """Ranked reconciliation suggestions for the user's open transactions (or *transactions*)."""
    if transactions is None:
        plain = _open_plain(user_id)
    else:
        plain = [as_txn(t) for t in transactions if t.reconciliation in (UNRECONCILED, PART)]
    if not plain:
        return {}
    incoming = any(t.amount_pence > 0 for t in plain)
    outgoing = any(t.amount_pence < 0 for t in plain)
    return reconcile.suggest(
        plain,
        open_invoices(user_id) if incoming else (),
        expected_agency_payments(user_id) if incoming else (),
        open_expenses(user_id) if outgoing else (),
        payments=recorded_payments(user_id) if incoming else (),
        remittances=posted_remittances(user_id) if incoming else (),
        rejected=rejected_for(user_id),
    )
