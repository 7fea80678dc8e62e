"""Mileage: the simplified-expenses claim (SA103F box 20) for a tax year, a range of days, and
month by month.

The 10,000-mile threshold runs per tax year, so a range that starts mid-year is valued as the
claim to its end less the claim before its start. Miles are summed by the database; the
valuation is :func:`minimin.expenses.mileage.claim_for_totals`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from minimin.core.dates import TaxYear
from minimin.expenses.mileage import CAR_VAN, MOTORCYCLE, claim_for_totals, to_pence
from minimin.expenses.models import Journey
from minimin.ledger import accounts
from minimin.reports.ledger import journal
from minimin.reports.ledger.periods import ACCRUALS, check_period
from minimin.reports.ledger.sql import _month_key, _rows, _year_key

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
    return journal.sums(
        user_id,
        start,
        end,
        basis,
        codes=[accounts.MILEAGE],
        extra=[journal.of_kind(journal.MILEAGE_KIND)],
    ).get()


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


def _documents_mileage_between(user_id: uuid.UUID, start: date, end: date) -> MileageClaim:
    """The claim valued from the journeys themselves, as before the journal: kept until the
    journal is proven equal to it."""
    check_period(start, end)
    car_total = moto_total = Decimal(0)
    journeys = 0
    claim = Decimal(0)
    year = TaxYear.containing(start)
    while year.start <= end:
        first, last = max(start, year.start), min(end, year.end)
        car, moto, count = _miles(user_id, first, last)
        if count:
            before_car = Decimal(0)
            if first > year.start:
                before_car = _miles(user_id, year.start, first - timedelta(days=1))[0]
            claim += claim_for_totals(year, before_car + car, moto) - claim_for_totals(
                year, before_car, Decimal(0)
            )
            car_total += car
            moto_total += moto
            journeys += count
        year = year.next
    return MileageClaim(start, end, car_total, moto_total, journeys, to_pence(claim))


def _mileage_by_month(user_id: uuid.UUID, start: date, end: date) -> list[tuple[int, int, int]]:
    """(year, month, claim pence) for each month with journeys. The threshold runs per tax
    year (1-5 April belong to the previous one), counting miles driven in the tax year before
    *start*; monthly figures are differences of the rounded running claim, so they add up to
    the period's claim exactly."""
    day = sa.extract("day", Journey.date)
    early = sa.case((sa.and_(_month_key(Journey.date) == 4, day < 6), 1), else_=0)  # 1-5 April
    rows = _rows(
        sa.select(
            _year_key(Journey.date),
            _month_key(Journey.date),
            early,
            Journey.vehicle,
            sa.func.sum(Journey.miles),
        )
        .where(Journey.user_id == user_id, Journey.date >= start, Journey.date <= end)
        .group_by(_year_key(Journey.date), _month_key(Journey.date), early, Journey.vehicle)
    )
    if not rows:
        return []
    buckets: dict[tuple[int, int, int], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)]
    )
    for year, month, is_early, vehicle, miles in rows:
        value = Decimal(str(miles or 0)).quantize(Decimal("0.1"))
        # order key: the early part of April sorts before the rest of April
        buckets[(int(year), int(month), 0 if is_early else 1)][0 if vehicle == CAR_VAN else 1] += (
            value
        )
    first_year = TaxYear.containing(start)
    car_before = Decimal(0)
    if start > first_year.start:
        car_before = _miles(user_id, first_year.start, start - timedelta(days=1))[0]
    running_year = first_year
    car_so_far = car_before
    exact = Decimal(0)
    pence_so_far = 0
    monthly: dict[tuple[int, int], int] = defaultdict(int)
    for year, month, late in sorted(buckets):
        tax_year = TaxYear(year if (month > 4 or (month == 4 and late)) else year - 1)
        if tax_year != running_year:
            running_year, car_so_far = tax_year, Decimal(0)
        car, moto = buckets[(year, month, late)]
        exact += claim_for_totals(tax_year, car_so_far + car, moto) - claim_for_totals(
            tax_year, car_so_far, Decimal(0)
        )
        car_so_far += car
        rounded = to_pence(exact)
        monthly[(year, month)] += rounded - pence_so_far
        pence_so_far = rounded
    return [(y, m, p) for (y, m), p in sorted(monthly.items())]
