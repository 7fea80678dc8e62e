"""The user's other income and reliefs for a tax year (:class:`OtherIncomeRecord`): read into
the pure Self Assessment input, and saved from the page's form."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from minimin.core.dates import TaxYear
from minimin.extensions import db
from minimin.reports.selfassessment.basis_period import (
    FIRST_SPREAD_YEAR,
    SPREAD_YEARS,
    SpreadYear,
    is_tax_year_end,
    transition_spread,
)
from minimin.reports.selfassessment.capital_allowances import (
    Allowances,
    KeptAsset,
    PeriodAllowances,
    PeriodInputs,
    Pools,
    Purchase,
    SingleAssetYear,
    accounting_period_allowances,
    with_kept_assets,
)
from minimin.reports.selfassessment.compute import OtherIncome
from minimin.reports.tax_models import (
    OTHER_INCOME_AMOUNTS,
    REFORM_AMOUNTS,
    CapitalAsset,
    OtherIncomeRecord,
)

#: The record's fields that are not amounts.
OTHER_FIELDS = (
    "regime",
    "student_loan_plans",
    "marriage_allowance",
    "over_state_pension_age",
    "wfh_hours_per_month",
    "wfh_months",
    "accounting_end_month",
    "accounting_end_day",
    "later_period_profit_pence",
    "loss_relief",
    "trade_start_year",
)


def record_for(user_id: uuid.UUID, year: TaxYear) -> OtherIncomeRecord | None:
    return db.session.scalar(
        sa.select(OtherIncomeRecord).where(
            OtherIncomeRecord.user_id == user_id,
            OtherIncomeRecord.tax_year == year.start_year,
        )
    )


def save(user_id: uuid.UUID, year: TaxYear, values: dict[str, Any]) -> OtherIncomeRecord:
    """Create or update the year's record from *values* (already checked by the form)."""
    record = record_for(user_id, year)
    if record is None:
        record = OtherIncomeRecord(user_id=user_id, tax_year=year.start_year)
        db.session.add(record)
    for name in (*OTHER_INCOME_AMOUNTS, *REFORM_AMOUNTS, *OTHER_FIELDS):
        if name in values:
            setattr(record, name, values[name])
    db.session.commit()
    return record


def allowances(
    year: TaxYear, record: OtherIncomeRecord | None, assets: list[KeptAsset] | None = None
) -> tuple[Allowances | None, tuple[SingleAssetYear, ...]]:
    """The capital allowances of the year's equipment, kept assets (cars among them) and pools
    (``None``: none entered), with the private-use assets' own pools. Equipment is taken as
    bought new on the first day of the tax year."""
    assets = assets or []
    purchases = []
    if record is not None and record.equipment_pence:
        purchases.append(Purchase(record.equipment_pence, year.start))
    pools = Pools()
    if record is not None:
        pools = Pools(
            main_pence=record.main_pool_pence or 0, special_pence=record.special_pool_pence or 0
        )
    if not purchases and pools == Pools() and not _in_year(year, assets):
        return None, ()
    return with_kept_assets(year, purchases, pools, assets)


def accounting_date(record: OtherIncomeRecord | None) -> tuple[int, int] | None:
    """The kept accounting date (month, day), or ``None`` for the tax year's own end."""
    if record is None or not record.accounting_end_month or not record.accounting_end_day:
        return None
    month, day = record.accounting_end_month, record.accounting_end_day
    return None if is_tax_year_end(month, day) else (month, day)


def allowances_by_period(
    user_id: uuid.UUID,
    year: TaxYear,
    record: OtherIncomeRecord | None,
    assets: list[KeptAsset],
    date: tuple[int, int],
) -> tuple[PeriodAllowances, PeriodAllowances]:
    """With an accounting date: the allowances of the period of account ending in *year*
    (this year's equipment and pools) and of the one ending in the next tax year (next
    year's equipment, and its pools when entered, else those carried forward)."""
    return accounting_period_allowances(
        year,
        date,
        assets,
        _period_inputs(record, carry=False),
        _period_inputs(record_for(user_id, year.next), carry=True),
    )


def _period_inputs(record: OtherIncomeRecord | None, *, carry: bool) -> PeriodInputs:
    pools = None
    if record is not None:
        pools = Pools(
            main_pence=record.main_pool_pence or 0, special_pence=record.special_pool_pence or 0
        )
    if carry and pools == Pools():
        pools = None  # nothing entered for the later period: carry the first one's pools
    equipment = (record.equipment_pence or 0) if record is not None else 0
    return PeriodInputs(equipment, pools if pools is not None or carry else Pools())


def _in_year(year: TaxYear, assets: list[KeptAsset]) -> bool:
    """Whether any kept asset counts in *year* (bought, held with private use, or sold)."""
    y = year.start_year
    return any(
        a.bought_year == y
        or a.disposed_year == y
        or (a.private_use and a.bought_year <= y and (a.disposed_year or y) >= y)
        for a in assets
    )


# --------------------------------------------------------------------------- kept assets


def assets_for(user_id: uuid.UUID) -> list[CapitalAsset]:
    return list(
        db.session.scalars(
            sa.select(CapitalAsset)
            .where(CapitalAsset.user_id == user_id)
            .order_by(CapitalAsset.bought_tax_year, CapitalAsset.created_at)
        )
    )


def kept(rows: list[CapitalAsset]) -> list[KeptAsset]:
    """The pure rules' view of the stored assets."""
    return [
        KeptAsset(
            cost_pence=row.cost_pence,
            bought_year=row.bought_tax_year,
            kind=row.kind,
            new=bool(row.new),
            co2_g_km=row.co2_g_km,
            business_percent=row.business_percent,
            disposed_year=row.disposed_tax_year,
            proceeds_pence=row.disposal_proceeds_pence or 0,
            description=row.description or "",
        )
        for row in rows
    ]


def add_asset(user_id: uuid.UUID, values: dict[str, Any]) -> CapitalAsset:
    """Keep a car or other equipment (*values* already checked by the form)."""
    asset = CapitalAsset(user_id=user_id, **values)
    db.session.add(asset)
    db.session.flush()
    return asset


def delete_asset(asset: CapitalAsset) -> None:
    db.session.delete(asset)
    db.session.flush()


# --------------------------------------------------------------------------- transition


def transition_year(
    user_id: uuid.UUID, year: TaxYear, record: OtherIncomeRecord | None
) -> SpreadYear | None:
    """The part of the 2023/24 transition profit taxed in *year* (``None``: none entered or
    outside 2023/24 to 2027/28). The extra amounts elected in earlier years come from those
    years' records; the whole transition profit from this year's."""
    if record is None or not record.transition_profit_pence:
        return None
    last = FIRST_SPREAD_YEAR + SPREAD_YEARS - 1
    if not FIRST_SPREAD_YEAR <= year.start_year <= last:
        return None
    rows = db.session.execute(
        sa.select(OtherIncomeRecord.tax_year, OtherIncomeRecord.transition_accelerated_pence).where(
            OtherIncomeRecord.user_id == user_id,
            OtherIncomeRecord.tax_year.between(FIRST_SPREAD_YEAR, year.start_year),
        )
    ).all()
    extra = {int(y): int(p or 0) for y, p in rows}
    spread = transition_spread(record.transition_profit_pence, extra)
    return next((s for s in spread if s.tax_year == year), SpreadYear(year, 0, 0))


def plans(record: OtherIncomeRecord | None) -> tuple[str, ...]:
    if record is None or not record.student_loan_plans:
        return ()
    return tuple(p for p in record.student_loan_plans.split(",") if p)


def other_income(
    record: OtherIncomeRecord | None,
    *,
    transition_pence: int = 0,
    prior_trade_profit_pence: int = 0,
) -> OtherIncome:
    """The pure rules' input from a stored record (nothing entered: all nil), with the year's
    share of the transition profit and last year's profit of the trade (from the books)."""
    if record is None:
        return OtherIncome()
    return OtherIncome(
        savings_interest_pence=record.savings_interest_pence or 0,
        dividends_pence=record.dividends_pence or 0,
        pension_paid_pence=record.pension_paid_pence or 0,
        gift_aid_paid_pence=record.gift_aid_paid_pence or 0,
        loss_brought_forward_pence=record.loss_brought_forward_pence or 0,
        student_loan_plans=plans(record),
        student_loan_deducted_pence=record.student_loan_deducted_pence or 0,
        child_benefit_pence=record.child_benefit_pence or 0,
        marriage_allowance=record.marriage_allowance or "",
        over_state_pension_age=bool(record.over_state_pension_age),
        wfh_hours_per_month=record.wfh_hours_per_month or 0,
        wfh_months=record.wfh_months or 0,
        transition_profit_pence=transition_pence,
        loss_relief=record.loss_relief or "",
        prior_years_income=(
            record.prior_income_1_pence or 0,
            record.prior_income_2_pence or 0,
            record.prior_income_3_pence or 0,
        ),
        prior_trade_profit_pence=max(prior_trade_profit_pence, 0),
        trade_start_year=record.trade_start_year,
    )
