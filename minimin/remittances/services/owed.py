"""What agencies still owe ("agency owes you"): completed agency jobs that no posted remittance
has paid yet, with the expected net and age, grouped by agency: the remittances page's work
list. The dashboard's figure is the journal's (:func:`minimin.reports.ledger.agency_position`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from minimin.core.dates import uk_today
from minimin.extensions import db
from minimin.jobs import models as job_models
from minimin.jobs import services as job_services
from minimin.jobs.models import Job
from minimin.remittances.models import POSTED, Remittance, RemittanceLine

OWED_STATUSES = (job_models.COMPLETED, job_models.INVOICED)


@dataclass
class OwedJob:
    job: Job
    expected_net_pence: int
    gross_pence: int
    age_days: int
    currency: str


@dataclass
class AgencyOwed:
    agency_id: uuid.UUID
    agency_name: str
    jobs: list[OwedJob]
    #: Expected net per currency.
    totals: dict[str, int]
    oldest_days: int


def owed_by_agencies(user_id: uuid.UUID, today: dt.date | None = None) -> list[AgencyOwed]:
    """Completed (or invoiced) agency jobs with no posted remittance line, with the expected
    net (:func:`minimin.jobs.commission.calculate` via the job's terms) and the age in days
    since the job's last day; grouped by agency, largest total first."""
    today = today or uk_today()
    remitted = (
        sa.select(RemittanceLine.job_id)
        .join(Remittance, Remittance.id == RemittanceLine.remittance_id)
        .where(
            RemittanceLine.user_id == user_id,
            Remittance.status == POSTED,
            RemittanceLine.job_id.is_not(None),
        )
    )
    jobs = list(
        db.session.scalars(
            sa.select(Job)
            .where(
                Job.user_id == user_id,
                Job.agency_id.is_not(None),
                Job.status.in_(OWED_STATUSES),
                Job.id.not_in(remitted),
            )
            .order_by(Job.ends_on.asc().nulls_last(), Job.title)
            .options(selectinload(Job.fee_lines), selectinload(Job.agency))
        )
    )
    registered = job_services.freelancer_vat_registered(user_id)
    groups: dict[uuid.UUID, AgencyOwed] = {}
    for job in jobs:
        totals = job_services.job_totals(job, vat_registered=registered)
        ended = job.ends_on or job.starts_on or today
        age = max(0, (today - ended).days)
        owed = OwedJob(job, totals.net_paid.pence, totals.gross.pence, age, job.currency)
        assert job.agency_id is not None
        group = groups.get(job.agency_id)
        if group is None:
            name = job.agency.name if job.agency is not None else ""
            group = groups[job.agency_id] = AgencyOwed(job.agency_id, name, [], {}, 0)
        group.jobs.append(owed)
        group.totals[job.currency] = group.totals.get(job.currency, 0) + owed.expected_net_pence
        group.oldest_days = max(group.oldest_days, age)
    return sorted(groups.values(), key=lambda g: (-sum(g.totals.values()), g.agency_name))


def owed_totals(groups: Sequence[AgencyOwed]) -> dict[str, int]:
    """Grand total expected per currency over *groups*."""
    result: dict[str, int] = {}
    for group in groups:
        for currency, pence in group.totals.items():
            result[currency] = result.get(currency, 0) + pence
    return result
