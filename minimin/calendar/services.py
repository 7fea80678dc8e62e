"""Calendar feeds (create, rotate, revoke, and the feed behind a token) and the import of
bookings as draft jobs. Services add and flush; the request commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from minimin.calendar import feed
from minimin.calendar.inputs import CalendarImportInput, FeedInput
from minimin.calendar.models import MAX_FEEDS, NAME_MAX, CalendarFeed
from minimin.core.crypto import hash_token, new_token
from minimin.core.db import utcnow
from minimin.core.user_error import UserError
from minimin.extensions import db

#: Job statuses a "confirmed only" feed shows.
BOOKED = ("confirmed", "completed", "invoiced", "paid")


class FeedError(UserError):
    pass


@dataclass(frozen=True)
class NewLink:
    feed: CalendarFeed
    #: Shown once, on the page after creating or rotating; stored only hashed.
    token: str


def feeds_of(user_id: uuid.UUID) -> list[CalendarFeed]:
    return list(
        db.session.scalars(
            sa.select(CalendarFeed)
            .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.created_at)
        )
    )


def create_feed(user_id: uuid.UUID, data: FeedInput) -> NewLink:
    from minimin.contacts.models import Agency

    agency_id = data.agency_id
    name = " ".join((data.name or "").split())
    if not name or len(name) > NAME_MAX:
        raise FeedError(_("Name the feed (up to 100 characters), e.g. “Phone”."), "name")
    if len(feeds_of(user_id)) >= MAX_FEEDS:
        raise FeedError(_("Up to %(max)d feeds: revoke one you no longer use.", max=MAX_FEEDS))
    if agency_id is not None:
        agency = db.session.get(Agency, agency_id)
        if agency is None or agency.user_id != user_id:
            raise FeedError(_("Choose an agency from the list."), "agency")
    token = new_token()
    row = CalendarFeed(
        user_id=user_id,
        name=name,
        token_hash=hash_token(token),
        agency_id=agency_id,
        confirmed_only=data.confirmed_only,
    )
    db.session.add(row)
    db.session.flush()
    return NewLink(row, token)


def rotate(row: CalendarFeed) -> NewLink:
    """A new link for the feed; the old one stops working at once."""
    token = new_token()
    row.token_hash = hash_token(token)
    db.session.flush()
    return NewLink(row, token)


def revoke(row: CalendarFeed) -> None:
    row.revoked_at = utcnow()
    # The hash is replaced too, so no token can ever match a revoked feed again.
    row.token_hash = hash_token(new_token())
    db.session.flush()


def feed_for_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 200:
        return None
    row: CalendarFeed | None = db.session.scalar(
        sa.select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))
    )
    if row is None or row.revoked_at is not None:
        return None
    return row


# ----------------------------------------------------------------------------- the feed


def _job_days(row: CalendarFeed) -> list[feed.JobDay]:
    from minimin.jobs.models import STATUS_LABELS, Job, JobDate

    query = (
        sa.select(
            JobDate.id,
            Job.title,
            Job.status,
            Job.location,
            JobDate.day,
            JobDate.starts_at,
            JobDate.ends_at,
            Job.updated_at,
        )
        .join(Job, Job.id == JobDate.job_id)
        .where(Job.user_id == row.user_id, JobDate.user_id == row.user_id)
        .order_by(JobDate.day, JobDate.position)
    )
    if row.agency_id is not None:
        query = query.where(Job.agency_id == row.agency_id)
    if row.confirmed_only:
        query = query.where(Job.status.in_(BOOKED))
    return [
        feed.JobDay(
            date_id=str(r[0]),
            title=r.title,
            status=r.status,
            status_label=str(STATUS_LABELS.get(r.status, r.status)),
            location=r.location,
            day=r.day,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            updated_at=r.updated_at,
        )
        for r in db.session.execute(query)
    ]


def _usage_markers(row: CalendarFeed) -> list[feed.DayMarker]:
    from minimin.jobs.models import FeeLine, Job

    query = (
        sa.select(FeeLine.id, FeeLine.usage_expires_on, FeeLine.media, Job.title, Job.updated_at)
        .join(Job, Job.id == FeeLine.job_id)
        .where(
            FeeLine.user_id == row.user_id,
            FeeLine.usage_expires_on.is_not(None),
            FeeLine.renewed_by_job_id.is_(None),
        )
    )
    if row.agency_id is not None:
        query = query.where(Job.agency_id == row.agency_id)
    return [
        feed.DayMarker(
            uid=f"usage-expiry-{r.id}",
            summary=_("Usage ends: %(job)s", job=r.title) + (f" ({r.media})" if r.media else ""),
            day=r.usage_expires_on,
            updated_at=r.updated_at,
        )
        for r in db.session.execute(query)
    ]


def _invoice_markers(row: CalendarFeed) -> list[feed.DayMarker]:
    from minimin.invoices.models import OPEN_STATUSES, Invoice

    if row.agency_id is not None:
        return []  # an agency's feed is its bookings
    query = sa.select(Invoice.id, Invoice.number, Invoice.due_date, Invoice.updated_at).where(
        Invoice.user_id == row.user_id,
        Invoice.status.in_(OPEN_STATUSES),
        Invoice.due_date.is_not(None),
    )
    return [
        feed.DayMarker(
            uid=f"invoice-due-{r.id}",
            summary=_("Invoice %(number)s due", number=r.number or ""),
            day=r.due_date,
            updated_at=r.updated_at,
        )
        for r in db.session.execute(query)
    ]


def render(row: CalendarFeed) -> bytes:
    """The feed's iCalendar bytes; records when it was last fetched."""
    row.last_used_at = utcnow()
    markers = _usage_markers(row) + _invoice_markers(row)
    return feed.build(row.name, _job_days(row), markers)


# ----------------------------------------------------------------------------- import


def import_jobs(user_id: uuid.UUID, data: CalendarImportInput) -> list[Any]:
    """Draft jobs (enquiries) for the chosen proposals, with their dates and no fee lines."""
    from minimin.jobs import services as jobs
    from minimin.jobs.models import TITLE_MAX

    made = []
    for proposal in data.proposals:
        job = jobs.JobInput(
            title=proposal.title[:TITLE_MAX],
            location=proposal.location or None,
            notes=_("Imported from a calendar file."),
            dates=[
                jobs.DateInput(day=day, starts_at=proposal.starts_at, ends_at=proposal.ends_at)
                for day in proposal.days
            ],
        )
        made.append(jobs.create_job(user_id, job))
    return made
