"""The mileage log: journeys added, changed and deleted in open periods, and valued per tax
year (the valuation itself is the pure :mod:`minimin.expenses.mileage`)."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.expenses.inputs import JourneyInput
from minimin.expenses.mileage import (
    MILES_QUANTUM,
    VEHICLES,
    JourneyIn,
    TaxYearMileage,
    value_journeys,
)
from minimin.expenses.models import MAX_MILES, PLACE_MAX, PURPOSE_MAX, Journey
from minimin.expenses.services.checks import (
    JOURNEY_POSTED_FIELDS,
    ExpenseError,
    checked_day,
    checked_job_id,
    checked_text,
    closed_figures_kept,
    ensure_open,
)
from minimin.extensions import db


def _apply_journey(journey: Journey, user_id: uuid.UUID, data: JourneyInput) -> None:
    journey.date = checked_day(data.date, "date")
    journey.origin = checked_text(data.origin, "origin", PLACE_MAX, required=True)
    journey.destination = checked_text(data.destination, "destination", PLACE_MAX, required=True)
    journey.purpose = checked_text(data.purpose, "purpose", PURPOSE_MAX, required=True)
    miles = data.miles
    if isinstance(miles, bool) or not isinstance(miles, Decimal | int):
        raise ExpenseError(_l("Enter the miles, like 12.5."), "miles")
    miles = Decimal(miles)
    if not miles.is_finite() or miles <= 0 or miles > MAX_MILES:
        raise ExpenseError(_l("Enter miles from 0.1 to 100,000."), "miles")
    if miles != miles.quantize(MILES_QUANTUM):
        raise ExpenseError(_l("Enter miles to one decimal place at most."), "miles")
    journey.miles = miles.quantize(MILES_QUANTUM)
    vehicle = data.vehicle or VEHICLES[0]
    if vehicle not in VEHICLES:
        raise ExpenseError(_l("Choose the vehicle."), "vehicle")
    journey.vehicle = vehicle
    journey.job_id = checked_job_id(user_id, data.job_id)


def create_journey(user_id: uuid.UUID, data: JourneyInput) -> Journey:
    """Log a journey for *user_id*, dated in an open period."""
    journey = Journey(user_id=user_id)
    _apply_journey(journey, user_id, data)
    ensure_open(user_id, journey.date)
    db.session.add(journey)
    db.session.flush()
    return journey


def journey_input(journey: Journey) -> JourneyInput:
    """*journey* as it stands, as an input: ``dataclasses.replace`` it to change a few fields."""
    return JourneyInput(
        date=journey.date,
        origin=journey.origin,
        destination=journey.destination,
        purpose=journey.purpose,
        miles=journey.miles,
        vehicle=journey.vehicle,
        job_id=journey.job_id,
    )


def update_journey(journey: Journey, data: JourneyInput) -> Journey:
    """Change *journey*; no change to the miles of a closed period."""
    with closed_figures_kept(journey, JOURNEY_POSTED_FIELDS):
        _apply_journey(journey, journey.user_id, data)
    db.session.flush()
    return journey


def delete_journey(journey: Journey) -> None:
    ensure_open(journey.user_id, journey.date)
    db.session.delete(journey)
    db.session.flush()


@dataclass
class MileageYear:
    valuation: TaxYearMileage
    rows: list[tuple[Journey, Any]] = field(default_factory=list)


def mileage_by_tax_year(
    user_id: uuid.UUID, journeys: Iterable[Journey] | None = None
) -> list[MileageYear]:
    """The user's journeys valued per tax year (newest tax year first), with running totals."""
    if journeys is None:
        journeys = db.session.scalars(
            sa.select(Journey)
            .where(Journey.user_id == user_id)
            .order_by(Journey.date, Journey.created_at, Journey.id)
        ).all()
    # Valuation hands each journey back under the key it was given (Hashable to it).
    by_id: dict[Hashable, Journey] = {j.id: j for j in journeys}
    valued = value_journeys(
        JourneyIn(key=j.id, date=j.date, miles=Decimal(j.miles), vehicle=j.vehicle)
        for j in by_id.values()
    )
    years = [
        MileageYear(year, [(by_id[v.journey.key], v) for v in year.journeys]) for year in valued
    ]
    return list(reversed(years))
