"""Posting a matched remittance: the income of each line (:class:`AgencyIncome`), or the
payment of the user's invoice a line settles; the commission and its VAT as an expense; the
jobs marked paid and the bank deposit reconciled; and the agency income recorded in a period.

The journal entries follow from these rows (:mod:`minimin.ledger.sources.remittances`, the
invoices' and the expenses' sources) when the transaction commits.

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
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.invoices.models import Invoice, Payment
from minimin.jobs import models as job_models
from minimin.jobs import services as job_services
from minimin.jobs.models import Job
from minimin.ledger import posting as ledger
from minimin.remittances.inputs import PostInput
from minimin.remittances.models import MATCHED, POSTED, AgencyIncome, Remittance, RemittanceLine
from minimin.remittances.services import settling
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
    """Link the deposit to the remittance as a reconciliation match, through the banking
    service, which updates the transaction's reconciled amount and state: for the part of
    the net its matches do not show yet (a match of the deposit to an invoice the remittance
    settles became the remittance's when posting adopted its payment)."""
    matched = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BankMatch.amount_pence), 0)).where(
            BankMatch.transaction_id == txn.id,
            BankMatch.kind == MATCH_REMITTANCE,
            BankMatch.target_id == remittance.id,
        )
    )
    amount = min(remittance.total_net_pence - int(matched or 0), txn.open_pence)
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


def _commission_expense(
    remittance: Remittance, line: RemittanceLine, label: str
) -> uuid.UUID | None:
    """The line's commission and its VAT as an expense paid by deduction (box 28)."""
    from minimin.expenses.categories import COMMISSION
    from minimin.expenses.services import ExpenseError, ExpenseInput, create_expense

    deducted = line.commission_pence + line.commission_vat_pence
    if deducted <= 0:
        return None
    try:
        expense = create_expense(
            remittance.user_id,
            ExpenseInput(
                date=remittance.date,
                supplier=remittance.agency.name[:200],
                description=str(_l("Agency commission: %(what)s", what=label))[:500],
                category=COMMISSION,
                amount_pence=deducted,
                currency=remittance.currency,
                vat_pence=line.commission_vat_pence,
                vat_treatment="standard" if line.commission_vat_pence else "none",
                payment_method="deducted",
                job_id=line.job_id,
            ),
            source="remittance",
            external_ref=f"remittance:{remittance.id}:{line.id}",
        )
    except ExpenseError as exc:
        raise RemittanceError(exc.message) from exc
    return expense.id


def _income_row(
    remittance: Remittance,
    line: RemittanceLine,
    received_on: dt.date,
    expense_id: uuid.UUID | None,
    settled: tuple[Invoice, Payment | None] | None,
) -> AgencyIncome:
    """The line's income row. A line settling the user's invoice is no income of its own (the
    invoice is): its income figures are zero and it names the invoice and the payment, so
    nothing that sums these rows counts the job twice."""
    invoice, payment = settled if settled is not None else (None, None)

    def own(pence: int) -> int:
        return pence if invoice is None else 0

    return AgencyIncome(
        user_id=remittance.user_id,
        remittance_id=remittance.id,
        remittance_line_id=line.id,
        job_id=line.job_id,
        agency_id=remittance.agency_id,
        received_on=received_on,
        currency=remittance.currency,
        income_pence=own(line.gross_pence + line.expenses_pence),
        gross_fee_pence=own(line.gross_pence),
        expenses_pence=own(line.expenses_pence),
        output_vat_pence=own(line.fee_vat_pence),
        commission_pence=line.commission_pence,
        commission_vat_pence=line.commission_vat_pence,
        net_pence=line.net_pence,
        expense_id=expense_id,
        invoice_id=invoice.id if invoice is not None else None,
        payment_id=payment.id if payment is not None else None,
    )


def _check_ready(remittance: Remittance, confirmed: bool) -> None:
    if remittance.status != MATCHED:
        raise RemittanceError(
            _l("Confirm the jobs and the bank deposit before posting."), code=CONFLICT
        )
    analysis = analyse(remittance)
    if analysis.blocking:
        raise RemittanceError(_l("Some lines do not add up: correct the figures before posting."))
    if analysis.discrepancies and not confirmed:
        raise RemittanceError(
            _l("Tick the box to confirm you have checked the differences listed."), "confirm"
        )


def _load_jobs(remittance: Remittance) -> dict[uuid.UUID, Job]:
    jobs = {
        job.id: job
        for job in db.session.scalars(
            sa.select(Job).where(
                Job.user_id == remittance.user_id,
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
    return jobs


def _mark_jobs_paid(user_id: uuid.UUID, jobs: list[Job], at: dt.datetime) -> list[uuid.UUID]:
    """Jobs the remittance pays without an invoice of the user's: the remittance stands as
    their invoice (a job invoiced by the user is paid when its invoice is)."""
    paid: list[uuid.UUID] = []
    for job in jobs:
        if job.status == job_models.PAID or job.invoice_id is not None:
            continue
        if job.status != job_models.INVOICED:
            job_services.mark_invoiced(user_id, job.id, invoice_id=None, at=at)
        job_services.mark_paid(user_id, job.id, at=at)
        paid.append(job.id)
    return paid


def post_remittance(remittance: Remittance, data: PostInput) -> PostResult:
    """Post a matched remittance in the current transaction.

    Per line: a line whose job the user invoiced settles that invoice (a payment of what the
    agency paid for the job before commission, at most what the invoice still owes, on the day
    the money arrived: :mod:`.settling`); any other line's gross fee (plus expenses reimbursed)
    is recorded as :class:`AgencyIncome` on that day. The commission and its VAT become an
    expense (SA103F box 28, paid by deduction, ``external_ref="remittance:<id>:<line id>"``).
    Jobs without an invoice of the user's are marked paid (first marked invoiced, the
    remittance standing as their invoice); the bank deposit is reconciled.

    Posting again changes nothing. Refuses (nothing written) a remittance that is not matched,
    whose figures do not add up, dated in a closed period or — unless ``data.confirmed`` —
    that has other discrepancies.
    """
    if remittance.status == POSTED:
        return PostResult(remittance, [], [], [], already_posted=True)
    _check_ready(remittance, data.confirmed)
    user_id = remittance.user_id
    jobs = _load_jobs(remittance)
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
    if txn is None:
        # Its deposit, matched to the job's invoice before the remittance came: the same money.
        invoices = settling.load_invoices(user_id, jobs.values())
        txn = settling.deposit_matched_to_invoice(
            remittance, {invoice.id for invoice in invoices.values()}
        )
        if txn is not None:
            remittance.bank_transaction_id = txn.id
    received_on = txn.posted_on if txn is not None else remittance.date
    try:
        ledger.ensure_open(db.session(), user_id, min(received_on, remittance.date))
    except ledger.LedgerError as exc:
        raise RemittanceError(exc.message, "date", code=exc.code) from exc
    settled = settling.record_payments(remittance, jobs.values(), received_on, txn)
    incomes: list[AgencyIncome] = []
    expense_ids: list[uuid.UUID] = []
    for line in remittance.lines:
        job = jobs.get(line.job_id) if line.job_id else None
        label = (
            line.label or (job.title if job else "") or str(_l("line %(n)d", n=line.position + 1))
        )
        expense_id = _commission_expense(remittance, line, label)
        if expense_id is not None:
            expense_ids.append(expense_id)
        existing = db.session.scalar(
            sa.select(AgencyIncome).where(AgencyIncome.remittance_line_id == line.id)
        )
        if existing is None:
            income = _income_row(remittance, line, received_on, expense_id, settled.get(line.id))
            db.session.add(income)
            incomes.append(income)
    now = utcnow()
    paid = _mark_jobs_paid(user_id, list(jobs.values()), now)
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
