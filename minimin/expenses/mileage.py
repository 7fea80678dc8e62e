"""Mileage allowance (simplified expenses), valued per tax year. Pure: no database, no Flask.

Rates are a versioned table keyed by the first tax year they apply to. Cars and vans share one
threshold: the first 10,000 business miles of the tax year at 45p, every mile after at 25p;
motorcycles 24p a mile whatever the total.

Journeys are valued per tax year in date order (same-date journeys keep the order given). A
journey that crosses the threshold is split: the miles up to 10,000 at the higher rate, the rest
at the lower. Amounts are kept exact (miles have one decimal place, so 12.3 miles at 45p is
£5.535); only the tax year's claim is rounded, half-up to the penny, so the claim equals
``round(min(M, 10000) × 0.45 + max(M - 10000, 0) × 0.25 + m × 0.24)`` for car/van miles M and
motorcycle miles m. Per-journey figures shown to the user are rounded for display only.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from minimin.core.dates import TaxYear

CAR_VAN = "car_van"
MOTORCYCLE = "motorcycle"
VEHICLES = (CAR_VAN, MOTORCYCLE)
MILES_QUANTUM = Decimal("0.1")
PENNY = Decimal("0.01")


@dataclass(frozen=True)
class MileageRates:
    """Pounds per mile."""

    car_first: Decimal
    car_after: Decimal
    car_threshold: Decimal
    motorcycle: Decimal


#: (first tax year start, rates), oldest first. These rates apply from 2011/12.
RATE_TABLE: tuple[tuple[int, MileageRates], ...] = (
    (2011, MileageRates(Decimal("0.45"), Decimal("0.25"), Decimal(10000), Decimal("0.24"))),
)


def rates_for(tax_year: TaxYear) -> MileageRates:
    """The rates of *tax_year* (the latest entry starting on or before it)."""
    chosen = RATE_TABLE[0][1]
    for first, rates in RATE_TABLE:
        if first <= tax_year.start_year:
            chosen = rates
    return chosen


@dataclass(frozen=True)
class JourneyIn:
    """What valuation needs of a journey. ``key`` identifies it to the caller."""

    key: Hashable
    date: date
    miles: Decimal
    vehicle: str


@dataclass(frozen=True)
class ValuedJourney:
    journey: JourneyIn
    miles_at_first_rate: Decimal
    miles_at_second_rate: Decimal
    rate_first: Decimal
    rate_second: Decimal
    amount: Decimal  # exact pounds
    car_miles_to_date: Decimal  # running car/van business miles in the tax year, inclusive
    total_to_date: Decimal  # running exact claim in the tax year, inclusive

    @property
    def split(self) -> bool:
        """True when the journey crossed the 10,000-mile mark and was valued at two rates."""
        return self.miles_at_first_rate > 0 and self.miles_at_second_rate > 0

    @property
    def amount_pence(self) -> int:
        return to_pence(self.amount)

    @property
    def total_to_date_pence(self) -> int:
        return to_pence(self.total_to_date)


@dataclass
class TaxYearMileage:
    tax_year: TaxYear
    journeys: list[ValuedJourney] = field(default_factory=list)
    car_miles: Decimal = Decimal(0)
    motorcycle_miles: Decimal = Decimal(0)
    claim: Decimal = Decimal(0)  # exact pounds

    @property
    def claim_pence(self) -> int:
        return to_pence(self.claim)

    @property
    def miles(self) -> Decimal:
        return self.car_miles + self.motorcycle_miles


def to_pence(pounds: Decimal) -> int:
    return int((pounds / PENNY).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_miles(miles: Decimal) -> Decimal:
    if not isinstance(miles, Decimal) or not miles.is_finite() or miles < 0:
        raise ValueError("miles must be a finite, non-negative Decimal")
    if miles != miles.quantize(MILES_QUANTUM):
        raise ValueError("miles have at most one decimal place")
    return miles


def value_journeys(journeys: Iterable[JourneyIn]) -> list[TaxYearMileage]:
    """Value *journeys* per tax year, oldest tax year first, journeys in date order."""
    ordered = sorted(journeys, key=lambda j: j.date)  # stable: same-day order kept
    years: dict[TaxYear, TaxYearMileage] = {}
    for journey in ordered:
        if journey.vehicle not in VEHICLES:
            raise ValueError(f"unknown vehicle {journey.vehicle!r}")
        miles = check_miles(journey.miles)
        tax_year = TaxYear.containing(journey.date)
        year = years.get(tax_year)
        if year is None:
            year = years[tax_year] = TaxYearMileage(tax_year)
        rates = rates_for(tax_year)
        if journey.vehicle == MOTORCYCLE:
            first, second = miles, Decimal(0)
            rate_first = rate_second = rates.motorcycle
            year.motorcycle_miles += miles
        else:
            room = max(rates.car_threshold - year.car_miles, Decimal(0))
            first = min(miles, room)
            second = miles - first
            rate_first, rate_second = rates.car_first, rates.car_after
            year.car_miles += miles
        amount = first * rate_first + second * rate_second
        year.claim += amount
        year.journeys.append(
            ValuedJourney(
                journey=journey,
                miles_at_first_rate=first,
                miles_at_second_rate=second,
                rate_first=rate_first,
                rate_second=rate_second,
                amount=amount,
                car_miles_to_date=year.car_miles,
                total_to_date=year.claim,
            )
        )
    return [years[y] for y in sorted(years)]


def claim_for_totals(tax_year: TaxYear, car_miles: Decimal, motorcycle_miles: Decimal) -> Decimal:
    """The exact claim for a tax year's totals (the closed formula the valuation must match)."""
    rates = rates_for(tax_year)
    first = min(car_miles, rates.car_threshold)
    return (
        first * rates.car_first
        + (car_miles - first) * rates.car_after
        + motorcycle_miles * rates.motorcycle
    )
