"""Mileage: the simplified-expenses claim (SA103F box 20) for a tax year or a range of days.

The money is the journal's: each journey posts its share of its tax year's claim (the rounded
running claim after it less before it, :mod:`minimin.ledger.rules.expenses`), so the claim of
any range, a part year or a month, is the sum of its journeys' lines and counts the miles
driven earlier in the tax year towards the 10,000-mile threshold. The miles and the number of
journeys are summed from the mileage log by the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from minimin.core.dates import TaxYear
from minimin.expenses.mileage import CAR_VAN, MOTORCYCLE
from minimin.expenses.models import Journey
from minimin.ledger import accounts
from minimin.reports.ledger import journal
from minimin.reports.ledger.periods import ACCRUALS, check_period
from minimin.reports.ledger.sql import _rows

MILEAGE_BOX = 20


@dataclass(frozen=True)
class MileageClaim:
    start: date
    end: date
    car_miles: Decimal = Decimal(0)
    motorcycle_miles: Decimal = Decimal(0)
    journeys: int = 0
    claim_pence: int = 0


def _miles(user_id: uuid.UUID, start: date, end: date) -> tuple[Decimal, Decimal, int]:
    """(car/van miles, motorcycle miles, journeys) dated *start*..*end*."""
    car = moto = Decimal(0)
    journeys = 0
    rows = _rows(
        sa.select(Journey.vehicle, sa.func.sum(Journey.miles), sa.func.count())
        .where(Journey.user_id == user_id, Journey.date >= start, Journey.date <= end)
        .group_by(Journey.vehicle)
    )
    for vehicle, miles, count in rows:
        value = Decimal(str(miles or 0)).quantize(Decimal("0.1"))
        if vehicle == MOTORCYCLE:
            moto += value
        elif vehicle == CAR_VAN:
            car += value
        journeys += int(count)
    return car, moto, journeys


def mileage_pence(user_id: uuid.UUID, start: date, end: date, basis: str = ACCRUALS) -> int:
    """The mileage claim of journeys dated *start*..*end*: the journal's box 20 lines posted
    by the mileage log (each journey's share of its tax year's claim)."""
    return mileage_of(journal.period_rows(user_id, start, end, basis, codes=[accounts.MILEAGE]))


def mileage_of(rows: list[journal.PeriodRow]) -> int:
    """The mileage claim in *rows* (:func:`.journal.period_rows`): box 20 posted by the
    mileage log."""
    return journal.sums_of(rows, [accounts.MILEAGE], keys=(), kinds=[journal.MILEAGE_KIND]).get()


def mileage_claim(user_id: uuid.UUID, tax_year: TaxYear) -> MileageClaim:
    """The simplified-expenses mileage claim for *tax_year* (45p/25p cars and vans, 24p
    motorcycles): the miles from the log, the money from the journal."""
    return mileage_between(user_id, tax_year.start, tax_year.end)


def mileage_between(user_id: uuid.UUID, start: date, end: date) -> MileageClaim:
    """The mileage claim for journeys dated *start*..*end*: the miles and journeys of the log,
    and the claim as posted (within each tax year the threshold counts the miles driven
    earlier in that tax year, so the journeys' shares already do)."""
    check_period(start, end)
    car, moto, journeys = _miles(user_id, start, end)
    return MileageClaim(start, end, car, moto, journeys, mileage_pence(user_id, start, end))
