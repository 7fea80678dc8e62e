"""Renewing a usage / buyout licence: the client keeps using the work after the licence
expires, the user agrees a renewal fee and a new expiry date, and the renewal is billed as a
new job.

An invoiced job is the record of what was billed and is never edited, so a renewal is a NEW
job (status completed, so it is on the "to invoice" list at once) for the same client or
agency, kind of work and commission terms, dated the day of the renewal, with one usage line.
The renewed line records the renewal job (``FeeLine.renewed_by_job_id``): it is not renewed
twice and gets no more expiry reminders; the renewal's own line carries the new expiry date
and is reminded in its turn.

Services add and flush, never commit (docs/design-rules.md, rule 3).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.dates import add_months, uk_today
from minimin.core.templating import uk_date
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.jobs.models import (
    COMPLETED,
    INVOICED,
    MAX_PENCE,
    NOTES_MAX,
    PAID,
    TITLE_MAX,
    USAGE,
    FeeLine,
    Job,
)
from minimin.jobs.services import (
    DateInput,
    FeeLineInput,
    JobError,
    JobInput,
    bills_cancellation_fee,
    create_job,
    freelancer_vat_registered,
    store_totals,
)

#: Statuses in which a job's usage terms have been agreed, so the licence can be renewed.
RENEWABLE_STATUSES = frozenset({COMPLETED, INVOICED, PAID})

_TERM_RE = re.compile(
    r"(?P<n>\d{1,3}|an?|one)\s*-?\s*(?P<unit>days?|weeks?|months?|years?|yrs?)",
    re.IGNORECASE | re.ASCII,
)


def term_length(term: str | None) -> tuple[int, str] | None:
    """A usage term such as "12 months", "1 year", "6 weeks" or "a year" as (number, unit)
    with unit one of "day", "week", "month", "year"; None when it is not that simple ("until
    the end of the campaign", "in perpetuity")."""
    match = _TERM_RE.fullmatch((term or "").strip())
    if not match:
        return None
    raw = match.group("n").lower()
    number = 1 if raw in ("a", "an", "one") else int(raw)
    unit = match.group("unit").lower().rstrip("s")
    unit = "year" if unit == "yr" else unit
    if number == 0:
        return None
    return number, unit


def add_term(day: date, term: str | None) -> date | None:
    """*day* plus the usage *term* (month ends clamped: 31 January + 1 month = 28/29
    February), or None when the term cannot be read."""
    length = term_length(term)
    if length is None:
        return None
    number, unit = length
    try:
        if unit == "day":
            return day + timedelta(days=number)
        if unit == "week":
            return day + timedelta(weeks=number)
        return add_months(day, number * 12 if unit == "year" else number)
    except (OverflowError, ValueError):  # beyond year 9999
        return None


def suggested_expiry(line: FeeLine) -> date | None:
    """The renewal's expiry date to offer: the current expiry plus the same term again."""
    if line.usage_expires_on is None:
        return None
    return add_term(line.usage_expires_on, line.term)


def refusal(job: Job, line: FeeLine) -> Any | None:
    """Why *line* of *job* cannot be renewed (a message for the user), or None if it can."""
    if line.job_id != job.id or line.kind != USAGE:
        return _l("Only a usage / buyout line can be renewed.")
    if line.renewed_by_job_id is not None:
        return _l("This usage licence has already been renewed.")
    if job.status not in RENEWABLE_STATUSES or bills_cancellation_fee(job):
        return _l("A usage licence can be renewed once its job is completed, invoiced or paid.")
    if job.client_id is None and job.agency_id is None:
        return _l(
            "This job no longer has a client or an agency: add the renewal as a new job instead."
        )
    return None


def renewable_line_ids(job: Job) -> set[uuid.UUID]:
    """The ids of *job*'s usage lines that can be renewed now (for the job page)."""
    return {line.id for line in job.fee_lines if refusal(job, line) is None}


@dataclass(frozen=True)
class RenewalInput:
    """What the renewal form collects, already parsed field by field."""

    fee_pence: int
    expires_on: date
    description: str | None = None
    media: str | None = None
    territory: str | None = None
    term: str | None = None


def _check(data: RenewalInput, line: FeeLine, today: date) -> None:
    if data.fee_pence <= 0:
        raise JobError(_l("Enter a renewal fee of more than zero."), "fee")
    if data.fee_pence > MAX_PENCE:
        raise JobError(_l("The renewal fee is too large."), "fee")
    if data.expires_on <= today:
        raise JobError(_l("The new expiry date must be in the future."), "expires_on")
    if line.usage_expires_on is not None and data.expires_on <= line.usage_expires_on:
        raise JobError(
            _l(
                "The new expiry date must be after the current one, %(date)s.",
                date=uk_date(line.usage_expires_on),
            ),
            "expires_on",
        )


def renew_usage(job: Job, line: FeeLine, data: RenewalInput, *, today: date | None = None) -> Job:
    """Bill the renewal of usage *line* of *job* as a new completed job, and mark the line
    renewed. Raises :class:`~minimin.jobs.services.JobError` (with the form field it is about,
    when there is one) and changes nothing when the line cannot be renewed or *data* is
    refused."""
    today = today or uk_today()
    # Locked, so two renewals of the same line at once cannot both pass the check below.
    db.session.execute(sa.select(FeeLine.id).where(FeeLine.id == line.id).with_for_update()).one()
    db.session.refresh(line, ["renewed_by_job_id"])
    reason = refusal(job, line)
    if reason is not None:
        raise JobError(reason, code=CONFLICT)
    _check(data, line, today)

    notes = _l("Renews the usage licence of the job “%(title)s”.", title=job.title)
    if line.usage_expires_on is not None:
        notes = _l(
            "Renews the usage licence of the job “%(title)s”, which expires on %(date)s.",
            title=job.title,
            date=uk_date(line.usage_expires_on),
        )
    renewal = create_job(
        job.user_id,
        JobInput(
            title=str(_l("Usage renewal: %(title)s", title=job.title))[:TITLE_MAX],
            client_id=job.client_id,
            agency_id=job.agency_id,
            kind_of_work=job.kind_of_work,
            notes=str(notes)[:NOTES_MAX],
            currency=job.currency,
            dates=[DateInput(day=today)],
            fee_lines=[
                FeeLineInput(
                    kind=USAGE,
                    quantity=Decimal(1),
                    unit_amount_pence=data.fee_pence,
                    description=data.description,
                    commissionable=line.commissionable,
                    vat_applies=line.vat_applies,
                    media=data.media,
                    territory=data.territory,
                    term=data.term,
                    usage_expires_on=data.expires_on,
                )
            ],
        ),
        status=COMPLETED,
    )
    if job.agency_id is not None:
        # The original job's terms exactly, not the agency's terms of today: the renewal
        # extends the same agreement.
        renewal.commission_percent = job.commission_percent
        renewal.commission_vat = job.commission_vat
        renewal.quoting = job.quoting
        renewal.agency_fee_percent = job.agency_fee_percent
        renewal.mother_agency_share_percent = job.mother_agency_share_percent
        store_totals(renewal, vat_registered=freelancer_vat_registered(job.user_id))
    line.renewed_by_job_id = renewal.id
    db.session.flush()
    return renewal


def renewed_lines(job: Job) -> list[FeeLine]:
    """The usage lines (of other jobs) that *job* renews, with their jobs, for its page."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            sa.select(FeeLine)
            .where(FeeLine.user_id == job.user_id, FeeLine.renewed_by_job_id == job.id)
            .order_by(FeeLine.id)
            .options(selectinload(FeeLine.job))
        )
    )
