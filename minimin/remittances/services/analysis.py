"""Matching a remittance: the candidate jobs and bank deposits, the three-way analysis
(suggestions and discrepancies) and saving the user's choice.

The scoring and the discrepancy rules are pure and live in :mod:`minimin.remittances.matching`;
this module loads the candidates from the database and turns rows into its plain records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from minimin.banking.models import IGNORED, RECONCILED, BankTransaction
from minimin.contacts.models import Agency
from minimin.core.db import utcnow
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.jobs import models as job_models
from minimin.jobs import services as job_services
from minimin.jobs.models import Job
from minimin.remittances import matching
from minimin.remittances.inputs import MatchInput
from minimin.remittances.models import MATCHED, POSTED, Remittance, RemittanceLine
from minimin.remittances.services import settling
from minimin.remittances.services.drafts import self_billing_warning
from minimin.remittances.services.errors import RemittanceError

#: Job statuses a remittance line may be matched to.
MATCHABLE_STATUSES = (
    job_models.CONFIRMED,
    job_models.COMPLETED,
    job_models.INVOICED,
    job_models.CANCELLED,
)


def candidate_jobs(remittance: Remittance) -> list[Job]:
    """The agency's jobs a line could be for: open ones, plus those already chosen."""
    chosen = [line.job_id for line in remittance.lines if line.job_id]
    condition = sa.and_(
        Job.agency_id == remittance.agency_id,
        Job.status.in_(MATCHABLE_STATUSES),
        Job.currency == remittance.currency,
    )
    if chosen:
        condition = sa.or_(condition, Job.id.in_(chosen))
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.user_id == remittance.user_id, condition)
            .order_by(Job.starts_on.desc().nulls_last(), Job.title)
            .limit(500)
            .options(selectinload(Job.fee_lines), selectinload(Job.dates))
        )
    )


def candidate_deposits(remittance: Remittance) -> list[BankTransaction]:
    """Incoming bank transactions in the deposit window that are still open (or chosen)."""
    first, last = matching.deposit_window(remittance.date)
    claimed = (
        sa.select(Remittance.bank_transaction_id)
        .where(
            Remittance.user_id == remittance.user_id,
            Remittance.id != remittance.id,
            Remittance.bank_transaction_id.is_not(None),
        )
        .scalar_subquery()
    )
    condition = sa.and_(
        BankTransaction.amount_pence > 0,
        BankTransaction.posted_on >= first,
        BankTransaction.posted_on <= last,
        BankTransaction.currency == remittance.currency,
        BankTransaction.reconciliation.not_in((RECONCILED, IGNORED)),
        BankTransaction.id.not_in(claimed),
    )
    if remittance.bank_transaction_id:
        condition = sa.or_(condition, BankTransaction.id == remittance.bank_transaction_id)
    return list(
        db.session.scalars(
            sa.select(BankTransaction)
            .where(BankTransaction.user_id == remittance.user_id, condition)
            .order_by(BankTransaction.posted_on, BankTransaction.id)
            .limit(500)
        )
    )


def agreed_commission_percent(job: Job, agency: Agency | None) -> Decimal:
    """The job's own commission rate (its override), else the agency's for the kind of work."""
    if job.commission_percent is not None:
        return Decimal(job.commission_percent)
    if agency is not None:
        return agency.commission_rate_for(job.kind_of_work)
    return Decimal(0)


def job_in(job: Job, agency: Agency | None) -> matching.JobIn:
    totals = job_services.job_totals(job, vat_registered=False)
    return matching.JobIn(
        id=job.id,
        title=job.title,
        days=tuple(d.day for d in job.dates),
        gross_pence=totals.fees.pence,
        commission_percent=agreed_commission_percent(job, agency),
        commission_vat=bool(job.commission_vat),
        vat_percent=totals.vat_percent,
    )


def _line_in(line: RemittanceLine, job_id: uuid.UUID | None = None) -> matching.LineIn:
    return matching.LineIn(
        index=line.position,
        reference=line.reference or "",
        description=line.description or "",
        work_date=line.work_date,
        gross_pence=line.gross_pence,
        fee_vat_pence=line.fee_vat_pence,
        commission_pence=line.commission_pence,
        commission_vat_pence=line.commission_vat_pence,
        expenses_pence=line.expenses_pence,
        net_pence=line.net_pence,
        job_id=job_id if job_id is not None else line.job_id,
    )


def _deposit_in(txn: BankTransaction) -> matching.DepositIn:
    text = " ".join((txn.description or "", txn.counterparty or "", txn.reference or ""))
    return matching.DepositIn(txn.id, txn.posted_on, txn.amount_pence, text)


@dataclass
class Analysis:
    """The three-way match of one remittance, for its page."""

    jobs: list[Job]
    deposits: list[BankTransaction]
    job_suggestions: dict[int, matching.JobSuggestion]
    deposit_suggestions: list[matching.DepositSuggestion]
    discrepancies: list[matching.Discrepancy]
    #: line position -> the job chosen, else the suggestion
    proposed_jobs: dict[int, uuid.UUID | None]
    proposed_deposit: uuid.UUID | None
    self_billing_warning: Any | None

    @property
    def blocking(self) -> list[matching.Discrepancy]:
        return [d for d in self.discrepancies if d.blocking]


def analyse(remittance: Remittance) -> Analysis:
    """Suggest a job for each line and the bank deposit; list the discrepancies of the
    remittance as it stands (chosen jobs and deposit, else the suggestions)."""
    agency = remittance.agency
    jobs = candidate_jobs(remittance)
    jobs_in = {job.id: job_in(job, agency) for job in jobs}
    unmatched = [j for j in jobs_in.values() if j.id not in {ln.job_id for ln in remittance.lines}]
    open_lines = [_line_in(line) for line in remittance.lines if line.job_id is None]
    suggestions = matching.suggest_jobs(open_lines, unmatched)
    proposed = {
        line.position: line.job_id
        or (suggestions[line.position].job_id if line.position in suggestions else None)
        for line in remittance.lines
    }
    deposits = candidate_deposits(remittance)
    words = [agency.name, remittance.reference or "", remittance.agency_invoice_number or ""]
    deposit_suggestions = matching.suggest_deposits(
        remittance.total_net_pence,
        remittance.date,
        [_deposit_in(t) for t in deposits],
        words=words,
    )
    proposed_deposit = remittance.bank_transaction_id
    if proposed_deposit is None and deposit_suggestions and deposit_suggestions[0].exact:
        proposed_deposit = deposit_suggestions[0].deposit_id
    by_id = {t.id: t for t in deposits}
    deposit = by_id.get(proposed_deposit) if proposed_deposit else None
    discrepancies = matching.find_discrepancies(
        [_line_in(line, proposed[line.position]) for line in remittance.lines],
        jobs_in,
        total_net_pence=remittance.total_net_pence,
        deposit=_deposit_in(deposit) if deposit is not None else None,
    )
    chosen_jobs = [job for job in jobs if job.id in set(proposed.values())]
    invoices = settling.load_invoices(remittance.user_id, chosen_jobs)
    discrepancies += matching.settlement_discrepancies(
        settling.planned(remittance, proposed, invoices)
    )
    return Analysis(
        jobs=jobs,
        deposits=deposits,
        job_suggestions=suggestions,
        deposit_suggestions=deposit_suggestions,
        discrepancies=discrepancies,
        proposed_jobs=proposed,
        proposed_deposit=proposed_deposit,
        self_billing_warning=self_billing_warning(agency, remittance.kind, remittance.date),
    )


def save_match(remittance: Remittance, data: MatchInput) -> Remittance:
    """Record the job of each line (by position; a line not named has none) and the bank
    deposit; the remittance becomes ``matched``. Jobs must be the user's and the agency's, a
    job on one line only; the deposit must be one of :func:`candidate_deposits`."""
    if remittance.status == POSTED:
        raise RemittanceError(
            _l("This remittance has been posted: its match cannot change."), code=CONFLICT
        )
    job_ids = data.job_ids
    bank_transaction_id = data.bank_transaction_id
    positions = {line.position for line in remittance.lines}
    unknown = sorted(p for p in job_ids if p not in positions)
    if unknown:
        raise RemittanceError(
            _l("This remittance has no line %(n)d.", n=unknown[0] + 1), "lines", code="unknown"
        )
    chosen = [j for j in job_ids.values() if j is not None]
    if len(chosen) != len(set(chosen)):
        raise RemittanceError(_l("A job can be paid by one line only: choose it once."), "lines")
    allowed_jobs = {job.id for job in candidate_jobs(remittance)}
    if any(j not in allowed_jobs for j in chosen):
        raise RemittanceError(_l("Choose one of this agency's open jobs."), "lines")
    if bank_transaction_id is not None:
        allowed = {t.id for t in candidate_deposits(remittance)}
        if bank_transaction_id not in allowed:
            raise RemittanceError(
                _l("Choose an incoming bank transaction from the list."), "bank_transaction_id"
            )
    for line in remittance.lines:
        line.job_id = job_ids.get(line.position)
    remittance.bank_transaction_id = bank_transaction_id
    remittance.status = MATCHED
    remittance.matched_at = utcnow()
    db.session.flush()
    return remittance
