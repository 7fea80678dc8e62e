"""The user's other income and reliefs for a tax year (:class:`OtherIncomeRecord`): read into
the pure Self Assessment input, and kept from the page's form and the API
(decision 0009: :class:`SelfAssessmentInput`, :class:`AssetInput`). The rules that join the
inputs' fields (an accounting date, the transition amounts, early years relief, an asset's
years and CO2) are checked here, for both doors, each refusal on the doors' field."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.dates import TaxYear
from minimin.core.user_error import UserError
from minimin.extensions import db
from minimin.reports.inputs import AssetInput, SelfAssessmentInput
from minimin.reports.selfassessment.basis_period import (
    DAYS_IN_MONTH,
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
    asset_years,
    with_kept_assets,
)
from minimin.reports.selfassessment.compute import (
    EARLY,
    LOSS_CHOICES,
    MARRIAGE_CHOICES,
    OtherIncome,
)
from minimin.reports.selfassessment.rates import POSTGRADUATE, UNDERGRADUATE_PLANS
from minimin.reports.tax_models import (
    ASSET_KINDS,
    OTHER_INCOME_AMOUNTS,
    REFORM_AMOUNTS,
    CapitalAsset,
    OtherIncomeRecord,
)
from minimin.reports.tax_tables import REGIMES, known_years

#: The months' names, for the accounting date (its refusals and the form's choices).
MONTH_NAMES: dict[int, Any] = {
    1: _l("January"),
    2: _l("February"),
    3: _l("March"),
    4: _l("April"),
    5: _l("May"),
    6: _l("June"),
    7: _l("July"),
    8: _l("August"),
    9: _l("September"),
    10: _l("October"),
    11: _l("November"),
    12: _l("December"),
}


def record_for(user_id: uuid.UUID, year: TaxYear) -> OtherIncomeRecord | None:
    return db.session.scalar(
        sa.select(OtherIncomeRecord).where(
            OtherIncomeRecord.user_id == user_id,
            OtherIncomeRecord.tax_year == year.start_year,
        )
    )


def save(user_id: uuid.UUID, data: SelfAssessmentInput) -> OtherIncomeRecord:
    """Keep *data* as the year's record (created the first time), replacing what was kept.
    Raises :class:`UserError` (the first of :func:`self_assessment_refusals`) and keeps
    nothing when a rule is broken."""
    refusals = self_assessment_refusals(data)
    if refusals:
        raise refusals[0]
    record = record_for(user_id, data.tax_year)
    if record is None:
        record = OtherIncomeRecord(user_id=user_id, tax_year=data.tax_year.start_year)
        db.session.add(record)
    for column in (*OTHER_INCOME_AMOUNTS, *REFORM_AMOUNTS):
        setattr(record, column, getattr(data, column))
    month, day = data.accounting_end_month, data.accounting_end_day
    if month is None or day is None or is_tax_year_end(month, day):
        month = day = None  # the tax year's own end, 31 March to 5 April: nothing to keep
    plans = [data.student_loan_plan] if data.student_loan_plan else []
    if data.postgraduate_loan:
        plans.append(POSTGRADUATE)
    record.regime = data.regime
    record.student_loan_plans = ",".join(plans)
    record.marriage_allowance = data.marriage_allowance
    record.over_state_pension_age = data.over_state_pension_age
    record.wfh_hours_per_month = data.wfh_hours
    record.wfh_months = data.wfh_months
    record.accounting_end_month, record.accounting_end_day = month, day
    record.later_period_profit_pence = data.later_period_profit_pence
    record.loss_relief = data.loss_relief
    record.trade_start_year = data.trade_start_year.start_year if data.trade_start_year else None
    db.session.flush()
    return record


def self_assessment_refusals(data: SelfAssessmentInput) -> list[UserError]:
    """Every rule *data* breaks, each on its field (empty: none). :func:`save` refuses with
    the first; the page shows them all at once."""
    return [
        *_year_refusals(data),
        *_amount_refusals(data),
        *_accounting_date_refusals(data.accounting_end_month, data.accounting_end_day),
        *_transition_refusals(data),
        *_loss_refusals(data),
    ]


def _year_refusals(data: SelfAssessmentInput) -> Iterator[UserError]:
    if data.tax_year not in known_years():
        yield UserError(_l("Minimin has no tax rates for that tax year."), "tax_year")
    if data.regime not in REGIMES:
        yield UserError(_l("Choose where you pay income tax from the list."), "regime")
    if data.student_loan_plan and data.student_loan_plan not in UNDERGRADUATE_PLANS:
        yield UserError(_l("Choose a student loan plan from the list."), "student_loan_plan")
    if data.marriage_allowance not in MARRIAGE_CHOICES:
        yield UserError(_l("Choose a marriage allowance from the list."), "marriage_allowance")


def _amount_refusals(data: SelfAssessmentInput) -> Iterator[UserError]:
    for column in (*OTHER_INCOME_AMOUNTS, *REFORM_AMOUNTS):
        if getattr(data, column) < 0:
            yield UserError(_l("Enter an amount of zero or more."), column.removesuffix("_pence"))
    if not 0 <= data.wfh_hours <= 744:
        yield UserError(_l("Enter 0 to 744 hours a month."), "wfh_hours")
    if not 0 <= data.wfh_months <= 12:
        yield UserError(_l("Enter 0 to 12 months."), "wfh_months")


def _accounting_date_refusals(month: int | None, day: int | None) -> Iterator[UserError]:
    """An accounting date is a month and a day that month has, or neither."""
    if month is not None and month not in MONTH_NAMES:
        yield UserError(_l("Choose a month from the list."), "accounting_end_month")
    elif month is not None and day is None:
        yield UserError(_l("Enter the day of your accounting date."), "accounting_end_day")
    elif day is not None and month is None:
        yield UserError(_l("Choose the month of your accounting date."), "accounting_end_month")
    elif day is not None and day < 1:
        yield UserError(_l("Enter a day from 1 to 31."), "accounting_end_day")
    elif month is not None and day is not None and day > DAYS_IN_MONTH[month]:
        yield UserError(
            _l(
                "%(month)s has at most %(days)s days.",
                month=MONTH_NAMES[month],
                days=DAYS_IN_MONTH[month],
            ),
            "accounting_end_day",
        )


def _transition_refusals(data: SelfAssessmentInput) -> Iterator[UserError]:
    if data.transition_accelerated_pence > data.transition_profit_pence:
        yield UserError(
            _l("The extra amount cannot be more than the transition profit."),
            "transition_accelerated",
        )


def _loss_refusals(data: SelfAssessmentInput) -> Iterator[UserError]:
    """A loss relief from the list; early years relief needs the tax year the business
    started, one Minimin offers."""
    if data.loss_relief not in LOSS_CHOICES:
        yield UserError(_l("Choose what to do with a loss from the list."), "loss_relief")
    elif data.trade_start_year is not None:
        if data.trade_start_year.start_year not in {y for y, _label in asset_years()}:
            yield UserError(_l("Choose a tax year from the list."), "trade_start_year")
    elif data.loss_relief == EARLY:
        yield UserError(
            _l("Choose the tax year the business started, for early years relief."),
            "trade_start_year",
        )


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


def add_asset(user_id: uuid.UUID, data: AssetInput) -> CapitalAsset:
    """Keep a car or other equipment for the capital allowances of every year it counts in.
    Raises :class:`UserError` (the first of :func:`asset_refusals`) and keeps nothing when a
    rule is broken."""
    refusals = asset_refusals(data)
    if refusals:
        raise refusals[0]
    sold = data.disposed_year
    asset = CapitalAsset(
        user_id=user_id,
        description=data.description,
        kind=data.kind,
        cost_pence=data.cost_pence,
        co2_g_km=data.co2 if data.kind == "car" else None,
        new=data.new,
        business_percent=data.business_percent,
        bought_tax_year=data.bought_year.start_year,
        disposed_tax_year=sold.start_year if sold else None,
        disposal_proceeds_pence=data.proceeds_pence if sold else 0,
    )
    db.session.add(asset)
    db.session.flush()
    return asset


def asset_refusals(data: AssetInput) -> list[UserError]:
    """Every rule *data* breaks, each on its field (empty: none). :func:`add_asset` refuses
    with the first; the page shows them all at once."""
    return [*_asset_years_refusals(data), *_asset_value_refusals(data)]


def _asset_years_refusals(data: AssetInput) -> Iterator[UserError]:
    """Bought and sold in tax years Minimin has the rates of, and not sold before bought."""
    offered = {y for y, _label in asset_years()}
    sold = data.disposed_year
    if data.bought_year.start_year not in offered:
        yield UserError(_l("Choose the tax year it was bought from the list."), "bought_year")
    elif sold is not None and sold.start_year not in offered:
        yield UserError(_l("Choose the tax year it was sold from the list."), "disposed_year")
    elif sold is not None and sold.start_year < data.bought_year.start_year:
        yield UserError(_l("It cannot be sold before it was bought."), "disposed_year")
    if sold is None and data.proceeds_pence:
        yield UserError(_l("Choose the tax year it was sold, or leave this empty."), "proceeds")


def _asset_value_refusals(data: AssetInput) -> Iterator[UserError]:
    if data.kind not in ASSET_KINDS:
        yield UserError(_l("Choose a car or other equipment."), "kind")
    if data.cost_pence < 0:
        yield UserError(_l("Enter an amount of zero or more."), "cost")
    if data.proceeds_pence < 0:
        yield UserError(_l("Enter an amount of zero or more."), "proceeds")
    if not 1 <= data.business_percent <= 100:
        yield UserError(_l("Enter the business share, 1 to 100."), "business_percent")
    if data.kind == "car" and data.co2 is None:
        yield UserError(_l("Enter the car's CO2 emissions (0 for an electric car)."), "co2")
    elif data.co2 is not None and not 0 <= data.co2 <= 999:
        yield UserError(_l("Enter 0 to 999 g/km."), "co2")


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
