"""Reports: the tax year's profit and the VAT return's boxes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, field_validator

from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import Money, Out
from minimin.business.services import get_profile
from minimin.core.dates import TaxYear
from minimin.reports import ledger, vat_return
from minimin.reports.views import tax_year_report


class TaxYearQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tax_year: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}[/-][0-9]{2,4}$",
        description="Such as 2025/26; the current tax year when left out.",
    )
    basis: Literal["cash", "accruals"] = "cash"

    @field_validator("tax_year")
    @classmethod
    def _year(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                TaxYear.parse(value)
            except ValueError as exc:
                raise ValueError(str(exc)) from exc
        return value


class TaxYearOut(Out):
    tax_year: str
    start: dt.date
    end: dt.date
    basis: str
    turnover: Money
    total_income: Money
    allowable_expenses: Money
    net_profit: Money
    taxable_profit: Money
    trading_allowance: Money | None
    trading_allowance_is_better: bool | None


class VatQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start: dt.date = Field(description="First day of the VAT period.")
    end: dt.date = Field(description="Last day of the VAT period.")


class VatReturnOut(Out):
    start: dt.date
    end: dt.date
    scheme: str
    filed: bool
    boxes: dict[str, Money]


@operation(
    "GET",
    "/reports/tax-year",
    summary="The tax year's profit (self assessment figures)",
    tag="reports",
    scope="reports:read",
    query=TaxYearQuery,
    response=TaxYearOut,
)
def tax_year(query: TaxYearQuery) -> TaxYearOut:
    year = TaxYear.parse(query.tax_year) if query.tax_year else TaxYear.current()
    basis = ledger.CASH if query.basis == "cash" else ledger.ACCRUALS
    report = tax_year_report(current_user.id, year, basis)
    pnl = report.pnl
    allowance = report.trading_allowance_pence
    return TaxYearOut(
        tax_year=str(year),
        start=year.start,
        end=year.end,
        basis=query.basis,
        turnover=Money.of(pnl.turnover_pence, "GBP"),
        total_income=Money.of(pnl.total_income_pence, "GBP"),
        allowable_expenses=Money.of(pnl.allowable_expenses_pence, "GBP"),
        net_profit=Money.of(pnl.net_profit_pence, "GBP"),
        taxable_profit=Money.of(pnl.taxable_profit_pence, "GBP"),
        trading_allowance=Money.maybe(allowance, "GBP"),
        trading_allowance_is_better=report.allowance_is_better,
    )


@operation(
    "GET",
    "/reports/vat-return",
    summary="A VAT return's nine boxes",
    tag="reports",
    scope="reports:read",
    query=VatQuery,
    response=VatReturnOut,
)
def vat_return_boxes(query: VatQuery) -> VatReturnOut:
    """The filed figures when the return was filed, else the live ones; the period must be one
    of the business's VAT periods (422 otherwise)."""
    profile = get_profile(current_user.id)
    if profile is None or not profile.vat_registered:
        raise ApiProblem(409, "The business is not VAT-registered.")
    record = vat_return.filed_return(current_user.id, query.start, query.end)
    figures = (
        vat_return.stored_figures(record)
        if record
        else vat_return.compute(profile, query.start, query.end)
    )
    return VatReturnOut(
        start=query.start,
        end=query.end,
        scheme=figures.scheme,
        filed=record is not None,
        boxes={str(box): Money.of(pence, "GBP") for box, pence in sorted(figures.boxes.items())},
    )
