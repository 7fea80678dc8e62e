"""Capital allowances on plant and machinery for a sole trader whose basis period is the tax
year (the rule from 2024/25). Pure: no Flask, no database.

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
* Writing-down allowances: main pool 18% (14% from 2026/27), special rate pool 6%, on the pool
  after additions and less disposal proceeds; a pool of £1,000 or less is written off (small
  pools allowance). Proceeds above a pool give a balancing charge.
* An asset with private use sits in its own pool: its allowances are cut to the business share.
* Allowances are rounded down to the pound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from minimin.core.dates import TaxYear

PLANT, SPECIAL, CAR = "plant", "special", "car"
KINDS = (PLANT, SPECIAL, CAR)
AIA_LIMIT_PENCE = 100_000_000
SMALL_POOL_PENCE = 100_000
SPECIAL_RATE = Decimal(6)
FYA_40_FROM = date(2026, 1, 1)
CAR_MAIN_POOL_MAX_CO2 = 50


def main_rate(tax_year: TaxYear) -> Decimal:
    """Main pool writing-down rate: 18%, 14% from 2026/27 (6 April 2026 for income tax)."""
    return Decimal(14) if tax_year.start_year >= 2026 else Decimal(18)


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


def _single_asset(tax_year: TaxYear, p: Purchase) -> int:
    """An asset with private use, in its own pool (no small pools write-off): plant takes the
    AIA, a car its first-year or writing-down allowance; cut to the business share."""
    full = Decimal(p.cost_pence)
    if p.kind == CAR and car_pool(p) != "fya":
        rate = SPECIAL_RATE if car_pool(p) == "special" else main_rate(tax_year)
        full = full * rate / 100
    return _pounds_down(full * p.business_percent / 100)


def capital_allowances(
    tax_year: TaxYear, purchases: list[Purchase], pools: Pools | None = None
) -> Allowances:
    """The year's capital allowances (see the module docstring)."""
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
    main_wda = _wda(main_pool, main_rate(tax_year))
    special_wda = _wda(special_pool, SPECIAL_RATE)
    single = sum(_single_asset(tax_year, p) for p in s.private)
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
# * Rates by year: main pool 18% (14% from 2026/27), special rate pool 6% from 2019/20 (8%
#   before); the tax year is the basis period. Years before 2012/13 are refused by the page.

SPECIAL_RATE_BEFORE_2019 = Decimal(8)


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

    def purchase(self) -> Purchase:
        return Purchase(
            self.cost_pence,
            TaxYear(self.bought_year).start,
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


def special_rate(tax_year: TaxYear) -> Decimal:
    return SPECIAL_RATE if tax_year.start_year >= 2019 else SPECIAL_RATE_BEFORE_2019


def _first_allowance(asset: KeptAsset, tax_year: TaxYear, pool: int) -> int:
    """The allowance on a single-asset pool in the year the asset was bought."""
    if asset.kind != CAR or car_pool(asset.purchase()) == "fya":
        return pool  # AIA on equipment, 100% first-year allowance on a zero-emission car
    return _rate_allowance(asset, tax_year, pool)


def _rate_allowance(asset: KeptAsset, tax_year: TaxYear, pool: int) -> int:
    special = asset.kind == CAR and car_pool(asset.purchase()) == "special"
    rate = special_rate(tax_year) if special else main_rate(tax_year)
    return _pounds_down(Decimal(pool) * rate / 100)


def _share(amount: int, percent: int) -> int:
    return _pounds_down(Decimal(amount) * percent / 100)


def single_asset_year(asset: KeptAsset, tax_year: TaxYear) -> SingleAssetYear | None:
    """A private-use asset's pool in *tax_year*, worked forward from the year it was bought
    (``None`` before it was bought or after it was sold)."""
    year = tax_year.start_year
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
        ty = TaxYear(current)
        full = (
            _first_allowance(asset, ty, pool)
            if current == asset.bought_year
            else _rate_allowance(asset, ty, pool)
        )
        pool -= full
        if current == year:
            return SingleAssetYear(
                asset, brought, full, _share(full, asset.business_percent), 0, 0, pool
            )
    return None  # pragma: no cover - the loop always returns


def with_kept_assets(
    tax_year: TaxYear,
    purchases: list[Purchase],
    pools: Pools,
    assets: list[KeptAsset],
) -> tuple[Allowances, tuple[SingleAssetYear, ...]]:
    """The year's allowances with the kept assets: pooled ones bought this year join the
    purchases, pooled ones sold this year reduce their pool, private-use ones get their own
    pool lines (returned beside the allowances; their net is in ``single_asset_pence`` and
    ``balancing_charge_pence``)."""
    year = tax_year.start_year
    bought = list(purchases)
    main_out = special_out = 0
    singles = []
    for asset in assets:
        if asset.private_use:
            line = single_asset_year(asset, tax_year)
            if line is not None:
                singles.append(line)
            continue
        if asset.bought_year == year:
            bought.append(asset.purchase())
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
    result = capital_allowances(tax_year, bought, pools)
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
