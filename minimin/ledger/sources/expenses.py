"""Ledger sources: the expenses feature's money documents.

``expense``: each expense (manual, from a bank line, an agency's commission deducted from a
remittance, or made by a recurring template on its due date; the templates themselves post
nothing). ``mileage``: each journey of the mileage log, for its share of the tax year's
simplified-expenses claim. The posting rules are in :mod:`minimin.ledger.rules.expenses`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import History

from minimin.core.dates import TaxYear
from minimin.expenses import categories
from minimin.expenses.mileage import JourneyIn
from minimin.expenses.models import Expense, Journey
from minimin.ledger import posting
from minimin.ledger.entries import Posting
from minimin.ledger.rules.expenses import (
    ExpenseFacts,
    expense_posting,
    journey_posting,
    mileage_shares,
)

EXPENSE = "expense"
MILEAGE = "mileage"


# --------------------------------------------------------------------------- expenses


def expense_facts(expense: Expense) -> ExpenseFacts:
    return ExpenseFacts(
        date=expense.date,
        description=f"Expense: {expense.supplier or expense.description}",
        currency=expense.currency,
        box=categories.get(expense.category).box,
        amount_pence=expense.amount_pence,
        business_pence=expense.business_pence,
        allowable_pence=expense.allowable_pence,
        reclaimable_vat_pence=expense.reclaimable_vat_pence,
        payment_method=expense.payment_method,
        vat_code=expense.vat_treatment,
        job_id=expense.job_id,
    )


def post_expense(session: Session, expense_id: uuid.UUID) -> Posting | None:
    expense = session.get(Expense, expense_id)
    if expense is None:
        return None
    return expense_posting(expense_facts(expense))


def list_expenses(session: Session, user_id: uuid.UUID) -> Iterable[uuid.UUID]:
    return session.scalars(sa.select(Expense.id).where(Expense.user_id == user_id)).all()


def expense_touches(expense: Expense) -> Iterable[tuple[str, uuid.UUID | None]]:
    return [(EXPENSE, expense.id)]


# --------------------------------------------------------------------------- mileage


def _year_journeys(
    session: Session, user_id: uuid.UUID, year: TaxYear, through: date | None = None
) -> list[Any]:
    """(id, date, miles, vehicle) of the user's journeys in *year* (up to *through*), in the
    order the mileage log values them (:func:`minimin.expenses.services.mileage_by_tax_year`)."""
    last = year.end if through is None else min(through, year.end)
    return list(
        session.execute(
            sa.select(Journey.id, Journey.date, Journey.miles, Journey.vehicle)
            .where(
                Journey.user_id == user_id,
                Journey.date >= year.start,
                Journey.date <= last,
            )
            .order_by(Journey.date, Journey.created_at, Journey.id)
        )
    )


def post_journey(session: Session, journey_id: uuid.UUID) -> Posting | None:
    journey = session.get(Journey, journey_id)
    if journey is None:
        return None
    # Its share depends on the journeys before it in its tax year only: value the year to its
    # day (same-day journeys after it in the log's order do not change its share).
    rows = _year_journeys(session, journey.user_id, TaxYear.containing(journey.date), journey.date)
    shares = mileage_shares(
        JourneyIn(key=row.id, date=row.date, miles=Decimal(row.miles), vehicle=row.vehicle)
        for row in rows
    )
    return journey_posting(
        journey.date,
        f"Mileage: {journey.origin} to {journey.destination}",
        shares[journey.id],
        job_id=journey.job_id,
    )


def list_journeys(session: Session, user_id: uuid.UUID) -> Iterable[uuid.UUID]:
    return session.scalars(sa.select(Journey.id).where(Journey.user_id == user_id)).all()


def _dates_before_and_after(journey: Journey) -> set[date]:
    """The journey's date now and, when this flush changed it, before."""
    history: History = sa.inspect(journey).attrs.date.history
    return {d for d in (*history.deleted, *history.unchanged, *history.added) if d is not None}


def journey_touches(journey: Journey) -> Iterable[tuple[str, uuid.UUID | None]]:
    """A journey changed, added or removed moves the share of every later journey of its tax
    year (the 10,000-mile threshold, and the rounding of the running claim)."""
    touched: list[tuple[str, uuid.UUID | None]] = [(MILEAGE, journey.id)]
    session = object_session(journey)
    if session is None:
        return touched
    for day in _dates_before_and_after(journey):
        year = TaxYear.containing(day)
        later = session.scalars(
            sa.select(Journey.id).where(
                Journey.user_id == journey.user_id,
                Journey.date >= day,
                Journey.date <= year.end,
            )
        )
        touched.extend((MILEAGE, journey_id) for journey_id in later)
    return touched


def _unlink_deleted_jobs(session: Session, flush_context: Any, instances: Any) -> None:
    """A job deleted leaves its expenses and journeys without a job (the database sets their
    ``job_id`` to NULL behind the ORM's back): clear it through the ORM instead, so that their
    entries are reposted without the job and no loaded row keeps the old id."""
    from minimin.jobs.models import Job

    gone = [obj.id for obj in session.deleted if isinstance(obj, Job)]
    if not gone:
        return
    linked: list[Expense | Journey] = [
        *session.scalars(sa.select(Expense).where(Expense.job_id.in_(gone))),
        *session.scalars(sa.select(Journey).where(Journey.job_id.in_(gone))),
    ]
    for row in linked:
        row.job_id = None


def register() -> None:
    """Register this family's documents with :mod:`minimin.ledger.posting`."""
    posting.source(EXPENSE, post_expense, list_expenses)
    posting.watch(Expense, expense_touches)
    posting.source(MILEAGE, post_journey, list_journeys)
    posting.watch(Journey, journey_touches)
    event.listen(Session, "before_flush", _unlink_deleted_jobs)
