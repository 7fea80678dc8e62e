"""Capital allowances on plant and machinery for a sole trader. Pure: no Flask, no database.

Allowances are worked for a **chargeable period**, which for income tax is the period of
account (CAA 2001 s.6(1)(b)), and are treated as an expense of the trade in working out that
period's profit (CAA 2001 s.247). From 2024/25 the profit of a period of account not ending on
5 April (or 31 March to 4 April) is then shared between the tax years it overlaps (FA 2022
Sch. 1; ITTOIA 2005 s.203 apportionment): so the allowances come off each period's profit
*before* it is shared (:func:`accounting_period_allowances`). With an accounting date of 31
March to 5 April the period is the tax year itself (:meth:`ChargeablePeriod.of`).

Rules (Capital Allowances Act 2001 as HMRC applies it; the 2026 changes from gov.uk "Capital
allowances: new first-year allowance and reducing main rate writing-down allowances", 26
November 2025):

* Annual investment allowance (AIA): 100% of plant and machinery other than cars, up to
  £1,000,000 a year; given to special rate expenditure first (it would otherwise get only 6%).
* Cars never get the AIA. A new car with zero CO2 emissions gets a 100% first-year allowance;
  a car of 1-50 g/km joins the main pool, over 50 g/km the special rate pool.
* From 1 January 2026 new main rate plant beyond the AIA gets a 40% first-year allowance (not
  cars, not second-hand); what is left joins the main pool with no writing-down allowance in
  that year.
* Writing-down allowances: main pool 18% (14% from 6 April 2026), special rate pool 6% (8%
  before 6 April 2019), on the pool after additions and less disposal proceeds; a pool of
  £1,000 or less is written off (small pools allowance). Proceeds above a pool give a
  balancing charge.
* A chargeable period that spans a change of rate takes a **hybrid rate**: each rate for its
  share of the period's days, the total rounded up to two decimal places (HMRC Capital
  Allowances Manual CA23711, for the 2008 change: FA 2008 s.80(10) and s.83(2) require days
  and rounding up to two places; the 2012 and 2019 changes and the 2026 main rate change are
  worked the same way: for 2026, gov.uk "Capital allowances: new first-year allowance and
  reducing main rate writing-down allowances" and practitioners' notes (e.g. Bonham & Brook's
  31 December 2026 year end at 14.99% for a company, 1 April change). The Finance Act 2026's
  own wording of the hybrid rule is NOT checked here.)
* An asset with private use sits in its own pool: its allowances are cut to the business share.
* Allowances are rounded down to the pound.
* The user gives purchases by period, not by day: equipment and kept assets are taken as bought
  on the period's first day (so the 40% first-year allowance is given only when the whole
  period is from 1 January 2026: the cautious reading).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.basis_period import accounting_periods, is_tax_year_end

PLANT, SPECIAL, CAR = "plant", "special", "car"
KINDS = (PLANT, SPECIAL, CAR)
AIA_LIMIT_PENCE = 100_000_000
SMALL_POOL_PENCE = 100_000
FYA_40_FROM = date(2026, 1, 1)
CAR_MAIN_POOL_MAX_CO2 = 50


#: (first day, rate %) of each main pool rate for income tax, and the rate before the first.
MAIN_RATES = ((date(2012, 4, 6), Decimal(18)), (date(2026, 4, 6), Decimal(14)))
MAIN_RATE_BEFORE_2012 = Decimal(20)
#: The same for the special rate pool.
SPECIAL_RATES = ((date(2012, 4, 6), Decimal(8)), (date(2019, 4, 6), Decimal(6)))
SPECIAL_RATE_BEFORE_2012 = Decimal(10)
HUNDREDTH = Decimal("0.01")
#: Earliest tax year a kept asset may be bought in (the rates before are not in the tables).
FIRST_ASSET_YEAR = 2012


def asset_years() -> list[tuple[int, str]]:
    """(start year, label) of the tax years an asset may be bought or sold in (and a trade
    started in, for early years relief): from :data:`FIRST_ASSET_YEAR` to next tax year."""
    last = TaxYear.current().start_year + 1
    return [(y, TaxYear(y).label) for y in range(FIRST_ASSET_YEAR, last + 1)]


@dataclass(frozen=True)
class ChargeablePeriod:
    """The period allowances are worked for: the tax year itself, or with an accounting date
    (*accounting_date*, month and day) the period of account ending in *tax_year*."""

    tax_year: TaxYear
    start: date
    end: date
    accounting_date: tuple[int, int] | None = None

    @classmethod
    def of(cls, tax_year: TaxYear) -> ChargeablePeriod:
        return cls(tax_year, tax_year.start, tax_year.end)

    @classmethod
    def ending_in(
        cls, tax_year: TaxYear, accounting_date: tuple[int, int] | None
    ) -> ChargeablePeriod:
        """The period of account ending in *tax_year* (a year long); an accounting date of 31
        March to 5 April (or none) gives the tax year itself."""
        if accounting_date is None or is_tax_year_end(*accounting_date):
            return cls.of(tax_year)
        period, _later = accounting_periods(tax_year, *accounting_date)
        return cls(tax_year, period.start, period.end, accounting_date)

    def like(self, tax_year: TaxYear) -> ChargeablePeriod:
        """The period with the same accounting date that ends in *tax_year*."""
        return ChargeablePeriod.ending_in(tax_year, self.accounting_date)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def as_period(when: TaxYear | ChargeablePeriod) -> ChargeablePeriod:
    return when if isinstance(when, ChargeablePeriod) else ChargeablePeriod.of(when)


def period_rate(
    period: ChargeablePeriod, changes: tuple[tuple[date, Decimal], ...], before: Decimal
) -> Decimal:
    """The rate for *period*: the one in force throughout it, or the hybrid rate when it
    changes within the period (each rate for its share of the days, rounded up to 0.01%)."""
    starts = [(date.min, before), *changes]
    parts: list[tuple[int, Decimal]] = []
    for i, (since, rate) in enumerate(starts):
        until = starts[i + 1][0] - timedelta(days=1) if i + 1 < len(starts) else date.max
        days = (min(period.end, until) - max(period.start, since)).days + 1
        if days > 0:
            parts.append((days, rate))
    if len(parts) == 1:
        return parts[0][1]
    exact = sum((rate * days / period.days for days, rate in parts), Decimal(0))
    return exact.quantize(HUNDREDTH, rounding=ROUND_CEILING)


def main_rate(when: TaxYear | ChargeablePeriod) -> Decimal:
    """Main pool writing-down rate: 18%, 14% from 6 April 2026 (a hybrid rate for a period
    spanning the change)."""
    return period_rate(as_period(when), MAIN_RATES, MAIN_RATE_BEFORE_2012)


def special_rate(when: TaxYear | ChargeablePeriod) -> Decimal:
    """Special rate pool writing-down rate: 8%, 6% from 6 April 2019 (hybrid across it)."""
    return period_rate(as_period(when), SPECIAL_RATES, SPECIAL_RATE_BEFORE_2012)


@dataclass(frozen=True)
class Purchase:
    cost_pence: int
    bought: date
    kind: str = PLANT
    new: bool = True
    co2_g_km: int | None = None  # cars only
    business_percent: Decimal = Decimal(100)


@dataclass(frozen=True)
class Pools:
    """Written-down values brought forward, and disposal proceeds in the year."""

    main_pence: int = 0
    special_pence: int = 0
    main_disposals_pence: int = 0
    special_disposals_pence: int = 0


@dataclass(frozen=True)
class Allowances:
    aia_pence: int
    fya_pence: int
    main_wda_pence: int
    special_wda_pence: int
    single_asset_pence: int
    balancing_charge_pence: int
    main_carried_pence: int
    special_carried_pence: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_pence(self) -> int:
        """Allowances claimed less balancing charges (what reduces the profit)."""
        return (
            self.aia_pence
            + self.fya_pence
            + self.main_wda_pence
            + self.special_wda_pence
            + self.single_asset_pence
            - self.balancing_charge_pence
        )


def _pounds_down(value: Decimal | int) -> int:
    return int(Decimal(value).quantize(Decimal(100), rounding=ROUND_DOWN)) // 100 * 100


def car_pool(purchase: Purchase) -> str:
    """Where a car goes: "fya" (new, zero emissions), "main" (up to 50 g/km) or "special"."""
    co2 = purchase.co2_g_km if purchase.co2_g_km is not None else 999
    if co2 == 0 and purchase.new:
        return "fya"
    return "main" if co2 <= CAR_MAIN_POOL_MAX_CO2 else "special"


def _wda(pool: int, rate: Decimal) -> int:
    """Writing-down allowance on a pool, or all of it when it is £1,000 or less."""
    if pool <= 0:
        return 0
    if pool <= SMALL_POOL_PENCE:
        return pool
    return _pounds_down(Decimal(pool) * rate / 100)


@dataclass
class _Sorted:
    special_aia_able: int = 0
    main_aia_able: int = 0
    main_fya_able: int = 0  # the part of main_aia_able that may take the 40% FYA
    car_main: int = 0
    car_special: int = 0
    car_fya: int = 0
    private: list[Purchase] = field(default_factory=list)


def _sort(purchases: list[Purchase]) -> _Sorted:
    out = _Sorted()
    for p in purchases:
        if p.kind not in KINDS or p.cost_pence < 0:
            raise ValueError("unknown kind of purchase or a negative cost")
        if p.business_percent < 100:
            out.private.append(p)
        elif p.kind == CAR:
            pool = car_pool(p)
            if pool == "fya":
                out.car_fya += p.cost_pence
            elif pool == "main":
                out.car_main += p.cost_pence
            else:
                out.car_special += p.cost_pence
        elif p.kind == SPECIAL:
            out.special_aia_able += p.cost_pence
        else:
            out.main_aia_able += p.cost_pence
            if p.new and p.bought >= FYA_40_FROM:
                out.main_fya_able += p.cost_pence
    return out


def _single_asset(period: ChargeablePeriod, p: Purchase) -> int:
    """An asset with private use, in its own pool (no small pools write-off): plant takes the
    AIA, a car its first-year or writing-down allowance; cut to the business share."""
    full = Decimal(p.cost_pence)
    if p.kind == CAR and car_pool(p) != "fya":
        rate = special_rate(period) if car_pool(p) == "special" else main_rate(period)
        full = full * rate / 100
    return _pounds_down(full * p.business_percent / 100)


def capital_allowances(
    when: TaxYear | ChargeablePeriod, purchases: list[Purchase], pools: Pools | None = None
) -> Allowances:
    """The capital allowances of a tax year or other chargeable period (see the module
    docstring). The AIA limit is a 12-month period's: every period here is a year long."""
    period = as_period(when)
    pools = pools or Pools()
    s = _sort(purchases)
    aia_left = AIA_LIMIT_PENCE
    special_aia = min(s.special_aia_able, aia_left)
    aia_left -= special_aia
    main_aia = min(s.main_aia_able, aia_left)
    main_excess = s.main_aia_able - main_aia
    # The AIA is set against the expenditure that cannot take the 40% FYA first.
    fya_base = min(s.main_fya_able, main_excess)
    fya_40 = _pounds_down(Decimal(fya_base) * 40 / 100)
    main_pool = (
        pools.main_pence + s.car_main + (main_excess - fya_base) - pools.main_disposals_pence
    )
    special_pool = (
        pools.special_pence
        + s.car_special
        + (s.special_aia_able - special_aia)
        - pools.special_disposals_pence
    )
    charge = max(-main_pool, 0) + max(-special_pool, 0)
    main_wda = _wda(main_pool, main_rate(period))
    special_wda = _wda(special_pool, special_rate(period))
    single = sum(_single_asset(period, p) for p in s.private)
    return Allowances(
        aia_pence=special_aia + main_aia,
        fya_pence=fya_40 + s.car_fya,
        main_wda_pence=main_wda,
        special_wda_pence=special_wda,
        single_asset_pence=single,
        balancing_charge_pence=charge,
        main_carried_pence=max(main_pool, 0) - main_wda + (fya_base - fya_40),
        special_carried_pence=max(special_pool, 0) - special_wda,
    )


# --------------------------------------------------------------------------- kept assets
#
# A car (or other equipment) kept over several years (the ``capital_asset`` table):
#
# * **No private use**: it joins the main or special rate pool in the year it is bought (or
#   gets the 100% first-year allowance, or the AIA for equipment); later years are in the pools
#   brought forward the user enters. When it is sold, the proceeds (never more than its cost)
#   come off its pool: a car that had the first-year allowance, or equipment, the main pool.
# * **Private use**: it sits in its own pool for life (CAA 2001 s.206; no small pools
#   write-off). Each year the writing-down allowance reduces the pool in full, but only the
#   business share is claimed. In the year it is sold there is no writing-down allowance:
#   the pool less the proceeds (capped at cost) is a balancing allowance, or, when negative, a
#   balancing charge, each cut to the business share (HMRC "Capital allowances when you sell
#   an asset", gov.uk/capital-allowances/sold-given-away; BIM and CA23250 single asset pools).
# * Rates by chargeable period: main pool 18% (14% from 6 April 2026), special rate pool 6%
#   from 6 April 2019 (8% before), hybrid across a change. With an accounting date other than
#   31 March to 5 April an asset's "tax year bought" is the tax year its period of account
#   ends in, and its pool is worked period by period. Years before 2012/13 are refused by the
#   page.


@dataclass(frozen=True)
class KeptAsset:
    cost_pence: int
    bought_year: int  # start year of the tax year it was bought in
    kind: str = CAR
    new: bool = True
    co2_g_km: int | None = None
    business_percent: int = 100
    disposed_year: int | None = None
    proceeds_pence: int = 0
    description: str = ""

    @property
    def private_use(self) -> bool:
        return self.business_percent < 100

    def purchase(self, bought: date | None = None) -> Purchase:
        """The purchase, on *bought* (by default the first day of the tax year bought)."""
        return Purchase(
            self.cost_pence,
            bought or TaxYear(self.bought_year).start,
            kind=self.kind,
            new=self.new,
            co2_g_km=self.co2_g_km,
            business_percent=Decimal(self.business_percent),
        )


@dataclass(frozen=True)
class SingleAssetYear:
    """One private-use asset's pool in one tax year (claimed amounts are the business share)."""

    asset: KeptAsset
    brought_forward_pence: int
    full_allowance_pence: int  # writing-down (or first-year / AIA) allowance before the cut
    claimed_pence: int
    balancing_allowance_pence: int
    balancing_charge_pence: int
    carried_pence: int

    @property
    def net_pence(self) -> int:
        return self.claimed_pence + self.balancing_allowance_pence - self.balancing_charge_pence


def _first_allowance(asset: KeptAsset, period: ChargeablePeriod, pool: int) -> int:
    """The allowance on a single-asset pool in the period the asset was bought."""
    if asset.kind != CAR or car_pool(asset.purchase()) == "fya":
        return pool  # AIA on equipment, 100% first-year allowance on a zero-emission car
    return _rate_allowance(asset, period, pool)


def _rate_allowance(asset: KeptAsset, period: ChargeablePeriod, pool: int) -> int:
    special = asset.kind == CAR and car_pool(asset.purchase()) == "special"
    rate = special_rate(period) if special else main_rate(period)
    return _pounds_down(Decimal(pool) * rate / 100)


def _share(amount: int, percent: int) -> int:
    return _pounds_down(Decimal(amount) * percent / 100)


def single_asset_year(asset: KeptAsset, when: TaxYear | ChargeablePeriod) -> SingleAssetYear | None:
    """A private-use asset's pool in a tax year (or the period of account ending in it),
    worked forward period by period from the one it was bought in (``None`` before it was
    bought or after it was sold)."""
    period = as_period(when)
    year = period.tax_year.start_year
    if year < asset.bought_year or (asset.disposed_year is not None and year > asset.disposed_year):
        return None
    pool = asset.cost_pence
    for current in range(asset.bought_year, year + 1):
        brought = pool
        if current == asset.disposed_year:
            gap = pool - min(asset.proceeds_pence, asset.cost_pence)
            return SingleAssetYear(
                asset,
                brought,
                0,
                0,
                _share(max(gap, 0), asset.business_percent),
                _share(max(-gap, 0), asset.business_percent),
                0,
            )
        this = period.like(TaxYear(current))
        full = (
            _first_allowance(asset, this, pool)
            if current == asset.bought_year
            else _rate_allowance(asset, this, pool)
        )
        pool -= full
        if current == year:
            return SingleAssetYear(
                asset, brought, full, _share(full, asset.business_percent), 0, 0, pool
            )
    return None  # pragma: no cover - the loop always returns


def with_kept_assets(
    when: TaxYear | ChargeablePeriod,
    purchases: list[Purchase],
    pools: Pools,
    assets: list[KeptAsset],
) -> tuple[Allowances, tuple[SingleAssetYear, ...]]:
    """The period's allowances with the kept assets: pooled ones bought in it join the
    purchases, pooled ones sold in it reduce their pool, private-use ones get their own
    pool lines (returned beside the allowances; their net is in ``single_asset_pence`` and
    ``balancing_charge_pence``)."""
    period = as_period(when)
    year = period.tax_year.start_year
    bought = list(purchases)
    main_out = special_out = 0
    singles = []
    for asset in assets:
        if asset.private_use:
            line = single_asset_year(asset, period)
            if line is not None:
                singles.append(line)
            continue
        if asset.bought_year == year:
            bought.append(asset.purchase(period.start))
        if asset.disposed_year == year:
            proceeds = min(asset.proceeds_pence, asset.cost_pence)
            if asset.kind == CAR and car_pool(asset.purchase()) == "special":
                special_out += proceeds
            else:
                main_out += proceeds
    pools = Pools(
        main_pence=pools.main_pence,
        special_pence=pools.special_pence,
        main_disposals_pence=pools.main_disposals_pence + main_out,
        special_disposals_pence=pools.special_disposals_pence + special_out,
    )
    result = capital_allowances(period, bought, pools)
    result = Allowances(
        aia_pence=result.aia_pence,
        fya_pence=result.fya_pence,
        main_wda_pence=result.main_wda_pence,
        special_wda_pence=result.special_wda_pence,
        single_asset_pence=result.single_asset_pence
        + sum(s.claimed_pence + s.balancing_allowance_pence for s in singles),
        balancing_charge_pence=result.balancing_charge_pence
        + sum(s.balancing_charge_pence for s in singles),
        main_carried_pence=result.main_carried_pence,
        special_carried_pence=result.special_carried_pence,
        notes=result.notes,
    )
    return result, tuple(singles)


# --------------------------------------------------------------------------- accounting periods


@dataclass(frozen=True)
class PeriodInputs:
    """What the user entered for one chargeable period: equipment bought (taken as bought new
    on the period's first day) and the pools brought forward (``None``: carried from the
    period before)."""

    equipment_pence: int = 0
    pools: Pools | None = None


@dataclass(frozen=True)
class PeriodAllowances:
    period: ChargeablePeriod
    allowances: Allowances
    singles: tuple[SingleAssetYear, ...]

    @property
    def total_pence(self) -> int:
        return self.allowances.total_pence

    @property
    def carried(self) -> Pools:
        return Pools(
            main_pence=self.allowances.main_carried_pence,
            special_pence=self.allowances.special_carried_pence,
        )


def period_allowances(
    period: ChargeablePeriod, inputs: PeriodInputs, assets: list[KeptAsset]
) -> PeriodAllowances:
    """One chargeable period's allowances from what was entered for it and the kept assets."""
    purchases = [Purchase(inputs.equipment_pence, period.start)] if inputs.equipment_pence else []
    result, singles = with_kept_assets(period, purchases, inputs.pools or Pools(), assets)
    return PeriodAllowances(period, result, singles)


def accounting_period_allowances(
    tax_year: TaxYear,
    accounting_date: tuple[int, int],
    assets: list[KeptAsset],
    first: PeriodInputs,
    later: PeriodInputs,
) -> tuple[PeriodAllowances, PeriodAllowances]:
    """The allowances of the two periods of account *tax_year* overlaps: the one ending in it
    (*first*, with this year's entries) and the one ending in the next tax year (*later*,
    with next year's entries; its pools, unless entered, are those the first carries
    forward). Each is taken off its own period's profit before the profit is shared between
    tax years (CAA 2001 ss.6, 247; see the module docstring)."""
    one = period_allowances(ChargeablePeriod.ending_in(tax_year, accounting_date), first, assets)
    if later.pools is None:
        later = replace(later, pools=one.carried)
    after = ChargeablePeriod.ending_in(tax_year.next, accounting_date)
    return one, period_allowances(after, later, assets)
