"""Mileage valuation: worked examples and properties (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minimin.core.dates import TaxYear
from minimin.expenses.mileage import (
    CAR_VAN,
    MOTORCYCLE,
    JourneyIn,
    claim_for_totals,
    rates_for,
    value_journeys,
)


def j(key: int, day: date, miles: str, vehicle: str = CAR_VAN) -> JourneyIn:
    return JourneyIn(key=key, date=day, miles=Decimal(miles), vehicle=vehicle)


def test_rates_come_from_the_table() -> None:
    rates = rates_for(TaxYear(2025))
    assert (rates.car_first, rates.car_after, rates.motorcycle) == (
        Decimal("0.45"),
        Decimal("0.25"),
        Decimal("0.24"),
    )
    assert rates.car_threshold == Decimal(10000)


def test_journey_straddling_ten_thousand_is_split() -> None:
    years = value_journeys(
        [
            j(1, date(2025, 4, 6), "9990.0"),
            j(2, date(2025, 5, 1), "30.0"),
        ]
    )
    (year,) = years
    second = year.journeys[1]
    assert second.miles_at_first_rate == Decimal("10.0")
    assert second.miles_at_second_rate == Decimal("20.0")
    assert second.split
    assert second.amount == Decimal("4.50") + Decimal("5.00")
    assert year.claim_pence == 9990 * 45 + 10 * 45 + 20 * 25
    assert second.car_miles_to_date == Decimal("10020.0")


def test_threshold_is_per_tax_year_and_cars_and_vans_combined() -> None:
    years = value_journeys(
        [
            j(1, date(2025, 4, 5), "10000.0"),  # 2024/25
            j(2, date(2025, 4, 6), "100.0"),  # 2025/26: fresh 10,000
        ]
    )
    assert [y.tax_year.label for y in years] == ["2024/25", "2025/26"]
    assert years[1].journeys[0].amount == Decimal("45.000")


def test_motorcycles_are_24p_and_do_not_use_the_car_threshold() -> None:
    (year,) = value_journeys(
        [
            j(1, date(2025, 6, 1), "12000.0", MOTORCYCLE),
            j(2, date(2025, 6, 2), "10.0"),
        ]
    )
    assert year.journeys[0].amount == Decimal("2880.000")
    assert year.journeys[1].amount == Decimal("4.500")
    assert year.motorcycle_miles == Decimal("12000.0")


def test_order_is_by_date_not_input() -> None:
    (year,) = value_journeys(
        [
            j(1, date(2025, 9, 1), "100.0"),
            j(2, date(2025, 5, 1), "10000.0"),
        ]
    )
    assert [v.journey.key for v in year.journeys] == [2, 1]
    assert year.journeys[1].amount == Decimal("25.000")


def test_claim_rounds_once_half_up() -> None:
    (year,) = value_journeys([j(1, date(2025, 6, 1), "0.1"), j(2, date(2025, 6, 2), "0.1")])
    # 0.2 miles × 45p = 9p exactly; each journey alone is 4.5p
    assert year.claim_pence == 9
    (single,) = value_journeys([j(1, date(2025, 6, 1), "0.1")])
    assert single.claim_pence == 5  # 4.5p rounds half-up


@pytest.mark.parametrize("miles", ["1.25", "-1.0", "NaN"])
def test_bad_miles_are_refused(miles: str) -> None:
    with pytest.raises(ValueError):
        value_journeys([j(1, date(2025, 6, 1), miles)])


def test_unknown_vehicle_is_refused() -> None:
    with pytest.raises(ValueError):
        value_journeys([j(1, date(2025, 6, 1), "1.0", "bicycle")])


miles_st = st.integers(min_value=0, max_value=60000).map(lambda n: Decimal(n).scaleb(-1))
journey_st = st.tuples(
    st.integers(min_value=0, max_value=3 * 365),
    miles_st,
    st.sampled_from([CAR_VAN, CAR_VAN, MOTORCYCLE]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(journey_st, max_size=40))
def test_each_year_matches_the_closed_formula(items: list[tuple[int, Decimal, str]]) -> None:
    start = date(2024, 1, 1)
    journeys = [
        JourneyIn(key=i, date=start + timedelta(days=d), miles=m, vehicle=v)
        for i, (d, m, v) in enumerate(items)
    ]
    years = value_journeys(journeys)
    assert sum(len(y.journeys) for y in years) == len(journeys)
    for year in years:
        assert all(v.journey.date in year.tax_year for v in year.journeys)
        car = sum(
            (v.journey.miles for v in year.journeys if v.journey.vehicle == CAR_VAN), Decimal(0)
        )
        moto = sum(
            (v.journey.miles for v in year.journeys if v.journey.vehicle == MOTORCYCLE), Decimal(0)
        )
        assert year.car_miles == car and year.motorcycle_miles == moto
        assert year.claim == claim_for_totals(year.tax_year, car, moto)
        # running totals: non-decreasing, last equals the claim, amounts add up
        running = Decimal(0)
        for valued in year.journeys:
            running += valued.amount
            assert valued.total_to_date == running
            assert valued.miles_at_first_rate + valued.miles_at_second_rate == valued.journey.miles
            assert valued.miles_at_first_rate >= 0 and valued.miles_at_second_rate >= 0
        assert running == year.claim
        # never more than 45p nor less than 24p a mile overall
        assert year.claim <= Decimal("0.45") * year.miles
        assert year.claim >= Decimal("0.24") * year.miles


@settings(max_examples=100, deadline=None)
@given(st.lists(miles_st, min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_split_point_does_not_change_the_claim(parts: list[Decimal], rnd: object) -> None:
    """Driving the same miles in one journey or many gives the same claim."""
    day = date(2025, 6, 1)
    many = value_journeys([JourneyIn(i, day, m, CAR_VAN) for i, m in enumerate(parts)])
    one = value_journeys([JourneyIn(0, day, sum(parts, Decimal(0)), CAR_VAN)])
    assert many[0].claim == one[0].claim
