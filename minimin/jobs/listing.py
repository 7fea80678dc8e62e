"""Views over many jobs: the filtered, sorted and paged list, the jobs to invoice, the month
calendar, and the gross and expected net each list row shows.

A list page costs a fixed number of statements whatever the number of jobs (tests assert the
count for 10 and 1,000 jobs); the rows show the totals stored on each job when it was saved.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from minimin.contacts.models import Agency, Client
from minimin.core import changes, listing_params
from minimin.core.money import Money
from minimin.extensions import db
from minimin.jobs.models import (
    CANCELLED,
    COMPLETED,
    FEE_ONLY_STATUSES,
    JOBS_CHANGED,
    FeeLine,
    Job,
    JobDate,
)
from minimin.jobs.services import job_totals

PAGE_SIZE = 50
SORTS: dict[str, Any] = {
    # Every job has a first date (a job needs one), so these sorts can use the index.
    "date": (Job.starts_on.asc(), Job.created_at.asc()),
    "-date": (Job.starts_on.desc(), Job.created_at.desc()),
    "title": (sa.func.lower(Job.title).asc(), Job.created_at.asc()),
    "-title": (sa.func.lower(Job.title).desc(), Job.created_at.desc()),
    "status": (Job.status.asc(), Job.starts_on.desc()),
    "-status": (Job.status.desc(), Job.starts_on.desc()),
    "created": (Job.created_at.asc(),),
    "-created": (Job.created_at.desc(),),
}
DEFAULT_SORT = "-date"


@dataclass
class JobFilters:
    status: str | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    to_invoice: bool = False
    #: Search text: title, location, client or agency name contain it (any case).
    q: str = ""


#: What a list row shows, read as plain columns (no ORM objects: a page of fifty jobs with
#: their clients and agencies cost more to build as objects than to render), and what tells
#: whether the stored totals are current.
_ROW_COLUMNS = (
    Job.id,
    Job.title,
    Job.status,
    Job.starts_on,
    Job.ends_on,
    Job.currency,
    Job.gross_pence,
    Job.net_pence,
    Job.totals_vat_registered,
    Job.cancellation_fee_pence,
    Client.name.label("client_name"),
    Agency.name.label("agency_name"),
)


@dataclass
class JobPage:
    jobs: list[sa.Row[*tuple[Any, ...]]]
    page: int
    pages: int
    total_count: int
    gross_pence: int
    sort: str

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _to_invoice() -> Any:
    """Jobs waiting for an invoice: completed ones, and cancelled ones with a cancellation fee
    (a job leaves both states when an invoice bills it)."""
    return sa.or_(
        Job.status == COMPLETED,
        sa.and_(Job.status == CANCELLED, Job.cancellation_fee_pence > 0),
    )


def _conditions(user_id: uuid.UUID, f: JobFilters) -> list[Any]:
    conditions: list[Any] = [Job.user_id == user_id]
    if f.to_invoice:
        conditions.append(_to_invoice())
    elif f.status:
        conditions.append(Job.status == f.status)
    if f.client_id:
        conditions.append(Job.client_id == f.client_id)
    if f.agency_id:
        conditions.append(Job.agency_id == f.agency_id)
    # A job matches a date range when any of its days falls in it (overlap of first..last).
    if f.date_from:
        conditions.append(Job.ends_on >= f.date_from)
    if f.date_to:
        conditions.append(Job.starts_on <= f.date_to)
    if f.q:
        conditions.append(_search(user_id, f.q))
    return conditions


def _search(user_id: uuid.UUID, q: str) -> Any:
    # Names through subqueries, not joins: the count and gross aggregate reads jobs alone.
    clients = sa.select(Client.id).where(
        Client.user_id == user_id, listing_params.contains(q, Client.name)
    )
    agencies = sa.select(Agency.id).where(
        Agency.user_id == user_id, listing_params.contains(q, Agency.name)
    )
    return sa.or_(
        listing_params.contains(q, Job.title, Job.location),
        Job.client_id.in_(clients),
        Job.agency_id.in_(agencies),
    )


def list_jobs(
    user_id: uuid.UUID,
    filters: JobFilters,
    *,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> JobPage:
    """One page of the user's jobs with the count and gross total of all matching jobs.

    Two statements whatever the number of jobs: one aggregate (count and gross over the whole
    filtered set, kept per filter until one of the user's jobs changes: see
    :mod:`minimin.core.changes`) and one page of rows (the columns of ``_ROW_COLUMNS``, with
    the client's and agency's names). Jobs and their fee lines are read only for the rare
    row whose stored totals are out of date (see :func:`list_totals`).
    """
    if sort not in SORTS:
        sort = DEFAULT_SORT
    conditions = _conditions(user_id, filters)
    count, gross = changes.cached(
        db.session,
        user_id,
        JOBS_CHANGED,
        ("list", astuple(filters)),
        lambda: _count_and_gross(conditions),
    )
    pages = max(1, -(-int(count) // page_size))
    page = min(max(1, page), pages)
    jobs = list(
        db.session.execute(
            sa.select(*_ROW_COLUMNS)
            .outerjoin(Client, Client.id == Job.client_id)
            .outerjoin(Agency, Agency.id == Job.agency_id)
            .where(*conditions)
            .order_by(*SORTS[sort], Job.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    )
    return JobPage(
        jobs=jobs,
        page=page,
        pages=pages,
        total_count=int(count),
        gross_pence=int(gross),
        sort=sort,
    )


def all_jobs(user_id: uuid.UUID, filters: JobFilters, *, sort: str = DEFAULT_SORT) -> list[Any]:
    """Every job the list shows (all pages), in its order, as rows: one statement (CSV)."""
    if sort not in SORTS:
        sort = DEFAULT_SORT
    return list(
        db.session.execute(
            sa.select(*_ROW_COLUMNS, Job.location)
            .outerjoin(Client, Client.id == Job.client_id)
            .outerjoin(Agency, Agency.id == Job.agency_id)
            .where(*_conditions(user_id, filters))
            .order_by(*SORTS[sort], Job.id)
        )
    )


def _count_and_gross(conditions: list[Any]) -> tuple[int, int]:
    """How many jobs match *conditions* and their gross, in one aggregate statement."""
    # The stored gross (agency fee included) of each job; a job saved before totals were
    # stored falls back to the sum of its lines (COALESCE evaluates that only when needed).
    # A job cancelled with a fee earns that fee (services.bills_cancellation_fee), whatever
    # was stored before the fee was recorded.
    lines_gross = (
        sa.select(sa.func.coalesce(sa.func.sum(FeeLine.amount_pence), 0))
        .where(FeeLine.job_id == Job.id)
        .correlate(Job)
        .scalar_subquery()
    )
    job_gross = sa.case(
        (
            sa.and_(Job.cancellation_fee_pence > 0, Job.status.in_(FEE_ONLY_STATUSES)),
            Job.cancellation_fee_pence,
        ),
        else_=sa.func.coalesce(Job.gross_pence, lines_gross),
    )
    count, gross = db.session.execute(
        sa.select(
            sa.func.count(Job.id),
            sa.func.coalesce(sa.func.sum(job_gross), 0),
        ).where(*conditions)
    ).one()
    return int(count), int(gross)


def invoiceable_jobs(user_id: uuid.UUID) -> list[Job]:
    """Completed jobs, and cancelled jobs with a cancellation fee, not yet invoiced, oldest
    first, with lines, client and agency loaded."""
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.user_id == user_id, _to_invoice())
            .order_by(Job.starts_on.asc().nulls_last(), Job.created_at)
            .options(
                selectinload(Job.fee_lines),
                selectinload(Job.client),
                selectinload(Job.agency),
            )
        )
    )


# ----------------------------------------------------------------------------- calendar


@dataclass
class CalendarEntry:
    job: Job
    day: date
    starts_at: time | None
    ends_at: time | None


def calendar_month(user_id: uuid.UUID, year: int, month: int) -> dict[date, list[CalendarEntry]]:
    """The user's job days in one month, by day (cancelled jobs left out)."""
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    rows = db.session.execute(
        sa.select(JobDate, Job)
        .join(Job, Job.id == JobDate.job_id)
        .where(
            JobDate.user_id == user_id,
            Job.user_id == user_id,
            JobDate.day >= first,
            JobDate.day <= last,
            Job.status != CANCELLED,
        )
        .order_by(JobDate.day, JobDate.starts_at.asc().nulls_first(), Job.title)
    ).all()
    result: dict[date, list[CalendarEntry]] = {}
    for job_date, job in rows:
        result.setdefault(job_date.day, []).append(
            CalendarEntry(
                job=job, day=job_date.day, starts_at=job_date.starts_at, ends_at=job_date.ends_at
            )
        )
    return result


def month_grid(year: int, month: int) -> list[list[date | None]]:
    """Weeks (Monday first) of the month; days outside it are None."""
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    weeks: list[list[date | None]] = []
    day = start
    while True:
        week: list[date | None] = []
        for _ in range(7):
            week.append(day if day.month == month else None)
            day += timedelta(days=1)
        weeks.append(week)
        if day.month != month or day.year != year:
            break
    return weeks


def jobs_by_ids(user_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.user_id == user_id, Job.id.in_(ids))))


# ----------------------------------------------------------------------------- row totals


@dataclass(frozen=True)
class RowTotals:
    """What a list row shows: gross and expected net."""

    gross: Money
    net_paid: Money


def _stored_totals_current(row: Any, vat_registered: bool) -> bool:
    return (
        row.gross_pence is not None
        and row.net_pence is not None
        and row.totals_vat_registered == vat_registered
        # A job cancelled with a fee earns that fee alone (quoted fee inclusive, so its gross
        # is the fee): totals stored before the fee was recorded are recomputed.
        and (
            not row.cancellation_fee_pence
            or row.status not in FEE_ONLY_STATUSES
            or row.gross_pence == row.cancellation_fee_pence
        )
    )


def _recomputed_totals(
    job_ids: list[uuid.UUID], vat_registered: bool
) -> dict[uuid.UUID, RowTotals]:
    """Totals of *job_ids* computed afresh from their fee lines (jobs and lines read in one
    statement)."""
    if not job_ids:
        return {}
    jobs = db.session.scalars(
        sa.select(Job).where(Job.id.in_(job_ids)).options(joinedload(Job.fee_lines))
    ).unique()
    result = {}
    for job in jobs:
        totals = job_totals(job, vat_registered=vat_registered)
        result[job.id] = RowTotals(totals.gross, totals.net_paid)
    return result


def list_totals(rows: Iterable[Any], *, vat_registered: bool) -> dict[uuid.UUID, RowTotals]:
    """Gross and expected net of each list row: the stored figures when they were computed
    under the user's current VAT registration, else computed afresh from the job's fee lines
    (read in one statement for all such rows)."""
    rows = list(rows)
    stale = [row.id for row in rows if not _stored_totals_current(row, vat_registered)]
    result = _recomputed_totals(stale, vat_registered)
    for row in rows:
        if row.id not in result:
            result[row.id] = RowTotals(
                Money.from_pence(row.gross_pence or 0, row.currency),
                Money.from_pence(row.net_pence or 0, row.currency),
            )
    return result


def filtered(user_id: uuid.UUID, filters: JobFilters) -> sa.Select[Any]:
    """The user's jobs that match *filters* (as on the list page), in no order."""
    return sa.select(Job).where(*_conditions(user_id, filters))
