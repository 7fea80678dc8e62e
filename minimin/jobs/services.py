"""Job services: booking, editing, status changes, attachments, money and usage reminders.

Lists and the calendar are in :mod:`minimin.jobs.listing`.

Services add and flush, never commit (docs/design-rules.md, rule 3). Every function that takes
ids also
takes the owner's ``user_id`` and refuses anything that is not that user's.

Public API for the invoices feature (call inside the invoice's own transaction):

* :func:`mark_invoiced` — jobs become ``invoiced`` when an invoice is created from them;
* :func:`mark_paid` — jobs become ``paid`` when that invoice is paid in full;
* :func:`revert_invoiced` — when the invoice is voided by a credit note, its jobs go back to
  ``completed`` (or ``cancelled`` if they were cancelled with a fee) so they can be invoiced again;
* :func:`job_totals` — gross, commission, VAT on commission and expected net of one job;
* :func:`minimin.jobs.listing.invoiceable_jobs` — the user's completed jobs, and cancelled jobs
  with a cancellation fee, not yet invoiced.

Renewing a usage / buyout licence (a new job billing the renewal) is in
:mod:`minimin.jobs.renewal`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from minimin.contacts.models import CONTACTS_CHANGED, QUOTING_FEE_PLUS_AGENCY_FEE, Agency, Client
from minimin.core import changes
from minimin.core.db import utcnow
from minimin.core.money import Money
from minimin.core.uploads import UploadError
from minimin.core.user_error import CONFLICT, UserError
from minimin.extensions import db
from minimin.files.models import DOCUMENT
from minimin.files.services import remove_file, store_upload
from minimin.jobs.commission import (
    CommissionLine,
    CommissionResult,
    CommissionTerms,
    LineKind,
    Quoting,
    calculate,
)
from minimin.jobs.models import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    ENQUIRY,
    FEE_ONLY_STATUSES,
    INVOICED,
    MAX_ATTACHMENTS,
    MAX_DATES,
    MAX_FEE_LINES,
    MAX_PENCE,
    OPTION_FIRST,
    OPTION_SECOND,
    PAID,
    PASS_THROUGH_KINDS,
    STATUS_LABELS,
    STATUSES,
    USAGE,
    FeeLine,
    Job,
    JobAttachment,
    JobDate,
    JobStatusChange,
)


class JobError(UserError):
    """A change to a job that cannot be made."""


# ----------------------------------------------------------------------------- status rules

#: Moves a user may make by hand. ``invoiced`` and ``paid`` are reached only through the
#: invoices feature (:func:`mark_invoiced`, :func:`mark_paid`), so that a job never says it was
#: invoiced when no invoice exists.
USER_TRANSITIONS: dict[str, frozenset[str]] = {
    ENQUIRY: frozenset({OPTION_FIRST, OPTION_SECOND, CONFIRMED, CANCELLED}),
    OPTION_FIRST: frozenset({ENQUIRY, OPTION_SECOND, CONFIRMED, CANCELLED}),
    OPTION_SECOND: frozenset({ENQUIRY, OPTION_FIRST, CONFIRMED, CANCELLED}),
    CONFIRMED: frozenset({COMPLETED, CANCELLED}),
    COMPLETED: frozenset({CONFIRMED, CANCELLED}),
    INVOICED: frozenset(),
    PAID: frozenset(),
    CANCELLED: frozenset({ENQUIRY}),
}

#: Statuses from which an invoice may be raised for a job.
INVOICEABLE_FROM = frozenset({CONFIRMED, COMPLETED, CANCELLED})


def allowed_moves(job: Job) -> list[str]:
    """The statuses the user can move *job* to by hand, in workflow order."""
    targets = USER_TRANSITIONS.get(job.status, frozenset())
    return [s for s in STATUSES if s in targets]


def status_options(job: Job) -> list[str]:
    """The status dropdown: the job's own status first (selected, so the form sent unchanged
    moves nothing), then the moves forward in workflow order, cancelling, and last the moves
    back, which undo a step and must never be the one offered first."""
    moves = allowed_moves(job)
    here = STATUSES.index(job.status) if job.status in STATUSES else 0
    forward = [s for s in moves if STATUSES.index(s) > here and s != CANCELLED]
    back = [s for s in moves if STATUSES.index(s) < here]
    cancel = [CANCELLED] if CANCELLED in moves else []
    return [job.status, *forward, *cancel, *back]


def _label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _record_move(job: Job, new: str, at: datetime | None = None) -> None:
    at = at or utcnow()
    db.session.add(
        JobStatusChange(user_id=job.user_id, job=job, from_status=job.status, to_status=new, at=at)
    )
    job.status = new


@dataclass(frozen=True)
class StatusInput:
    """A move of a job by the user's hand: the new status and, when cancelling, the fee
    agreed for the cancellation (pence; ``None`` for none)."""

    status: str
    cancellation_fee_pence: int | None = None


def change_status(job: Job, data: StatusInput) -> None:
    """Move *job* to the status *data* names by the user's hand, or raise :class:`JobError`
    saying why not.

    Cancelling may record a cancellation fee (pence); reopening a cancelled job clears it.
    """
    new, cancellation_fee_pence = data.status, data.cancellation_fee_pence
    if new not in STATUSES:
        raise JobError(_l("Choose a status from the list."), "status")
    if new == job.status:
        raise JobError(_l("The job is already %(status)s.", status=_label(new)), "status")
    if new in (INVOICED, PAID):
        raise JobError(
            _l(
                "A job becomes invoiced or paid through its invoice: create an invoice from "
                "this job instead."
            ),
            "status",
        )
    if job.status in (INVOICED, PAID):
        raise JobError(
            _l(
                "This job has been invoiced, so its status follows the invoice. To change it, "
                "void the invoice with a credit note."
            ),
            code=CONFLICT,
        )
    if new not in USER_TRANSITIONS.get(job.status, frozenset()):
        raise JobError(
            _l(
                "A job cannot move from %(old)s to %(new)s.",
                old=_label(job.status),
                new=_label(new),
            ),
            "status",
        )
    if cancellation_fee_pence is not None:
        if new != CANCELLED:
            raise JobError(
                _l("A cancellation fee applies only when the job is cancelled."),
                "cancellation_fee",
            )
        _check_pence(cancellation_fee_pence, _l("The cancellation fee"), "cancellation_fee")
    fee_changes = new == CANCELLED or job.status == CANCELLED
    if new == CANCELLED:
        job.cancellation_fee_pence = cancellation_fee_pence or None
    elif job.status == CANCELLED:
        job.cancellation_fee_pence = None
    _record_move(job, new)
    if fee_changes:
        # A cancellation fee replaces the fee lines as what the job earns (job_totals), so the
        # figures the lists show are stored again.
        store_totals(job, vat_registered=freelancer_vat_registered(job.user_id))
    db.session.flush()


JobIds = uuid.UUID | str | Iterable[uuid.UUID | str]


def _owned_jobs(job_ids: JobIds, user_id: uuid.UUID) -> list[Job]:
    raw_ids = [job_ids] if isinstance(job_ids, uuid.UUID | str) else list(job_ids)
    ids: list[uuid.UUID] = []
    for raw in raw_ids:
        try:
            ids.append(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError as exc:
            raise JobError(_l("One of the jobs does not exist.")) from exc
    unique = list(dict.fromkeys(ids))
    if not unique:
        return []
    jobs = list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.id.in_(unique), Job.user_id == user_id)
            .order_by(Job.id)
            .with_for_update()
        )
    )
    if len(jobs) != len(unique):
        raise JobError(_l("One of the jobs does not exist."))
    return jobs


def mark_invoiced(
    user_id: uuid.UUID,
    job_ids: JobIds,
    *,
    invoice_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> list[Job]:
    """Record that invoice *invoice_id* now bills the jobs *job_ids* (one id or several, all
    belonging to *user_id*).

    Allowed from confirmed, completed or cancelled (a cancellation fee is invoiced too).
    Calling it again for the same invoice changes nothing. Raises :class:`JobError` (and
    changes nothing) if a job is not the user's, is still an enquiry or option, or is already
    invoiced by another invoice: a job is billed once.
    """
    jobs = _owned_jobs(job_ids, user_id)
    for job in jobs:
        if job.status in (INVOICED, PAID):
            if invoice_id is not None and job.invoice_id == invoice_id:
                continue
            raise JobError(_l("The job “%(title)s” has already been invoiced.", title=job.title))
        if job.status not in INVOICEABLE_FROM:
            raise JobError(
                _l(
                    "The job “%(title)s” is %(status)s: confirm it before invoicing it.",
                    title=job.title,
                    status=_label(job.status),
                )
            )
    now = at or utcnow()
    for job in jobs:
        if job.status in (INVOICED, PAID):
            continue
        _record_move(job, INVOICED, now)
        job.invoiced_at = now
        job.invoice_id = invoice_id
    db.session.flush()
    return jobs


def mark_paid(user_id: uuid.UUID, job_ids: JobIds, *, at: datetime | None = None) -> list[Job]:
    """Record that the invoice billing the jobs *job_ids* has been paid in full.

    Jobs already paid are left as they are (a payment event may arrive twice); a job that is
    not invoiced raises :class:`JobError` and nothing changes.
    """
    jobs = _owned_jobs(job_ids, user_id)
    for job in jobs:
        if job.status not in (INVOICED, PAID):
            raise JobError(_l("The job “%(title)s” has not been invoiced yet.", title=job.title))
    now = at or utcnow()
    for job in jobs:
        if job.status == INVOICED:
            _record_move(job, PAID, now)
            job.paid_at = now
    db.session.flush()
    return jobs


def revert_invoiced(
    user_id: uuid.UUID, job_ids: JobIds, *, at: datetime | None = None
) -> list[Job]:
    """Undo :func:`mark_invoiced` and :func:`mark_paid` when the invoice is voided by a credit
    note: the jobs return to ``completed`` (``cancelled`` if they carry a cancellation fee)
    and can be invoiced again. Jobs that are not invoiced or paid are left as they are."""
    jobs = _owned_jobs(job_ids, user_id)
    now = at or utcnow()
    for job in jobs:
        if job.status in (INVOICED, PAID):
            back = CANCELLED if job.cancellation_fee_pence else COMPLETED
            _record_move(job, back, now)
            job.invoiced_at = None
            job.paid_at = None
            job.invoice_id = None
    db.session.flush()
    return jobs


# ----------------------------------------------------------------------------- booking


@dataclass(frozen=True)
class DateInput:
    day: date
    starts_at: time | None = None
    ends_at: time | None = None


@dataclass(frozen=True)
class FeeLineInput:
    kind: str
    quantity: Decimal
    unit_amount_pence: int
    description: str | None = None
    commissionable: bool | None = None
    vat_applies: bool | None = None
    media: str | None = None
    territory: str | None = None
    term: str | None = None
    usage_expires_on: date | None = None


@dataclass(frozen=True)
class JobInput:
    """Everything the job form collects, already parsed and validated field by field."""

    title: str
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    location: str | None = None
    kind_of_work: str | None = None
    notes: str | None = None
    currency: str = "GBP"
    #: ``None`` means "take it from the agency's terms".
    commission_percent: Decimal | None = None
    commission_vat: bool | None = None
    quoting: str | None = None
    agency_fee_percent: Decimal | None = None
    mother_agency_share_percent: Decimal | None = None
    dates: Sequence[DateInput] = ()
    fee_lines: Sequence[FeeLineInput] = ()


def _check_pence(pence: int, what: Any, field: str | None = None) -> None:
    if pence < 0:
        raise JobError(_l("%(what)s must be zero or more.", what=what), field)
    if pence > MAX_PENCE:
        raise JobError(_l("%(what)s is too large.", what=what), field)


def line_amount_pence(quantity: Decimal, unit_amount_pence: int, currency: str = "GBP") -> int:
    """quantity × unit amount, rounded half-up to the penny."""
    return (Money.from_pence(unit_amount_pence, currency) * quantity).round_half_up().pence


def _owned_contact(model: type[Any], contact_id: uuid.UUID | None, user_id: uuid.UUID) -> Any:
    if contact_id is None:
        return None
    contact = db.session.scalar(
        sa.select(model).where(model.id == contact_id, model.user_id == user_id)
    )
    if contact is None:
        what = _l("client") if model is Client else _l("agency")
        field = "client_id" if model is Client else "agency_id"
        raise JobError(_l("Choose one of your own %(what)s records.", what=what), field)
    return contact


def _check_lines(data: JobInput) -> None:
    for n, d in enumerate(data.dates):
        if d.starts_at and d.ends_at and d.ends_at < d.starts_at:
            raise JobError(
                _l("A job's end time must be after its start time."), f"dates.{n}.ends_at"
            )
    for n, line in enumerate(data.fee_lines):
        usage_given = any((line.media, line.territory, line.term, line.usage_expires_on))
        if usage_given and line.kind != USAGE:
            raise JobError(
                _l("Media, territory, term and expiry apply only to a usage / buyout line."),
                f"fee_lines.{n}.kind",
            )


def _checked_agency(data: JobInput, user_id: uuid.UUID) -> Agency | None:
    """Check *data* as a whole (the form checks each field) and return the job's agency."""
    if not data.dates:
        raise JobError(_l("Add at least one date for the job."), "dates")
    if len(data.dates) > MAX_DATES:
        raise JobError(_l("A job can have at most %(n)d dates.", n=MAX_DATES), "dates")
    if len(data.fee_lines) > MAX_FEE_LINES:
        raise JobError(_l("A job can have at most %(n)d fee lines.", n=MAX_FEE_LINES), "fee_lines")
    _check_lines(data)
    with db.session.no_autoflush:  # a new job is not complete until its fields are set
        _owned_contact(Client, data.client_id, user_id)
        agency: Agency | None = _owned_contact(Agency, data.agency_id, user_id)
    return agency


def _apply(job: Job, data: JobInput, user_id: uuid.UUID) -> None:
    agency = _checked_agency(data, user_id)

    job.title = data.title
    job.client_id = data.client_id
    job.agency_id = data.agency_id
    job.location = data.location or None
    job.kind_of_work = data.kind_of_work or None
    job.notes = data.notes or None
    job.currency = data.currency

    if agency is None:
        job.commission_percent = None
        job.commission_vat = False
        job.quoting = "fee_inclusive"
        job.agency_fee_percent = None
        job.mother_agency_share_percent = None
    else:
        # A blank term takes the agency's terms (for this kind of work): "blank means the
        # agency's terms" is the one rule, on booking and on every later edit.
        job.commission_percent = (
            data.commission_percent
            if data.commission_percent is not None
            else agency.commission_rate_for(job.kind_of_work)
        )
        job.commission_vat = (
            data.commission_vat
            if data.commission_vat is not None
            else bool(agency.commission_vat_added)
        )
        job.quoting = data.quoting or agency.quoting
        if job.quoting == QUOTING_FEE_PLUS_AGENCY_FEE:
            job.agency_fee_percent = (
                data.agency_fee_percent
                if data.agency_fee_percent is not None
                else agency.agency_fee_percent
            )
        else:
            job.agency_fee_percent = None
        job.mother_agency_share_percent = (
            data.mother_agency_share_percent
            if data.mother_agency_share_percent is not None
            else agency.mother_agency_share_percent
        )

    # Dates and lines are replaced wholesale: the form always carries the complete set.
    job.dates.clear()
    job.fee_lines.clear()
    db.session.flush()
    for position, d in enumerate(sorted(data.dates, key=lambda d: (d.day, d.starts_at or time()))):
        job.dates.append(
            JobDate(
                user_id=user_id,
                position=position,
                day=d.day,
                starts_at=d.starts_at,
                ends_at=d.ends_at,
            )
        )
    job.starts_on = min(d.day for d in data.dates)
    job.ends_on = max(d.day for d in data.dates)
    for position, line in enumerate(data.fee_lines):
        where = f"fee_lines.{position}.unit_amount"
        _check_pence(line.unit_amount_pence, _l("The unit amount"), where)
        amount = line_amount_pence(line.quantity, line.unit_amount_pence, job.currency)
        _check_pence(amount, _l("A fee line's total"), where)
        pass_through = line.kind in PASS_THROUGH_KINDS
        job.fee_lines.append(
            FeeLine(
                user_id=user_id,
                position=position,
                kind=line.kind,
                description=line.description or None,
                quantity=line.quantity,
                unit_amount_pence=line.unit_amount_pence,
                amount_pence=amount,
                commissionable=(
                    line.commissionable if line.commissionable is not None else not pass_through
                ),
                # Re-billed costs and per diems are consideration for the supply: VAT-able like
                # the fee. Outside the scope (a disbursement) only when the user says so.
                vat_applies=line.vat_applies if line.vat_applies is not None else True,
                media=line.media or None,
                territory=line.territory or None,
                term=line.term or None,
                usage_expires_on=line.usage_expires_on,
            )
        )
    total = sum(line.amount_pence for line in job.fee_lines)
    _check_pence(total, _l("The job's total"), "fee_lines")
    store_totals(job, vat_registered=freelancer_vat_registered(user_id))


def create_job(user_id: uuid.UUID, data: JobInput, *, status: str = ENQUIRY) -> Job:
    """Book a new job (status enquiry unless told otherwise) and record its first status."""
    if status not in USER_TRANSITIONS or status in (INVOICED, PAID):
        raise JobError(_l("Choose a status from the list."))
    job = Job(user_id=user_id, status=status)
    job.dates = []
    job.fee_lines = []
    db.session.add(job)
    _apply(job, data, user_id)
    db.session.add(
        JobStatusChange(user_id=user_id, job=job, from_status=None, to_status=status, at=utcnow())
    )
    db.session.flush()
    return job


def update_job(job: Job, data: JobInput) -> Job:
    """Change a job's details, dates and fee lines. Invoiced and paid jobs are refused."""
    if job.is_locked:
        raise JobError(
            _l("This job has been invoiced: its details are the record of what was billed."),
            code=CONFLICT,
        )
    _apply(job, data, job.user_id)
    db.session.flush()
    return job


def delete_job(job: Job) -> None:
    """Delete a job that has not been invoiced, with its attachments (their files are removed
    once the deletion commits)."""
    if job.is_locked:
        raise JobError(_l("An invoiced job cannot be deleted."), code=CONFLICT)
    files = [attachment.file for attachment in job.attachments]
    db.session.delete(job)
    db.session.flush()
    for stored in files:
        remove_file(stored)


# ----------------------------------------------------------------------------- attachments


@dataclass(frozen=True)
class AttachmentInput:
    """A file sent to be attached to a job: its bytes and the name it was sent with."""

    file: BinaryIO
    filename: str | None = None


def add_attachment(job: Job, data: AttachmentInput) -> JobAttachment:
    """Validate and store an uploaded file (PDF, PNG, JPEG or WebP) and attach it to *job*.

    Raises :class:`~minimin.core.uploads.UploadError` (with the HTTP status) when it is
    refused; the caller's transaction then rolls back and the stored bytes are removed.
    """
    if len(job.attachments) >= MAX_ATTACHMENTS:
        raise UploadError(
            _l(
                "A job can have at most %(max)d attached files. Remove one before adding another.",
                max=MAX_ATTACHMENTS,
            )
        )
    stored = store_upload(job.user_id, data.file, data.filename, DOCUMENT)
    attachment = JobAttachment(user_id=job.user_id, job=job, file=stored)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_attachment(attachment: JobAttachment) -> None:
    """Detach and delete the file: the row now, the bytes once the removal commits."""
    stored = attachment.file
    attachment.job.attachments.remove(attachment)
    db.session.flush()
    remove_file(stored)


# ----------------------------------------------------------------------------- lookups


def load_job(job_id: uuid.UUID, user_id: uuid.UUID) -> Job | None:
    """One job with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(Job)
        .where(Job.id == job_id, Job.user_id == user_id)
        .options(
            selectinload(Job.dates),
            selectinload(Job.fee_lines),
            selectinload(Job.status_changes),
            selectinload(Job.attachments),
            selectinload(Job.client),
            selectinload(Job.agency),
        )
    )


Choices = tuple[tuple[str, str], ...]


def contact_choices(
    user_id: uuid.UUID, keep_client: uuid.UUID | None = None, keep_agency: uuid.UUID | None = None
) -> tuple[Choices, Choices]:
    """The user's clients and agencies as (id, name) choices, each by name: the ones not
    archived, plus *keep_client* and *keep_agency* (a job's own, even archived). Read in one
    statement and kept until one of the user's contacts changes (every job list shows them)."""
    return changes.cached(
        db.session,
        user_id,
        CONTACTS_CHANGED,
        ("choices", keep_client, keep_agency),
        lambda: _read_contact_choices(user_id, keep_client, keep_agency),
    )


def _read_contact_choices(
    user_id: uuid.UUID, keep_client: uuid.UUID | None, keep_agency: uuid.UUID | None
) -> tuple[Choices, Choices]:
    clients = sa.select(sa.literal("client").label("kind"), Client.id, Client.name).where(
        Client.user_id == user_id, sa.or_(Client.archived_at.is_(None), Client.id == keep_client)
    )
    agencies = sa.select(sa.literal("agency").label("kind"), Agency.id, Agency.name).where(
        Agency.user_id == user_id, sa.or_(Agency.archived_at.is_(None), Agency.id == keep_agency)
    )
    both = sa.union_all(clients, agencies).subquery()
    result: dict[str, list[tuple[str, str]]] = {"client": [], "agency": []}
    for row in db.session.execute(sa.select(both).order_by(both.c.name, both.c.id)):
        result[row.kind].append((str(row.id), row.name))
    return tuple(result["client"]), tuple(result["agency"])


def agency_terms(user_id: uuid.UUID) -> list[Agency]:
    """The user's agencies with their rates, for the form's hint about default terms."""
    return list(
        db.session.scalars(sa.select(Agency).where(Agency.user_id == user_id).order_by(Agency.name))
    )


# ----------------------------------------------------------------------------- money


def freelancer_vat_registered(user_id: uuid.UUID) -> bool:
    """Whether the user's business is VAT-registered (its fees then carry output VAT)."""
    if "business_profile" not in db.metadata.tables:
        return False  # the business profile feature is not installed: no VAT registration
    from minimin.business.models import PROFILE_CHANGED, BusinessProfile

    def read() -> bool:
        return bool(
            db.session.scalar(
                sa.select(BusinessProfile.vat_registered).where(BusinessProfile.user_id == user_id)
            )
        )

    return changes.cached(db.session, user_id, PROFILE_CHANGED, "vat_registered", read)


def bills_cancellation_fee(job: Job) -> bool:
    """Whether *job* was cancelled with a fee, which is then all it earns (cancelled and not
    yet invoiced, or invoiced or paid for that fee): its fee lines are no longer billed."""
    return bool(job.cancellation_fee_pence) and job.status in FEE_ONLY_STATUSES


def commission_lines(job: Job) -> list[CommissionLine]:
    """The job's fee lines as the pure commission module sees them; for a job cancelled with a
    fee, that fee alone (a fee for the supply: commissionable and VAT-able like the fee it
    replaces)."""
    if bills_cancellation_fee(job):
        assert job.cancellation_fee_pence is not None
        return [
            CommissionLine.fee(
                Money.from_pence(job.cancellation_fee_pence, job.currency),
                str(_l("Cancellation fee")),
            )
        ]
    return [
        CommissionLine(
            amount=Money.from_pence(line.amount_pence, job.currency),
            commissionable=line.commissionable,
            vatable=line.vat_applies,
            kind=LineKind.EXPENSE if line.kind in PASS_THROUGH_KINDS else LineKind.FEE,
            description=line.description or "",
        )
        for line in job.fee_lines
    ]


def commission_terms(job: Job, *, vat_registered: bool) -> CommissionTerms:
    """The job's own commission terms (a direct job has none: 0 %, no VAT on commission)."""
    if job.agency_id is None:
        return CommissionTerms(
            commission_percent=Decimal(0), freelancer_vat_registered=vat_registered
        )
    # A cancellation fee is the agreed amount, billed without an agency fee on top (as
    # invoice_lines bills it): it is quoted fee inclusive whatever the job's quoting.
    quoting = Quoting.FEE_INCLUSIVE if bills_cancellation_fee(job) else Quoting(job.quoting)
    return CommissionTerms(
        commission_percent=Decimal(job.commission_percent or 0),
        agency_vat_registered=bool(job.commission_vat),
        freelancer_vat_registered=vat_registered,
        quoting=quoting,
        agency_fee_percent=(
            Decimal(job.agency_fee_percent) if job.agency_fee_percent is not None else None
        ),
        mother_agency_share_percent=(
            Decimal(job.mother_agency_share_percent)
            if job.mother_agency_share_percent is not None
            else None
        ),
    )


def job_totals(job: Job, *, vat_registered: bool | None = None) -> CommissionResult:
    """Gross, agency fee, commission, VAT on commission, output VAT and expected net of *job*,
    computed by :mod:`minimin.jobs.commission` (the job's fee lines must be loaded).
    *vat_registered* is the freelancer's registration (looked up when not given)."""
    if vat_registered is None:
        vat_registered = freelancer_vat_registered(job.user_id)
    return calculate(
        commission_lines(job),
        commission_terms(job, vat_registered=vat_registered),
        currency=job.currency,
        tax_point=job.starts_on,
    )


@dataclass(frozen=True)
class InvoiceLineData:
    """One line an invoice copies from a job (amounts exclude VAT)."""

    job_id: uuid.UUID
    kind: str
    description: str
    quantity: Decimal
    unit_amount_pence: int
    amount_pence: int
    vat_applies: bool


def invoice_lines(job: Job) -> list[InvoiceLineData]:
    """What an invoice for *job* should bill: each fee line with its VAT treatment, the
    agency fee when the job is quoted "fee + agency fee"; for a cancelled job, only its
    cancellation fee (VAT-able: it is consideration for the supply, like the fee it replaces;
    the agency's commission on it is deducted when the agency pays, as for any fee, and
    :func:`job_totals` shows it). Descriptions fall back to the kind of fee and the job's
    title."""
    if job.status == CANCELLED:
        if not job.cancellation_fee_pence:
            return []
        return [
            InvoiceLineData(
                job_id=job.id,
                kind="cancellation_fee",
                description=str(_l("Cancellation fee: %(title)s", title=job.title))[:500],
                quantity=Decimal(1),
                unit_amount_pence=job.cancellation_fee_pence,
                amount_pence=job.cancellation_fee_pence,
                vat_applies=True,
            )
        ]
    result: list[InvoiceLineData] = []
    for line in job.fee_lines:
        description = line.description or f"{job.title}: {line.kind_label}"
        if line.kind == "usage":
            terms = ", ".join(t for t in (line.media, line.territory, line.term) if t)
            if terms:
                description = f"{description} ({terms})"
        result.append(
            InvoiceLineData(
                job_id=job.id,
                kind=line.kind,
                description=description[:500],
                quantity=Decimal(line.quantity),
                unit_amount_pence=line.unit_amount_pence,
                amount_pence=line.amount_pence,
                vat_applies=line.vat_applies,
            )
        )
    if job.agency_id is not None and job.quoting == QUOTING_FEE_PLUS_AGENCY_FEE:
        totals = job_totals(job, vat_registered=False)
        if not totals.agency_fee.is_zero():
            result.append(
                InvoiceLineData(
                    job_id=job.id,
                    kind="agency_fee",
                    description=str(_l("Agency fee: %(title)s", title=job.title))[:500],
                    quantity=Decimal(1),
                    unit_amount_pence=totals.agency_fee.pence,
                    amount_pence=totals.agency_fee.pence,
                    vat_applies=True,
                )
            )
    return result


# ----------------------------------------------------------------------------- usage expiry

#: Days before a usage / buyout licence expires that its renewal reminder is sent.
USAGE_REMINDER_DAYS = 30


def usage_lines_due(today: date, days_before: int = USAGE_REMINDER_DAYS) -> list[FeeLine]:
    """Usage lines expiring from *today* to *today* + *days_before* whose reminder for that
    expiry date has not been sent and that have not been renewed, with their jobs; cancelled
    jobs (and jobs invoiced only for a cancellation fee) are left out."""
    query = (
        sa.select(FeeLine)
        .join(Job, Job.id == FeeLine.job_id)
        .where(
            FeeLine.kind == "usage",
            FeeLine.usage_expires_on.is_not(None),
            FeeLine.usage_expires_on >= today,
            FeeLine.usage_expires_on <= today + timedelta(days=days_before),
            sa.or_(
                FeeLine.expiry_reminder_sent_for.is_(None),
                FeeLine.expiry_reminder_sent_for != FeeLine.usage_expires_on,
            ),
            FeeLine.renewed_by_job_id.is_(None),
            Job.status != CANCELLED,
            sa.func.coalesce(Job.cancellation_fee_pence, 0) == 0,
        )
        .order_by(FeeLine.usage_expires_on, FeeLine.id)
        .options(selectinload(FeeLine.job))
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Two runs at once each take different rows: nobody is reminded twice.
        query = query.with_for_update(of=FeeLine, skip_locked=True)
    return list(db.session.scalars(query))


def send_usage_expiry_reminders(
    today: date | None = None, days_before: int = USAGE_REMINDER_DAYS
) -> int:
    """Email the owner of each usage / buyout licence that expires within *days_before* days,
    so it can be renewed and re-invoiced. Once per expiry date: the outbox row and the "sent"
    mark are written in the same transaction, so a second run sends nothing more. Returns how
    many reminders were queued."""
    from minimin.accounts.models import User
    from minimin.core.dates import uk_today
    from minimin.core.mail import queue_email

    today = today or uk_today()
    sent = 0
    for line in usage_lines_due(today, days_before):
        user = db.session.get(User, line.user_id)
        if user is None:  # pragma: no cover - the row goes with its user (ON DELETE CASCADE)
            continue
        job = line.job
        queue_email(
            to=user.email,
            template="usage_expiry",
            context={
                "user_name": user.full_name,
                "job_title": job.title,
                "job_id": str(job.id),
                "line_id": str(line.id),
                "description": line.description or "",
                "media": line.media or "",
                "territory": line.territory or "",
                "term": line.term or "",
                "expires_on": line.usage_expires_on,
                "days_left": (line.usage_expires_on - today).days if line.usage_expires_on else 0,
            },
            user_id=user.id,
        )
        line.expiry_reminder_sent_for = line.usage_expires_on
        line.expiry_reminder_sent_at = utcnow()
        sent += 1
    db.session.flush()
    return sent


def store_totals(job: Job, *, vat_registered: bool) -> CommissionResult:
    """Compute the job's totals and keep them on the job for the lists."""
    totals = job_totals(job, vat_registered=vat_registered)
    job.gross_pence = totals.gross.pence
    job.commission_pence = totals.commission.pence
    job.vat_on_commission_pence = totals.vat_on_commission.pence
    job.net_pence = totals.net_paid.pence
    job.totals_vat_registered = vat_registered
    return totals
