"""Capital allowances worked by hand. Rules: Capital Allowances Act 2001 as summarised in
selfassessment/capital_allowances.py; the 14% main rate from 6 April 2026 (income tax) and the
40% first-year allowance from 1 January 2026 (not cars, not second-hand) are from gov.uk
"Capital allowances: new first-year allowance and reducing main rate writing-down allowances"
(26 November 2025)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.capital_allowances import (
    CAR,
    SPECIAL,
    Pools,
    Purchase,
    capital_allowances,
    car_pool,
    main_rate,
)

Y2526, Y2627 = TaxYear(2025), TaxYear(2026)
JUNE_25, JUNE_26 = date(2025, 6, 1), date(2026, 6, 1)


def pounds(value: str) -> int:
    return int(Decimal(value) * 100)


def test_equipment_within_the_aia_is_relieved_in_full():
    result = capital_allowances(Y2526, [Purchase(pounds("2000"), JUNE_25)])
    assert result.aia_pence == pounds("2000")
    assert result.total_pence == pounds("2000")


def test_beyond_the_aia_before_2026_goes_to_the_main_pool_at_18():
    # £1.2m: £1m AIA, £200,000 in the pool: 18% = £36,000, £164,000 carried.
    result = capital_allowances(Y2526, [Purchase(pounds("1200000"), JUNE_25)])
    assert result.aia_pence == pounds("1000000")
    assert result.main_wda_pence == pounds("36000")
    assert result.main_carried_pence == pounds("164000")
    assert result.total_pence == pounds("1036000")


def test_new_plant_beyond_the_aia_from_2026_takes_the_40_percent_fya():
    # £1.1m new in June 2026: £1m AIA, 40% of £100,000 = £40,000; £60,000 joins the pool
    # with no writing-down allowance this year.
    result = capital_allowances(Y2627, [Purchase(pounds("1100000"), JUNE_26)])
    assert result.fya_pence == pounds("40000")
    assert result.main_wda_pence == 0
    assert result.main_carried_pence == pounds("60000")
    assert result.total_pence == pounds("1040000")


def test_second_hand_plant_gets_no_fya():
    # £100,000 over the AIA in 2026/27, second-hand: the pool at 14% = £14,000.
    result = capital_allowances(Y2627, [Purchase(pounds("1100000"), JUNE_26, new=False)])
    assert result.fya_pence == 0
    assert result.main_wda_pence == pounds("14000")


@pytest.mark.parametrize(
    ("co2", "new", "pool"),
    [
        (0, True, "fya"),
        (0, False, "main"),
        (1, True, "main"),
        (50, True, "main"),
        (51, True, "special"),
    ],
)
def test_cars_by_co2(co2, new, pool):
    assert car_pool(Purchase(1, JUNE_25, kind=CAR, co2_g_km=co2, new=new)) == pool


@pytest.mark.parametrize(
    ("year", "co2", "fya", "main", "special"),
    [
        (Y2526, 0, "30000", "0", "0"),  # new electric: 100% first-year allowance
        (Y2526, 45, "0", "5400", "0"),  # 18% of £30,000
        (Y2627, 45, "0", "4200", "0"),  # 14% from 2026/27
        (Y2526, 120, "0", "0", "1800"),  # 6% of £30,000
    ],
)
def test_car_allowances(year, co2, fya, main, special):
    result = capital_allowances(year, [Purchase(pounds("30000"), JUNE_25, kind=CAR, co2_g_km=co2)])
    assert result.aia_pence == 0  # cars never take the AIA
    assert result.fya_pence == pounds(fya)
    assert result.main_wda_pence == pounds(main)
    assert result.special_wda_pence == pounds(special)


def test_car_with_private_use_is_cut_to_the_business_share():
    # 45 g/km, £20,000, 60% business in 2025/26: 18% = £3,600, of which 60% = £2,160.
    car = Purchase(pounds("20000"), JUNE_25, kind=CAR, co2_g_km=45, business_percent=Decimal(60))
    result = capital_allowances(Y2526, [car])
    assert result.single_asset_pence == pounds("2160")
    assert result.main_wda_pence == 0


def test_small_pool_is_written_off_and_pools_brought_forward_use_the_years_rate():
    assert capital_allowances(Y2526, [], Pools(main_pence=pounds("900"))).main_wda_pence == (
        pounds("900")
    )
    result = capital_allowances(Y2627, [], Pools(main_pence=pounds("10000")))
    assert result.main_wda_pence == pounds("1400")
    assert result.main_carried_pence == pounds("8600")
    assert main_rate(Y2526) == 18 and main_rate(Y2627) == 14


def test_disposal_above_the_pool_gives_a_balancing_charge():
    # Pool £2,000, sold for £5,000: charge £3,000 (added to profit).
    result = capital_allowances(
        Y2526, [], Pools(main_pence=pounds("2000"), main_disposals_pence=pounds("5000"))
    )
    assert result.balancing_charge_pence == pounds("3000")
    assert result.total_pence == -pounds("3000")


def test_the_aia_goes_to_special_rate_expenditure_first():
    # £50,000 of integral features and £990,000 of equipment: the AIA covers the features
    # and £950,000; £40,000 goes to the main pool at 18% = £7,200.
    result = capital_allowances(
        Y2526,
        [Purchase(pounds("50000"), JUNE_25, kind=SPECIAL), Purchase(pounds("990000"), JUNE_25)],
    )
    assert result.aia_pence == pounds("1000000")
    assert result.special_wda_pence == 0
    assert result.main_wda_pence == pounds("7200")
    assert result.total_pence == pounds("1007200")


def test_bad_purchase_is_refused():
    with pytest.raises(ValueError):
        capital_allowances(Y2526, [Purchase(100, JUNE_25, kind="boat")])
