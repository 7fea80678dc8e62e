"""The user's other income and reliefs for a tax year (:class:`OtherIncomeRecord`): read into
the pure Self Assessment input, and saved from the page's form."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from minimin.core.dates import TaxYear
from minimin.extensions import db
from minimin.reports.selfassessment.capital_allowances import (
    CAR,
    Allowances,
    Pools,
    Purchase,
    capital_allowances,
)
from minimin.reports.selfassessment.compute import OtherIncome
from minimin.reports.tax_models import OTHER_INCOME_AMOUNTS, OtherIncomeRecord

#: The record's fields that are not amounts.
OTHER_FIELDS = (
    "regime",
    "student_loan_plans",
    "marriage_allowance",
    "over_state_pension_age",
    "wfh_hours_per_month",
    "wfh_months",
    "car_co2_g_km",
    "car_new",
    "car_business_percent",
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
    for name in (*OTHER_INCOME_AMOUNTS, *OTHER_FIELDS):
        if name in values:
            setattr(record, name, values[name])
    db.session.commit()
    return record


def allowances(year: TaxYear, record: OtherIncomeRecord | None) -> Allowances | None:
    """The capital allowances of the year's equipment, car and pools (``None``: none entered).
    Equipment is taken as bought new on the first day of the tax year."""
    if record is None:
        return None
    purchases = []
    if record.equipment_pence:
        purchases.append(Purchase(record.equipment_pence, year.start))
    if record.car_cost_pence:
        purchases.append(
            Purchase(
                record.car_cost_pence,
                year.start,
                kind=CAR,
                new=bool(record.car_new),
                co2_g_km=record.car_co2_g_km,
                business_percent=Decimal(record.car_business_percent),
            )
        )
    pools = Pools(
        main_pence=record.main_pool_pence or 0, special_pence=record.special_pool_pence or 0
    )
    if not purchases and pools == Pools():
        return None
    return capital_allowances(year, purchases, pools)


def plans(record: OtherIncomeRecord | None) -> tuple[str, ...]:
    if record is None or not record.student_loan_plans:
        return ()
    return tuple(p for p in record.student_loan_plans.split(",") if p)


def other_income(record: OtherIncomeRecord | None) -> OtherIncome:
    """The pure rules' input from a stored record (nothing entered: all nil)."""
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
    )
