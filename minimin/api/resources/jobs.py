"""Jobs, with their fee lines and the agency commission figures."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from flask_login import current_user
from pydantic import Field

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.schemas import ListQuery, Money, Out, Page
from minimin.core.money import Money as ExactMoney
from minimin.core.tenancy import owned_or_404
from minimin.jobs import listing, services
from minimin.jobs.models import STATUSES, FeeLine, Job

JobStatus = Literal[STATUSES]  # type: ignore[valid-type]


class JobQuery(ListQuery):
    status: JobStatus | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    date_from: dt.date | None = Field(default=None, description="Jobs with a day on or after.")
    date_to: dt.date | None = Field(default=None, description="Jobs with a day on or before.")
    to_invoice: bool = Field(default=False, description="Only jobs waiting for an invoice.")


class JobSummary(Out):
    id: uuid.UUID
    title: str
    status: str
    client_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    currency: str
    gross: Money | None
    net: Money | None
    invoice_id: uuid.UUID | None


class FeeLineOut(Out):
    kind: str
    description: str | None
    quantity: Decimal
    unit_amount: Money
    amount: Money
    commissionable: bool
    vat_applies: bool
    usage_expires_on: dt.date | None


class Commission(Out):
    """Every figure of the booking, as the job page shows it."""

    gross: Money
    fees: Money
    agency_fee: Money
    expenses: Money
    commission_base: Money
    commission: Money
    vat_on_commission: Money
    output_vat: Money
    mother_agency_commission: Money
    collected: Money
    net_paid: Money


class JobOut(JobSummary):
    location: str | None
    kind_of_work: str | None
    notes: str | None
    commission_percent: Decimal | None
    cancellation_fee: Money | None
    days: list[dt.date]
    fee_lines: list[FeeLineOut]
    commission: Commission


def _summary(job: Job) -> JobSummary:
    return JobSummary(
        id=job.id,
        title=job.title,
        status=job.status,
        client_id=job.client_id,
        agency_id=job.agency_id,
        starts_on=job.starts_on,
        ends_on=job.ends_on,
        currency=job.currency,
        gross=Money.maybe(job.gross_pence, job.currency),
        net=Money.maybe(job.net_pence, job.currency),
        invoice_id=job.invoice_id,
    )


def _money(value: ExactMoney) -> Money:
    return Money(**value.to_json())


def _fee_line(line: FeeLine, currency: str) -> FeeLineOut:
    return FeeLineOut(
        kind=line.kind,
        description=line.description,
        quantity=line.quantity,
        unit_amount=Money.of(line.unit_amount_pence, currency),
        amount=Money.of(line.amount_pence, currency),
        commissionable=line.commissionable,
        vat_applies=line.vat_applies,
        usage_expires_on=line.usage_expires_on,
    )


def _job_out(job: Job) -> JobOut:
    totals = services.job_totals(job)
    figures = {name: _money(getattr(totals, name)) for name in Commission.model_fields}
    return JobOut(
        **_summary(job).model_dump(),
        location=job.location,
        kind_of_work=job.kind_of_work,
        notes=job.notes,
        commission_percent=job.commission_percent,
        cancellation_fee=Money.maybe(job.cancellation_fee_pence, job.currency),
        days=[d.day for d in job.dates],
        fee_lines=[_fee_line(line, job.currency) for line in job.fee_lines],
        commission=Commission(**figures),
    )


@operation(
    "GET",
    "/jobs",
    summary="List jobs",
    tag="jobs",
    scope="jobs:read",
    query=JobQuery,
    response=Page[JobSummary],
)
def list_jobs(query: JobQuery) -> Page[JobSummary]:
    """Newest first; the filters of the jobs page."""
    filters = listing.JobFilters(
        status=query.status,
        client_id=query.client_id,
        agency_id=query.agency_id,
        date_from=query.date_from,
        date_to=query.date_to,
        to_invoice=query.to_invoice,
    )
    statement = listing.filtered(current_user.id, filters)
    return paging.page(statement, Job, query, _summary)


@operation(
    "GET",
    "/jobs/<job_id>",
    summary="One job, with fee lines and commission figures",
    tag="jobs",
    scope="jobs:read",
    response=JobOut,
)
def get_job(job_id: str) -> JobOut:
    return _job_out(owned_or_404(Job, job_id))
