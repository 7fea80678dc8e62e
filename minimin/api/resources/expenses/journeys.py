"""Mileage journeys: listed, read, logged, changed and deleted as on the mileage page."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Literal

from flask import Response
from flask_login import current_user
from pydantic import Field

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.resources.expenses.costs import sent_members
from minimin.api.schemas import In, ListQuery, Out, Page, Text
from minimin.core.tenancy import owned_or_404
from minimin.expenses import listing, mileage, services
from minimin.expenses import models as m
from minimin.expenses.inputs import JourneyInput

Vehicle = Literal[mileage.VEHICLES]  # type: ignore[valid-type]
Miles = Annotated[Decimal, Field(gt=0, le=m.MAX_MILES, decimal_places=1)]


# --------------------------------------------------------------------------- shapes


class JourneyQuery(ListQuery):
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class JourneyOut(Out):
    id: uuid.UUID
    date: dt.date
    origin: str
    destination: str
    purpose: str
    miles: Decimal
    vehicle: str
    job_id: uuid.UUID | None


class JourneyIn(In):
    date: dt.date
    origin: Text(m.PLACE_MAX, min_length=1)  # type: ignore[valid-type]
    destination: Text(m.PLACE_MAX, min_length=1)  # type: ignore[valid-type]
    purpose: Text(m.PURPOSE_MAX, min_length=1)  # type: ignore[valid-type]
    miles: Miles
    vehicle: Vehicle = mileage.CAR_VAN
    job_id: uuid.UUID | None = None

    def to_input(self) -> JourneyInput:
        return JourneyInput(
            date=self.date,
            origin=self.origin,
            destination=self.destination,
            purpose=self.purpose,
            miles=self.miles,
            vehicle=self.vehicle,
            job_id=self.job_id,
        )


class JourneyPatch(In):
    """Only the members sent change."""

    date: dt.date = None  # type: ignore[assignment]
    origin: Text(m.PLACE_MAX, min_length=1) = None  # type: ignore[valid-type]
    destination: Text(m.PLACE_MAX, min_length=1) = None  # type: ignore[valid-type]
    purpose: Text(m.PURPOSE_MAX, min_length=1) = None  # type: ignore[valid-type]
    miles: Miles = None  # type: ignore[assignment]
    vehicle: Vehicle = None
    job_id: uuid.UUID | None = None

    def merged(self, journey: m.Journey) -> JourneyInput:
        return replace(services.journey_input(journey), **sent_members(self))


# --------------------------------------------------------------------------- operations


@operation(
    "GET",
    "/journeys",
    summary="List mileage journeys",
    tag="expenses",
    scope="expenses:read",
    query=JourneyQuery,
    response=Page[JourneyOut],
)
def list_journeys(query: JourneyQuery) -> Page[JourneyOut]:
    statement = listing.journeys(current_user.id, query.date_from, query.date_to)
    return paging.page(statement, m.Journey, query, JourneyOut.model_validate)


@operation(
    "GET",
    "/journeys/<journey_id>",
    summary="One mileage journey",
    tag="expenses",
    scope="expenses:read",
    response=JourneyOut,
)
def get_journey(journey_id: str) -> JourneyOut:
    return JourneyOut.model_validate(owned_or_404(m.Journey, journey_id))


@operation(
    "POST",
    "/journeys",
    summary="Log a journey",
    tag="expenses",
    scope="expenses:write",
    body=JourneyIn,
    response=JourneyOut,
    status=201,
    covers=("expenses.journey_new",),
)
def create_journey(body: JourneyIn) -> JourneyOut:
    """Miles to one decimal place; a job, if given, must be yours; a date in an open period."""
    journey = services.create_journey(current_user.id, body.to_input())
    return JourneyOut.model_validate(journey)


@operation(
    "PATCH",
    "/journeys/<journey_id>",
    summary="Change a journey",
    tag="expenses",
    scope="expenses:write",
    body=JourneyPatch,
    response=JourneyOut,
    covers=("expenses.journey_edit",),
    load=(m.Journey, "journey"),
    lock=True,
)
def update_journey(journey: m.Journey, body: JourneyPatch) -> JourneyOut:
    """Only the members sent change; the miles of a closed period cannot (422 on ``date``)."""
    services.update_journey(journey, body.merged(journey))
    return JourneyOut.model_validate(journey)


@operation(
    "DELETE",
    "/journeys/<journey_id>",
    summary="Delete a journey",
    tag="expenses",
    scope="expenses:write",
    status=204,
    covers=("expenses.journey_delete",),
    load=(m.Journey, "journey"),
    lock=True,
)
def delete_journey(journey: m.Journey) -> Response:
    """A journey dated in a closed period stays (422 on ``date``)."""
    services.delete_journey(journey)
    return Response(status=204)
