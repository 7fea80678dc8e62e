"""Jobs, with their fee lines and the agency commission figures: booked, changed, moved
through their statuses, deleted, their files attached and removed, usage licences renewed:
the job pages' actions, through the same services."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from flask import Response, abort
from flask_login import current_user
from pydantic import AfterValidator, Field, model_validator
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, ListQuery, Money, MoneyIn, Out, Page, Text
from minimin.contacts.kinds import KINDS_OF_WORK
from minimin.contacts.models import QUOTING_FEE_INCLUSIVE, QUOTING_FEE_PLUS_AGENCY_FEE
from minimin.core.dates import MAX_YEAR, MIN_YEAR
from minimin.core.money import Money as ExactMoney
from minimin.core.tenancy import owned_or_404, parse_uuid
from minimin.core.uploads import UploadError
from minimin.jobs import listing, renewal, services
from minimin.jobs.models import (
    CURRENCIES,
    DESCRIPTION_MAX,
    FEE_KINDS,
    LOCATION_MAX,
    MAX_DATES,
    MAX_FEE_LINES,
    NOTES_MAX,
    STATUSES,
    TITLE_MAX,
    USAGE_TEXT_MAX,
    FeeLine,
    Job,
    JobAttachment,
)

JobStatus = Literal[STATUSES]  # type: ignore[valid-type]
Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
FeeKind = Literal[FEE_KINDS]  # type: ignore[valid-type]
KindOfWork = Literal[tuple(code for code, _label in KINDS_OF_WORK)]  # type: ignore[valid-type]
QuotingMode = Literal[QUOTING_FEE_INCLUSIVE, QUOTING_FEE_PLUS_AGENCY_FEE]  # type: ignore[valid-type]
QUANTITY_PLACES = Decimal("0.001")
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=3)]


def _in_years(value: dt.date) -> dt.date:
    # The years the job form accepts: a typo such as 0226 is refused, not booked.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"Enter a year between {MIN_YEAR} and {MAX_YEAR}.")
    return value


def _local(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("Give the UK local time, with no time zone.")
    return value.replace(microsecond=0)


Day = Annotated[dt.date, AfterValidator(_in_years)]
LocalTime = Annotated[dt.time, AfterValidator(_local)]


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
    id: uuid.UUID
    kind: str
    description: str | None
    quantity: Decimal
    unit_amount: Money
    amount: Money
    commissionable: bool
    vat_applies: bool
    media: str | None
    territory: str | None
    term: str | None
    usage_expires_on: dt.date | None
    renewed_by_job_id: uuid.UUID | None = Field(
        description="The job that bills this usage licence's renewal, once renewed."
    )


class JobDateOut(Out):
    day: dt.date
    starts_at: dt.time | None
    ends_at: dt.time | None


class JobAttachmentOut(Out):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int


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
    commission_vat: bool
    quoting: str
    agency_fee_percent: Decimal | None
    mother_agency_share_percent: Decimal | None
    cancellation_fee: Money | None
    days: list[dt.date]
    dates: list[JobDateOut]
    fee_lines: list[FeeLineOut]
    attachments: list[JobAttachmentOut]
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
        id=line.id,
        kind=line.kind,
        description=line.description,
        # As the column stores it (three places), also for a line just written.
        quantity=Decimal(line.quantity).quantize(QUANTITY_PLACES),
        unit_amount=Money.of(line.unit_amount_pence, currency),
        amount=Money.of(line.amount_pence, currency),
        commissionable=line.commissionable,
        vat_applies=line.vat_applies,
        media=line.media,
        territory=line.territory,
        term=line.term,
        usage_expires_on=line.usage_expires_on,
        renewed_by_job_id=line.renewed_by_job_id,
    )


def _attachment_out(attachment: JobAttachment) -> JobAttachmentOut:
    stored = attachment.file
    return JobAttachmentOut(
        id=attachment.id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
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
        commission_vat=job.commission_vat,
        quoting=job.quoting,
        agency_fee_percent=job.agency_fee_percent,
        mother_agency_share_percent=job.mother_agency_share_percent,
        cancellation_fee=Money.maybe(job.cancellation_fee_pence, job.currency),
        days=[d.day for d in job.dates],
        dates=[JobDateOut(day=d.day, starts_at=d.starts_at, ends_at=d.ends_at) for d in job.dates],
        fee_lines=[_fee_line(line, job.currency) for line in job.fee_lines],
        attachments=[_attachment_out(a) for a in job.attachments],
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


# --------------------------------------------------------------------------- writes


class JobDateIn(In):
    day: Day
    starts_at: LocalTime | None = None
    ends_at: LocalTime | None = None


class FeeLineIn(In):
    kind: FeeKind
    description: Text(DESCRIPTION_MAX) | None = None  # type: ignore[valid-type]
    quantity: Decimal = Field(default=Decimal(1), ge=0, lt=Decimal("1000000000"), decimal_places=3)
    unit_amount: MoneyIn
    commissionable: bool | None = Field(
        default=None, description="Null: as usual for the kind (no commission on expenses)."
    )
    vat_applies: bool | None = Field(
        default=None, description="Null: as the job. False: outside the scope (a disbursement)."
    )
    media: Text(USAGE_TEXT_MAX) | None = None  # type: ignore[valid-type]
    territory: Text(USAGE_TEXT_MAX) | None = None  # type: ignore[valid-type]
    term: Text(USAGE_TEXT_MAX) | None = None  # type: ignore[valid-type]
    usage_expires_on: Day | None = None

    def to_input(self) -> services.FeeLineInput:
        return services.FeeLineInput(
            kind=self.kind,
            quantity=self.quantity,
            unit_amount_pence=self.unit_amount.pence(),
            description=self.description or None,
            commissionable=self.commissionable,
            vat_applies=self.vat_applies,
            media=self.media or None,
            territory=self.territory or None,
            term=self.term or None,
            usage_expires_on=self.usage_expires_on,
        )


class JobIn(In):
    """A job as the job form takes it. A commission term left null takes the agency's terms
    (for the job's kind of work), on booking and on every change."""

    title: Text(TITLE_MAX, min_length=1)  # type: ignore[valid-type]
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    location: Text(LOCATION_MAX) | None = None  # type: ignore[valid-type]
    kind_of_work: KindOfWork | None = None  # type: ignore[valid-type]
    currency: Currency = "GBP"
    notes: Text(NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]
    commission_percent: Percent | None = None
    commission_vat: bool | None = None
    quoting: QuotingMode | None = None
    agency_fee_percent: Percent | None = None
    mother_agency_share_percent: Percent | None = None
    dates: list[JobDateIn] = Field(max_length=MAX_DATES)
    fee_lines: list[FeeLineIn] = Field(default_factory=list, max_length=MAX_FEE_LINES)

    @model_validator(mode="after")
    def _consistent(self) -> JobIn:
        if self.client_id is None and self.agency_id is None:
            raise ValueError("Choose a client, an agency or both.")
        for line in self.fee_lines:
            if line.unit_amount.currency != self.currency:
                raise ValueError("Each fee line's unit amount must be in the job's currency.")
        return self

    def to_input(self) -> services.JobInput:
        return services.JobInput(
            title=self.title,
            client_id=self.client_id,
            agency_id=self.agency_id,
            location=self.location or None,
            kind_of_work=self.kind_of_work,
            notes=self.notes or None,
            currency=self.currency,
            commission_percent=self.commission_percent,
            commission_vat=self.commission_vat,
            quoting=self.quoting,
            agency_fee_percent=self.agency_fee_percent,
            mother_agency_share_percent=self.mother_agency_share_percent,
            dates=[
                services.DateInput(day=d.day, starts_at=d.starts_at, ends_at=d.ends_at)
                for d in self.dates
            ],
            fee_lines=[line.to_input() for line in self.fee_lines],
        )


class JobStatusIn(In):
    status: JobStatus
    cancellation_fee: MoneyIn | None = Field(
        default=None, description="Only when cancelling: the fee agreed for the cancellation."
    )

    def to_input(self) -> services.StatusInput:
        fee = self.cancellation_fee
        return services.StatusInput(
            status=self.status, cancellation_fee_pence=fee.pence() if fee else None
        )


class UsageRenewalIn(In):
    """The renewal's terms: its fee (excluding VAT) and new expiry date are required."""

    fee: MoneyIn
    expires_on: Day
    description: Text(DESCRIPTION_MAX) | None = None  # type: ignore[valid-type]
    media: Text(USAGE_TEXT_MAX) | None = None  # type: ignore[valid-type]
    territory: Text(USAGE_TEXT_MAX) | None = None  # type: ignore[valid-type]
    term: Text(USAGE_TEXT_MAX) | None = None  # type: ignore[valid-type]

    def to_input(self) -> renewal.RenewalInput:
        return renewal.RenewalInput(
            fee_pence=self.fee.pence(),
            expires_on=self.expires_on,
            description=self.description or None,
            media=self.media or None,
            territory=self.territory or None,
            term=self.term or None,
        )


def _wrong_currency(field: str, currency: str) -> ApiProblem:
    return ApiProblem(
        422,
        errors=[{"field": field, "code": "currency", "detail": f"This job is in {currency}."}],
    )


@operation(
    "POST",
    "/jobs",
    summary="Book a job",
    tag="jobs",
    scope="jobs:write",
    body=JobIn,
    response=JobOut,
    status=201,
    covers=("jobs.new",),
)
def create_job(body: JobIn) -> JobOut:
    """As the job form: a new job is an enquiry, with at least one date; a client or agency
    of yours."""
    return _job_out(services.create_job(current_user.id, body.to_input()))


@operation(
    "PUT",
    "/jobs/<job_id>",
    summary="Change a job (its details, dates and fee lines, all sent again)",
    tag="jobs",
    scope="jobs:write",
    body=JobIn,
    response=JobOut,
    covers=("jobs.edit",),
    load=(Job, "job"),
    lock=True,
)
def update_job(job: Job, body: JobIn) -> JobOut:
    """The dates and fee lines sent replace the job's. An invoiced or paid job is the record
    of what was billed: refused with 409."""
    services.update_job(job, body.to_input())
    return _job_out(job)


@operation(
    "DELETE",
    "/jobs/<job_id>",
    summary="Delete a job",
    tag="jobs",
    scope="jobs:write",
    status=204,
    covers=("jobs.delete",),
    load=(Job, "job"),
    lock=True,
)
def delete_job(job: Job) -> Response:
    """With its attached files. An invoiced or paid job is refused with 409."""
    services.delete_job(job)
    return Response(status=204)


@operation(
    "POST",
    "/jobs/<job_id>/status",
    summary="Move a job to another status",
    tag="jobs",
    scope="jobs:write",
    body=JobStatusIn,
    response=JobOut,
    covers=("jobs.change_status",),
    load=(Job, "job"),
    lock=True,
)
def change_job_status(job: Job, body: JobStatusIn) -> JobOut:
    """The moves the job page offers (enquiry, options, confirmed, completed, cancelled, with
    an optional cancellation fee); a job becomes invoiced and paid only through its invoice,
    and an invoiced job's status follows the invoice (409)."""
    if body.cancellation_fee is not None and body.cancellation_fee.currency != job.currency:
        raise _wrong_currency("cancellation_fee.currency", job.currency)
    services.change_status(job, body.to_input())
    return _job_out(job)


@operation(
    "POST",
    "/jobs/<job_id>/attachments",
    summary="Attach a file to a job (a call sheet, a brief: PDF or image)",
    tag="jobs",
    scope="jobs:write",
    response=JobAttachmentOut,
    status=201,
    upload="file",
    covers=("jobs.add_attachment",),
    load=(Job, "job"),
    lock=True,
)
def add_job_attachment(job: Job, upload: FileStorage) -> JobAttachmentOut:
    """Send the file as multipart/form-data in the part named ``file`` (PDF, PNG, JPEG or
    WebP, up to 20 MB; at most 20 files a job)."""
    # werkzeug types an upload's stream as IO[bytes]; it is a binary file.
    data = services.AttachmentInput(file=upload.stream, filename=upload.filename)  # type: ignore[arg-type]
    try:
        attachment = services.add_attachment(job, data)
    except UploadError as exc:
        status = exc.status if exc.status in (413, 415) else 422
        raise ApiProblem(
            status, exc.message, errors=[{"field": "file", "code": "upload", "detail": exc.message}]
        ) from exc
    return _attachment_out(attachment)


@operation(
    "DELETE",
    "/jobs/<job_id>/attachments/<attachment_id>",
    summary="Remove a file from a job",
    tag="jobs",
    scope="jobs:write",
    status=204,
    covers=("jobs.remove_attachment",),
    load=(JobAttachment, "attachment"),
    lock=True,
)
def remove_job_attachment(job_id: str, attachment: JobAttachment) -> Response:
    """The file is deleted once the removal is done."""
    if attachment.job_id != parse_uuid(job_id):
        abort(404)
    services.remove_attachment(attachment)
    return Response(status=204)


@operation(
    "POST",
    "/jobs/<job_id>/fee-lines/<line_id>/renewal",
    summary="Renew a usage / buyout licence (billed as a new job)",
    tag="jobs",
    scope="jobs:write",
    body=UsageRenewalIn,
    response=JobOut,
    status=201,
    covers=("jobs.renew_usage",),
    load=(FeeLine, "line"),
)
def renew_usage(job_id: str, line: FeeLine, body: UsageRenewalIn) -> JobOut:
    """As the renew button of the job page: the renewal is a new completed job (ready to
    invoice) for the same client or agency and terms, with one usage line carrying the new
    expiry date; the line renewed gets no more reminders. A line that cannot be renewed (not
    a usage line, already renewed, its job not completed) is refused with 409."""
    if line.job_id != parse_uuid(job_id):
        abort(404)
    job = line.job
    if body.fee.currency != job.currency:
        raise _wrong_currency("fee.currency", job.currency)
    renewed = renewal.renew_usage(job, line, body.to_input())
    return _job_out(renewed)
