"""Cars and equipment kept over several years: cases worked by hand.

Rules in minimin/reports/selfassessment/capital_allowances.py (kept assets): an asset with
private use has its own pool for life (CAA 2001 s.206), its writing-down allowance reduces the
pool in full and only the business share is claimed, and no small pools write-off applies; in
the year it is sold there is no writing-down allowance and the pool less the proceeds (never
more than cost) is a balancing allowance or charge, cut to the business share (gov.uk
"Capital allowances when you sell an asset", https://www.gov.uk/capital-allowances/sold-given-
away; "Business cars", https://www.gov.uk/capital-allowances/business-cars). An asset with
no private use joins its pool in the year it is bought; sold, its proceeds (capped at cost)
come off that pool. Rates: main pool 18% (14% from 2026/27), special rate 6% (8% before
2019/20). Allowances are rounded down to the pound.
"""

from __future__ import annotations

from decimal import Decimal

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.capital_allowances import (
    CAR,
    PLANT,
    KeptAsset,
    Pools,
    single_asset_year,
    with_kept_assets,
)

P = 100  # pence in a pound


def car(cost: int, bought: int, co2: int = 40, percent: int = 60, **kw: object) -> KeptAsset:
    return KeptAsset(
        cost_pence=cost * P,
        bought_year=bought,
        kind=CAR,
        new=bool(kw.pop("new", False)),
        co2_g_km=co2,
        business_percent=percent,
        **kw,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- private use


def test_private_use_car_first_year():
    # £20,000 used car, 40 g/km (main rate), bought 2024/25, 60% business:
    # 20,000 x 18% = 3,600 reduces the pool; 3,600 x 60% = £2,160 claimed; £16,400 left.
    line = single_asset_year(car(20_000, 2024), TaxYear(2024))
    assert line is not None
    assert line.full_allowance_pence == 3_600 * P
    assert line.claimed_pence == 2_160 * P
    assert line.carried_pence == 16_400 * P


def test_private_use_car_second_year_rounds_down_to_the_pound():
    # 2025/26: 16,400 x 18% = 2,952; x 60% = 1,771.20 -> £1,771; pool 13,448 left.
    line = single_asset_year(car(20_000, 2024), TaxYear(2025))
    assert line is not None
    assert line.brought_forward_pence == 16_400 * P
    assert line.claimed_pence == 1_771 * P
    assert line.carried_pence == 13_448 * P


def test_private_use_car_at_the_14_percent_rate_from_2026_27():
    # 2026/27: 13,448 x 14% = 1,882.72 -> 1,882 off the pool; x 60% = 1,129.20 -> £1,129.
    line = single_asset_year(car(20_000, 2024), TaxYear(2026))
    assert line is not None
    assert line.full_allowance_pence == 1_882 * P
    assert line.claimed_pence == 1_129 * P
    assert line.carried_pence == 11_566 * P


def test_sold_for_less_than_its_pool_gives_a_balancing_allowance():
    # Sold in 2026/27 for £9,000: no writing-down allowance; pool 13,448 - 9,000 = 4,448;
    # x 60% = 2,668.80 -> £2,668 balancing allowance.
    line = single_asset_year(
        car(20_000, 2024, disposed_year=2026, proceeds_pence=9_000 * P), TaxYear(2026)
    )
    assert line is not None
    assert line.claimed_pence == 0
    assert line.balancing_allowance_pence == 2_668 * P
    assert line.balancing_charge_pence == 0
    assert line.net_pence == 2_668 * P
    assert line.carried_pence == 0


def test_sold_for_more_than_its_pool_gives_a_balancing_charge():
    # Sold for £15,000: 13,448 - 15,000 = -1,552; x 60% = 931.20 -> £931 charge.
    line = single_asset_year(
        car(20_000, 2024, disposed_year=2026, proceeds_pence=15_000 * P), TaxYear(2026)
    )
    assert line is not None
    assert line.balancing_charge_pence == 931 * P
    assert line.net_pence == -931 * P


def test_proceeds_above_cost_count_only_up_to_cost():
    # Sold for £25,000: only the £20,000 cost counts: 13,448 - 20,000 = -6,552;
    # x 60% = 3,931.20 -> £3,931 charge.
    line = single_asset_year(
        car(20_000, 2024, disposed_year=2026, proceeds_pence=25_000 * P), TaxYear(2026)
    )
    assert line is not None
    assert line.balancing_charge_pence == 3_931 * P


def test_special_rate_car_with_private_use():
    # £30,000, 120 g/km (special rate), bought 2025/26, 75% business: 30,000 x 6% = 1,800,
    # £1,350 claimed; 2026/27: 28,200 x 6% = 1,692, x 75% = £1,269; pool 26,508.
    asset = car(30_000, 2025, co2=120, percent=75)
    first = single_asset_year(asset, TaxYear(2025))
    second = single_asset_year(asset, TaxYear(2026))
    assert first is not None and second is not None
    assert first.claimed_pence == 1_350 * P
    assert second.claimed_pence == 1_269 * P
    assert second.carried_pence == 26_508 * P


def test_special_rate_was_8_percent_before_2019_20():
    # £10,000, 150 g/km, bought 2018/19, 50% business: 8% = 800 (pool 9,200); 2019/20:
    # 9,200 x 6% = 552, x 50% = £276.
    line = single_asset_year(car(10_000, 2018, co2=150, percent=50), TaxYear(2019))
    assert line is not None
    assert line.brought_forward_pence == 9_200 * P
    assert line.claimed_pence == 276 * P


def test_new_zero_emission_car_with_private_use_then_sold():
    # £40,000 new electric car, 80% business, bought 2025/26: 100% first-year allowance,
    # £32,000 claimed, pool nil. Nothing in 2026/27. Sold in 2027/28 for £18,000:
    # 0 - 18,000 = -18,000 x 80% = £14,400 balancing charge.
    asset = car(40_000, 2025, co2=0, percent=80, new=True)
    first = single_asset_year(asset, TaxYear(2025))
    assert first is not None and first.claimed_pence == 32_000 * P
    assert first.carried_pence == 0
    middle = single_asset_year(asset, TaxYear(2026))
    assert middle is not None and middle.net_pence == 0
    sold = KeptAsset(**{**vars(asset), "disposed_year": 2027, "proceeds_pence": 18_000 * P})
    line = single_asset_year(sold, TaxYear(2027))
    assert line is not None and line.balancing_charge_pence == 14_400 * P


def test_no_small_pools_write_off_for_a_single_asset_pool():
    # £900 car, 40 g/km, 50% business: 18% = 162 (not the whole £900), x 50% = £81.
    line = single_asset_year(car(900, 2025, percent=50), TaxYear(2025))
    assert line is not None
    assert line.full_allowance_pence == 162 * P
    assert line.claimed_pence == 81 * P


def test_equipment_with_private_use_gets_the_aia_on_the_business_share():
    # A £2,000 laptop used 70% for the business: AIA on all of it, £1,400 claimed.
    laptop = KeptAsset(2_000 * P, 2025, kind=PLANT, business_percent=70)
    line = single_asset_year(laptop, TaxYear(2025))
    assert line is not None and line.claimed_pence == 1_400 * P
    assert line.carried_pence == 0


def test_no_line_before_it_was_bought_or_after_it_was_sold():
    asset = car(20_000, 2024, disposed_year=2025, proceeds_pence=1_000 * P)
    assert single_asset_year(asset, TaxYear(2023)) is None
    assert single_asset_year(asset, TaxYear(2026)) is None
    assert single_asset_year(asset, TaxYear(2025)) is not None


# --------------------------------------------------------------------------- pooled


def test_two_cars_without_private_use_join_their_pools():
    # 2025/26: £15,000 at 40 g/km into the main pool, 18% = £2,700 (pool 12,300 left);
    # £25,000 at 100 g/km into the special rate pool, 6% = £1,500. Total £4,200.
    allowances, singles = with_kept_assets(
        TaxYear(2025),
        [],
        Pools(),
        [car(15_000, 2025, percent=100), car(25_000, 2025, co2=100, percent=100)],
    )
    assert singles == ()
    assert allowances.main_wda_pence == 2_700 * P
    assert allowances.special_wda_pence == 1_500 * P
    assert allowances.main_carried_pence == 12_300 * P
    assert allowances.total_pence == 4_200 * P


def test_a_pooled_car_bought_earlier_only_counts_when_sold():
    # Main pool brought forward £10,000 (the car is in it); sold in 2025/26 for £4,000:
    # pool 6,000 x 18% = £1,080; 4,920 carried.
    asset = car(15_000, 2023, percent=100, disposed_year=2025, proceeds_pence=4_000 * P)
    allowances, _ = with_kept_assets(TaxYear(2025), [], Pools(main_pence=10_000 * P), [asset])
    assert allowances.main_wda_pence == 1_080 * P
    assert allowances.main_carried_pence == 4_920 * P
    # A later year: nothing from it.
    later, _ = with_kept_assets(TaxYear(2026), [], Pools(), [asset])
    assert later.total_pence == 0


def test_a_pooled_car_sold_for_more_than_the_pool_gives_a_balancing_charge():
    # Main pool £3,000, car sold for £5,000: pool -2,000: £2,000 balancing charge.
    asset = car(15_000, 2022, percent=100, disposed_year=2025, proceeds_pence=5_000 * P)
    allowances, _ = with_kept_assets(TaxYear(2025), [], Pools(main_pence=3_000 * P), [asset])
    assert allowances.balancing_charge_pence == 2_000 * P
    assert allowances.main_wda_pence == 0
    assert allowances.total_pence == -2_000 * P


def test_a_special_rate_car_sold_leaves_the_special_pool():
    # Special pool £20,000, a 130 g/km car sold for £8,000: 12,000 x 6% = £720.
    asset = car(22_000, 2021, co2=130, percent=100, disposed_year=2025, proceeds_pence=8_000 * P)
    allowances, _ = with_kept_assets(TaxYear(2025), [], Pools(special_pence=20_000 * P), [asset])
    assert allowances.special_wda_pence == 720 * P


def test_private_and_pooled_cars_together():
    # 2025/26: the 60% car of 2024/25 (£1,771) and a pooled 40 g/km car of £15,000
    # (£2,700): £4,471 in all.
    allowances, singles = with_kept_assets(
        TaxYear(2025), [], Pools(), [car(20_000, 2024), car(15_000, 2025, percent=100)]
    )
    assert [s.claimed_pence for s in singles] == [1_771 * P]
    assert allowances.single_asset_pence == 1_771 * P
    assert allowances.total_pence == 4_471 * P


def test_business_percent_decimal_of_a_purchase_is_kept():
    asset = car(10_000, 2025, percent=55)
    assert asset.purchase().business_percent == Decimal(55)
