"""Ledger sources: agency work and the remittances that pay for it.

Two kinds post (rules in :mod:`minimin.ledger.rules.agency`):

- ``agency_job``: an agency job done that no invoice of the user's covers, earned on the
  accruals basis on the day it was done (the accruals agency turnover the reports showed);
- ``remittance``: a posted remittance, on the day its money arrived. A line whose job the user
  invoiced settles the invoice through a payment (posted as a ``payment`` by the invoices
  source), so it posts nothing itself.

Whether a job is earned as done is read from the job as it is now by both kinds, so the agency
job's debit and the remittance's credit of the agency's debtor always agree: a change to a job
touches its remittances too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from minimin.jobs import models as job_models
from minimin.jobs.models import Job
from minimin.ledger import posting
from minimin.ledger.entries import Posting
from minimin.ledger.rules import agency as rules
from minimin.remittances.models import POSTED, AgencyIncome, Remittance, RemittanceLine

REMITTANCE = "remittance"
AGENCY_JOB = "agency_job"

#: Agency jobs that count as earned (done) on the accruals basis.
EARNED_JOB_STATUSES = (job_models.COMPLETED, job_models.INVOICED, job_models.PAID)
#: A job's columns that decide whether and how it is earned as done.
_EARNING_FIELDS = (
    "status",
    "invoice_id",
    "agency_id",
    "starts_on",
    "ends_on",
    "gross_pence",
    "currency",
)

Touched = Iterable[tuple[str, uuid.UUID | None]]


# --------------------------------------------------------------------------- agency jobs


def job_facts(job: Job) -> rules.AgencyJob:
    return rules.AgencyJob(
        id=job.id,
        title=job.title,
        agency_id=job.agency_id,
        earned=job.status in EARNED_JOB_STATUSES,
        invoiced_by_user=job.invoice_id is not None,
        done_on=job.ends_on or job.starts_on,
        gross=job.gross_pence or 0,
        currency=job.currency,
    )


def post_agency_job(session: Session, job_id: uuid.UUID) -> Posting | None:
    job = session.get(Job, job_id)
    if job is None:
        return None
    return rules.agency_job_posting(job_facts(job))


def list_agency_jobs(session: Session, user_id: uuid.UUID) -> Iterable[uuid.UUID]:
    """The user's jobs earned as done (the SQL of :func:`rules.accrues`)."""
    return session.scalars(
        sa.select(Job.id).where(
            Job.user_id == user_id,
            Job.agency_id.is_not(None),
            Job.invoice_id.is_(None),
            Job.status.in_(EARNED_JOB_STATUSES),
            sa.func.coalesce(Job.ends_on, Job.starts_on).is_not(None),
        )
    ).all()


def _earning_changed(job: Job) -> bool:
    state: Any = sa.inspect(job)
    if state.pending or state.deleted or state.was_deleted:
        return True
    return any(state.attrs[name].history.has_changes() for name in _EARNING_FIELDS)


def job_touches(job: Job) -> Touched:
    """The job itself and, when what it earns changed, the posted remittances paying it (their
    lines credit its debtor on the accruals basis only while it is earned as done)."""
    touched: list[tuple[str, uuid.UUID | None]] = [(AGENCY_JOB, job.id)]
    session = object_session(job)
    if session is None or not _earning_changed(job):
        return touched
    remittance_ids = session.scalars(
        sa.select(RemittanceLine.remittance_id).where(RemittanceLine.job_id == job.id).distinct()
    )
    touched.extend((REMITTANCE, remittance_id) for remittance_id in remittance_ids)
    return touched


# --------------------------------------------------------------------------- remittances


def _line_facts(line: RemittanceLine, job: Job | None) -> rules.RemittanceLine:
    return rules.RemittanceLine(
        gross=line.gross_pence,
        fee_vat=line.fee_vat_pence,
        expenses=line.expenses_pence,
        job_id=line.job_id,
        settles_invoice=job is not None and job.invoice_id is not None,
        job_accrued=job is not None and rules.accrues(job_facts(job)),
        label=line.label or (job.title if job is not None else ""),
    )


def _received_on(session: Session, remittance: Remittance) -> dt.date:
    """The day the money arrived, as posting the remittance recorded it on its income rows."""
    received = session.scalar(
        sa.select(sa.func.min(AgencyIncome.received_on)).where(
            AgencyIncome.remittance_id == remittance.id
        )
    )
    return received or remittance.date


def remittance_facts(session: Session, remittance: Remittance) -> rules.Remittance:
    job_ids = [line.job_id for line in remittance.lines if line.job_id]
    jobs = {
        job.id: job
        for job in session.scalars(
            sa.select(Job).where(Job.user_id == remittance.user_id, Job.id.in_(job_ids))
        )
    }
    return rules.Remittance(
        agency_id=remittance.agency_id,
        received_on=_received_on(session, remittance),
        lines=tuple(
            _line_facts(line, jobs.get(line.job_id) if line.job_id else None)
            for line in remittance.lines
        ),
        currency=remittance.currency,
        reference=remittance.reference or "",
        agency_name=remittance.agency.name if remittance.agency is not None else "",
    )


def post_remittance(session: Session, remittance_id: uuid.UUID) -> Posting | None:
    remittance = session.get(Remittance, remittance_id)
    if remittance is None or remittance.status != POSTED:
        return None
    return rules.remittance_posting(remittance_facts(session, remittance))


def list_remittances(session: Session, user_id: uuid.UUID) -> Iterable[uuid.UUID]:
    return session.scalars(
        sa.select(Remittance.id).where(Remittance.user_id == user_id, Remittance.status == POSTED)
    ).all()


def _remittance_of(row: Any) -> Touched:
    """A remittance, one of its lines or its income rows."""
    remittance_id = row.id if isinstance(row, Remittance) else row.remittance_id
    return [(REMITTANCE, remittance_id)]


def register() -> None:
    """Register this family's documents with :mod:`minimin.ledger.posting`."""
    posting.source(AGENCY_JOB, post_agency_job, list_agency_jobs)
    posting.watch(Job, job_touches)
    posting.source(REMITTANCE, post_remittance, list_remittances)
    for model in (Remittance, RemittanceLine, AgencyIncome):
        posting.watch(model, _remittance_of)
