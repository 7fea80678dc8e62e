"""Capital allowances per accounting period, worked by hand.

Rules (minimin/reports/selfassessment/capital_allowances.py):

* For income tax the chargeable period is the period of account (CAA 2001 s.6(1)(b)); its
  allowances are an expense of the trade in that period (CAA 2001 s.247). From 2024/25 the
  profit of a period of account not ending on 5 April (or 31 March to 4 April) is shared
  between the tax years it overlaps by days (FA 2022 Sch. 1, ITTOIA 2005 s.203): so each
  period's allowances come off its own profit before it is shared.
* A period spanning a change of rate takes a hybrid rate: each rate for its share of the
  period's days, the total rounded up to two decimal places (HMRC Capital Allowances Manual
  CA23711; FA 2008 s.80(10), s.83(2)). Main pool 18%, 14% from 6 April 2026 (gov.uk "Capital
  allowances: new first-year allowance and reducing main rate writing-down allowances", 26
  November 2025); special rate pool 8%, 6% from 6 April 2019.
* AIA £1,000,000 for a 12-month period; the 40% first-year allowance for new main rate plant
  bought from 1 January 2026 beyond it; a car by its CO2 (up to 50 g/km main pool); a car
  with private use in its own pool, the business share claimed (CAA 2001 s.206); a pooled
  asset's proceeds (capped at cost) come off its pool in the period it is sold. Allowances
  are rounded down to the pound.
* Purchases are given by period, not by day: they are taken as made on the period's first day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.basis_period import Period, apportioned
from minimin.reports.selfassessment.capital_allowances import (
    CAR,
    ChargeablePeriod,
    KeptAsset,
    PeriodInputs,
    Pools,
    Purchase,
    accounting_period_allowances,
    capital_allowances,
    main_rate,
    single_asset_year,
    special_rate,
)

P = 100  # pence in a pound
Y2526 = TaxYear(2025)
DEC_31, JUN_30 = (12, 31), (6, 30)


def pounds(value: int) -> int:
    return value * P


def _period(p: ChargeablePeriod) -> Period:
    return Period(p.start, p.end)


def test_a_tax_year_or_31_march_accounting_date_keeps_the_years_own_rates():
    # Periods of 6 April to 5 April never span a 6 April change: 18% in 2025/26, 14% in
    # 2026/27; special rate 6%. An accounting date of 31 March counts as 5 April.
    assert main_rate(ChargeablePeriod.of(TaxYear(2025))) == 18
    assert main_rate(ChargeablePeriod.of(TaxYear(2026))) == 14
    assert special_rate(ChargeablePeriod.of(TaxYear(2026))) == 6
    assert ChargeablePeriod.ending_in(Y2526, (3, 31)) == ChargeablePeriod.of(Y2526)


def test_the_period_of_account_ending_in_the_tax_year():
    # Accounting date 30 April: the period ending in 2025/26 is 1 May 2024 to 30 April 2025,
    # wholly before 6 April 2026: 18%.
    period = ChargeablePeriod.ending_in(Y2526, (4, 30))
    assert (period.start, period.end) == (date(2024, 5, 1), date(2025, 4, 30))
    assert main_rate(period) == 18


def test_hybrid_main_rate_for_the_calendar_year_2026():
    # 1 January to 31 December 2026 ends in 2026/27. Before 6 April: 31 + 28 + 31 + 5 = 95
    # days at 18%; from 6 April: 270 days at 14%. (95 x 18 + 270 x 14) / 365 = 5,490 / 365
    # = 15.0411% -> rounded up to 15.05%.
    period = ChargeablePeriod.ending_in(TaxYear(2026), DEC_31)
    assert (period.start, period.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert main_rate(period) == Decimal("15.05")


def test_hybrid_main_rate_for_a_year_to_30_june_2026():
    # 1 July 2025 to 30 June 2026: 1 July 2025 - 5 April 2026 is 184 + 90 + 5 = 279 days at
    # 18%; 6 April - 30 June 2026 is 25 + 31 + 30 = 86 days at 14%.
    # (279 x 18 + 86 x 14) / 365 = 6,226 / 365 = 17.0575% -> 17.06%.
    period = ChargeablePeriod.ending_in(TaxYear(2026), JUN_30)
    assert period.start == date(2025, 7, 1)
    assert main_rate(period) == Decimal("17.06")


def test_hybrid_special_rate_for_the_calendar_year_2019():
    # 1 January to 31 December 2019: 95 days at 8%, 270 days at 6%:
    # (760 + 1,620) / 365 = 6.5205% -> 6.53%.
    assert special_rate(ChargeablePeriod.ending_in(TaxYear(2019), DEC_31)) == Decimal("6.53")


def test_pool_writing_down_allowance_at_the_hybrid_rate():
    # Main pool £10,000 brought into the year to 31 December 2026: 10,000 x 15.05% = £1,505;
    # £8,495 carried forward. (On the tax year basis 2026/27 it would be 14%: £1,400.)
    period = ChargeablePeriod.ending_in(TaxYear(2026), DEC_31)
    result = capital_allowances(period, [], Pools(main_pence=pounds(10_000)))
    assert result.main_wda_pence == pounds(1_505)
    assert result.main_carried_pence == pounds(8_495)


def test_private_use_car_worked_period_by_period():
    # £20,000 used car, 40 g/km, 60% business, bought in the year to 31 December 2025 (which
    # ends in 2025/26). That period: 18% = 3,600, claimed 2,160, pool 16,400. Year to 31
    # December 2026: 16,400 x 15.05% = 2,468.20 -> £2,468; x 60% = 1,480.80 -> £1,480
    # claimed; pool 16,400 - 2,468 = £13,932.
    car = KeptAsset(
        cost_pence=pounds(20_000), bought_year=2025, kind=CAR, new=False, co2_g_km=40,
        business_percent=60,
    )  # fmt: skip
    first = single_asset_year(car, ChargeablePeriod.ending_in(Y2526, DEC_31))
    assert first is not None
    assert (first.full_allowance_pence, first.claimed_pence) == (pounds(3_600), pounds(2_160))
    later = single_asset_year(car, ChargeablePeriod.ending_in(TaxYear(2026), DEC_31))
    assert later is not None
    assert later.brought_forward_pence == pounds(16_400)
    assert later.full_allowance_pence == pounds(2_468)
    assert later.claimed_pence == pounds(1_480)
    assert later.carried_pence == pounds(13_932)


def test_allowances_come_off_each_periods_profit_before_it_is_shared():
    # 2025/26, accounting date 31 December. Year to 31 December 2025: main pool £10,000 at 18%
    # = 1,800 and equipment £1,700 (AIA): £3,500; pool carried £8,200. Year to 31 December
    # 2026 (nothing entered for it): the carried £8,200 at 15.05% = 1,234.10 -> £1,234.
    # Profits £40,000 and £74,234: after allowances £36,500 and £73,000;
    # 36,500 x 270/365 = 27,000 and 73,000 x 95/365 = 19,000: £46,000 for 2025/26.
    # (Sharing the profits first and taking 2025/26's £3,500 off after would give £45,410.21.)
    one, two = accounting_period_allowances(
        Y2526,
        DEC_31,
        [],
        PeriodInputs(pounds(1_700), Pools(main_pence=pounds(10_000))),
        PeriodInputs(),
    )
    assert one.total_pence == pounds(3_500)
    assert one.carried == Pools(main_pence=pounds(8_200))
    assert two.allowances.main_wda_pence == pounds(1_234)
    shares = apportioned(
        Y2526,
        [(_period(one.period), pounds(40_000)), (_period(two.period), pounds(74_234))],
        [one.total_pence, two.total_pence],
    )
    assert [s.adjusted_pence for s in shares] == [pounds(36_500), pounds(73_000)]
    assert [s.share_pence for s in shares] == [pounds(27_000), pounds(19_000)]
    assert sum(s.share_pence for s in shares) == pounds(46_000)


def test_the_later_periods_pools_as_entered_are_used_instead_of_the_carried_ones():
    # Next year's figures give a main pool of £5,000 brought forward: 5,000 x 15.05% =
    # 752.50 -> £752 (not the £8,200 carried from this year's entries).
    _one, two = accounting_period_allowances(
        Y2526,
        DEC_31,
        [],
        PeriodInputs(0, Pools(main_pence=pounds(10_000))),
        PeriodInputs(0, Pools(main_pence=pounds(5_000))),
    )
    assert two.allowances.main_wda_pence == pounds(752)
    assert two.carried == Pools(main_pence=pounds(4_248))


def test_a_loss_after_allowances_is_shared_as_a_loss():
    # Year to 31 December 2025: profit £1,000, equipment £4,650 (AIA): a loss of £3,650;
    # x 270/365 = -£2,700. Year to 31 December 2026: £7,300, no allowances; x 95/365 =
    # £1,900. 2025/26: a loss of £800.
    one, two = accounting_period_allowances(
        Y2526, DEC_31, [], PeriodInputs(pounds(4_650), Pools()), PeriodInputs()
    )
    assert (one.total_pence, two.total_pence) == (pounds(4_650), 0)
    shares = apportioned(
        Y2526,
        [(_period(one.period), pounds(1_000)), (_period(two.period), pounds(7_300))],
        [one.total_pence, two.total_pence],
    )
    assert [s.share_pence for s in shares] == [-pounds(2_700), pounds(1_900)]
    assert sum(s.share_pence for s in shares) == -pounds(800)


def test_the_40_percent_first_year_allowance_needs_a_period_starting_from_2026():
    # £1,200,000 of new equipment. Year to 31 December 2026 (starts 1 January 2026): AIA
    # £1,000,000, 40% of the other £200,000 = £80,000, £120,000 to the pool with no
    # writing-down allowance this period. Year to 30 June 2026 (starts 1 July 2025, taken as
    # the day bought): no first-year allowance; £200,000 at 17.06% = £34,120.
    calendar = capital_allowances(
        ChargeablePeriod.ending_in(TaxYear(2026), DEC_31),
        [_equipment(1_200_000, date(2026, 1, 1))],
    )
    assert (calendar.aia_pence, calendar.fya_pence) == (pounds(1_000_000), pounds(80_000))
    assert (calendar.main_wda_pence, calendar.main_carried_pence) == (0, pounds(120_000))
    june = capital_allowances(
        ChargeablePeriod.ending_in(TaxYear(2026), JUN_30),
        [_equipment(1_200_000, date(2025, 7, 1))],
    )
    assert (june.aia_pence, june.fya_pence) == (pounds(1_000_000), 0)
    assert june.main_wda_pence == pounds(34_120)
    assert june.main_carried_pence == pounds(165_880)


def test_a_pooled_car_sold_in_the_later_period_comes_off_that_periods_pool():
    # £15,000 car, 40 g/km, no private use, bought in the year to 31 December 2025: main
    # pool, 18% = £2,700, carried £12,300. Sold in the year to 31 December 2026 (ends in
    # 2026/27) for £9,000: pool 12,300 - 9,000 = 3,300 x 15.05% = 496.65 -> £496.
    car = KeptAsset(
        cost_pence=pounds(15_000), bought_year=2025, kind=CAR, new=False, co2_g_km=40,
        disposed_year=2026, proceeds_pence=pounds(9_000),
    )  # fmt: skip
    one, two = accounting_period_allowances(Y2526, DEC_31, [car], PeriodInputs(), PeriodInputs())
    assert one.allowances.main_wda_pence == pounds(2_700)
    assert one.carried == Pools(main_pence=pounds(12_300))
    assert two.allowances.main_wda_pence == pounds(496)
    assert two.carried == Pools(main_pence=pounds(2_804))


def _equipment(cost: int, bought: date) -> Purchase:
    return Purchase(pounds(cost), bought)
