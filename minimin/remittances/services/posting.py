"""Posting a matched remittance: the gross income (:class:`AgencyIncome`), the commission and
its VAT as an expense, the jobs marked paid and the bank deposit reconciled; and the agency
income recorded in a period (for the reports).

Posting writes everything in the request's one transaction and is idempotent: a posted
remittance posts again as a no-op, and the expense and income rows are keyed by the line.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking.models import MATCH_REMITTANCE, BankMatch, BankTransaction
from minimin.core.db import utcnow
from minimin.extensions import db
from minimin.jobs import models as job_models
from minimin.jobs import services as job_services
from minimin.jobs.models import Job
from minimin.remittances.models import MATCHED, POSTED, AgencyIncome, Remittance
from minimin.remittances.services.analysis import MATCHABLE_STATUSES, analyse
from minimin.remittances.services.errors import RemittanceError


@dataclass
class PostResult:
    remittance: Remittance
    incomes: list[AgencyIncome]
    expense_ids: list[uuid.UUID]
    jobs_paid: list[uuid.UUID]
    already_posted: bool = False


def _reconcile_deposit(remittance: Remittance, txn: BankTransaction) -> None:
    """Link the deposit to the remittance as a reconciliation match (once), through the
    banking service, which updates the transaction's reconciled amount and state."""
    existing = db.session.scalar(
        sa.select(BankMatch).where(
            BankMatch.transaction_id == txn.id,
            BankMatch.kind == MATCH_REMITTANCE,
            BankMatch.target_id == remittance.id,
        )
    )
    if existing is not None:
        return
    amount = min(remittance.total_net_pence, txn.open_pence)
    if amount <= 0:
        return
    from minimin.banking.services.errors import BankingError
    from minimin.banking.services.matching import record_match

    reason = str(_l("Agency remittance %(ref)s", ref=remittance.reference or remittance.date))
    try:
        record_match(
            txn,
            kind=MATCH_REMITTANCE,
            target_id=remittance.id,
            amount_pence=amount,
            reason=reason[:300],
        )
    except BankingError as exc:
        raise RemittanceError(_l("The bank deposit: %(e)s", e=str(exc))) from exc
    if txn.agency_id is None:
        txn.agency_id = remittance.agency_id


def post_remittance(remittance: Remittance, *, confirmed: bool = False) -> PostResult:
    """Post a matched remittance in the current transaction.

    Records, per line, the gross fee (plus expenses reimbursed) as :class:`AgencyIncome` on the
    day the money arrived; the commission and its VAT as an expense (SA103F box 28, paid by
    deduction, ``external_ref="remittance:<id>:<line id>"``); marks the lines' jobs paid
    (through :mod:`minimin.jobs.services`: a job not yet invoiced is first marked invoiced, the
    remittance standing as its invoice); and reconciles the bank deposit.

    Posting again changes nothing. Refuses (nothing written) a remittance that is not matched,
    whose figures do not add up, or — unless *confirmed* — that has other discrepancies.
    """
    from minimin.expenses.categories import COMMISSION
    from minimin.expenses.services import ExpenseError, create_expense

    if remittance.status == POSTED:
        return PostResult(remittance, [], [], [], already_posted=True)
    if remittance.status != MATCHED:
        raise RemittanceError(_l("Confirm the jobs and the bank deposit before posting."))
    analysis = analyse(remittance)
    if analysis.blocking:
        raise RemittanceError(_l("Some lines do not add up: correct the figures before posting."))
    if analysis.discrepancies and not confirmed:
        raise RemittanceError(
            _l("Tick the box to confirm you have checked the differences listed."), "confirm"
        )
    user_id = remittance.user_id
    jobs = {
        job.id: job
        for job in db.session.scalars(
            sa.select(Job).where(
                Job.user_id == user_id,
                Job.id.in_([ln.job_id for ln in remittance.lines if ln.job_id]),
            )
        )
    }
    for job in jobs.values():
        if job.status not in (*MATCHABLE_STATUSES, job_models.PAID):
            raise RemittanceError(
                _l(
                    "The job “%(title)s” is %(status)s: confirm it first.",
                    title=job.title,
                    status=job.status_label,
                )
            )
    txn = None
    if remittance.bank_transaction_id:
        txn = db.session.scalar(
            sa.select(BankTransaction)
            .where(
                BankTransaction.id == remittance.bank_transaction_id,
                BankTransaction.user_id == user_id,
            )
            .with_for_update()
        )
    received_on = txn.posted_on if txn is not None else remittance.date
    agency = remittance.agency
    incomes: list[AgencyIncome] = []
    expense_ids: list[uuid.UUID] = []
    for line in remittance.lines:
        job = jobs.get(line.job_id) if line.job_id else None
        label = (
            line.label or (job.title if job else "") or str(_l("line %(n)d", n=line.position + 1))
        )
        expense_id = None
        deducted = line.commission_pence + line.commission_vat_pence
        if deducted > 0:
            try:
                expense = create_expense(
                    user_id,
                    date=remittance.date,
                    supplier=agency.name[:200],
                    description=str(_l("Agency commission: %(what)s", what=label))[:500],
                    category=COMMISSION,
                    amount_pence=deducted,
                    currency=remittance.currency,
                    vat_pence=line.commission_vat_pence,
                    vat_treatment="standard" if line.commission_vat_pence else "none",
                    payment_method="deducted",
                    job_id=line.job_id,
                    source="remittance",
                    external_ref=f"remittance:{remittance.id}:{line.id}",
                )
            except ExpenseError as exc:
                raise RemittanceError(exc.message) from exc
            expense_id = expense.id
            expense_ids.append(expense.id)
        existing = db.session.scalar(
            sa.select(AgencyIncome).where(AgencyIncome.remittance_line_id == line.id)
        )
        if existing is None:
            income = AgencyIncome(
                user_id=user_id,
                remittance_id=remittance.id,
                remittance_line_id=line.id,
                job_id=line.job_id,
                agency_id=remittance.agency_id,
                received_on=received_on,
                currency=remittance.currency,
                income_pence=line.gross_pence + line.expenses_pence,
                gross_fee_pence=line.gross_pence,
                expenses_pence=line.expenses_pence,
                output_vat_pence=line.fee_vat_pence,
                commission_pence=line.commission_pence,
                commission_vat_pence=line.commission_vat_pence,
                net_pence=line.net_pence,
                expense_id=expense_id,
            )
            db.session.add(income)
            incomes.append(income)
    paid: list[uuid.UUID] = []
    now = utcnow()
    for job in jobs.values():
        if job.status == job_models.PAID:
            continue
        if job.status != job_models.INVOICED:
            job_services.mark_invoiced(user_id, job.id, invoice_id=None, at=now)
        job_services.mark_paid(user_id, job.id, at=now)
        paid.append(job.id)
    if txn is not None:
        _reconcile_deposit(remittance, txn)
    remittance.status = POSTED
    remittance.posted_at = now
    db.session.flush()
    return PostResult(remittance, incomes, expense_ids, paid)


def agency_income_pence(
    user_id: uuid.UUID, start: dt.date, end: dt.date, currency: str = "GBP"
) -> int:
    """Turnover from posted remittances received from *start* to *end* inclusive."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(AgencyIncome.income_pence), 0)).where(
            AgencyIncome.user_id == user_id,
            AgencyIncome.currency == currency,
            AgencyIncome.received_on >= start,
            AgencyIncome.received_on <= end,
        )
    )
    return int(total or 0)
