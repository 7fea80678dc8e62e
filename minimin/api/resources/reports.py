"""Reports: the tax year's profit and the VAT return's boxes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, field_validator

from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import Money, Out
from minimin.business.services import get_profile
from minimin.core.dates import TaxYear
from minimin.reports import ledger, tax, tax_tables, vat_return
from minimin.reports.tax_year import tax_year_report


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


GBP_AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


class EstimateQuery(TaxYearQuery):
    profit: str | None = Field(
        default=None, pattern=GBP_AMOUNT, description="Use instead of the books' profit."
    )
    salary: str = Field(default="0", pattern=GBP_AMOUNT, description="Pay from employment.")
    other_income: str = Field(default="0", pattern=GBP_AMOUNT)
    tax_paid: str = Field(default="0", pattern=GBP_AMOUNT, description="Tax paid at source.")
    payments_on_account_made: str = Field(default="0", pattern=GBP_AMOUNT)
    regime: Literal["ruk", "scotland"] = "ruk"


class TaxPaymentOut(Out):
    due: dt.date
    kind: str
    amount: Money


class EstimateOut(Out):
    tax_year: str
    profit: Money
    total_income: Money
    personal_allowance: Money
    taxable_income: Money
    income_tax: Money
    class4_ni: Money
    liability: Money
    self_assessment: Money
    balancing_payment: Money
    payment_on_account: Money
    payments: list[TaxPaymentOut]


def _pence(text: str) -> int:
    return int(Decimal(text).scaleb(2))


@operation(
    "GET",
    "/reports/estimate",
    summary="Income tax and Class 4 National Insurance estimate",
    tag="reports",
    scope="reports:read",
    query=EstimateQuery,
    response=EstimateOut,
    covers=("reports.estimate",),
)
def estimate(query: EstimateQuery) -> EstimateOut:
    """As the estimate page: the tax year's taxable profit from the books (the trading
    allowance when it is better), unless ``profit`` is given; amounts in pounds."""
    year = TaxYear.parse(query.tax_year) if query.tax_year else TaxYear.current()
    try:
        tax_tables.table_for(year)
    except tax_tables.UnknownTaxYear as exc:
        raise ApiProblem(
            422,
            errors=[{"field": "tax_year", "code": "unknown", "detail": "No tax rates for it."}],
        ) from exc
    if query.profit is not None:
        profit = _pence(query.profit)
    else:
        basis = ledger.CASH if query.basis == "cash" else ledger.ACCRUALS
        profit = tax_year_report(current_user.id, year, basis).best_taxable_profit_pence
    result = tax.estimate(
        tax.EstimateInput(
            tax_year=year,
            profit_pence=profit,
            salary_pence=_pence(query.salary),
            other_income_pence=_pence(query.other_income),
            tax_paid_at_source_pence=_pence(query.tax_paid),
            payments_on_account_made_pence=_pence(query.payments_on_account_made),
            regime=query.regime,
        )
    )
    gbp = lambda pence: Money.of(pence, "GBP")  # noqa: E731 - a local shorthand
    return EstimateOut(
        tax_year=str(year),
        profit=gbp(profit),
        total_income=gbp(result.total_income_pence),
        personal_allowance=gbp(result.personal_allowance_pence),
        taxable_income=gbp(result.taxable_income_pence),
        income_tax=gbp(result.income_tax_pence),
        class4_ni=gbp(result.class4_pence),
        liability=gbp(result.liability_pence),
        self_assessment=gbp(result.self_assessment_pence),
        balancing_payment=gbp(result.balancing_payment_pence),
        payment_on_account=gbp(result.payment_on_account_pence),
        payments=[
            TaxPaymentOut(due=p.due, kind=p.kind, amount=gbp(p.amount_pence))
            for p in result.payments
        ],
    )
