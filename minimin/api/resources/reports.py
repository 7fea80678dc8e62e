"""Reports: the tax year's profit and the VAT return's boxes; VAT returns marked as filed,
the accountant export and its links, and the Self Assessment's inputs and kept assets."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from flask import Response
from flask_login import current_user
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, Money, MoneyIn, Out, Page, Text
from minimin.business.services import get_profile
from minimin.core.dates import TaxYear
from minimin.core.db import utcnow
from minimin.core.tenancy import owned_or_404
from minimin.reports import export, ledger, other_income, tax, tax_tables, vat_return
from minimin.reports.forms import (
    LOSS_RELIEF_LABELS,
    MARRIAGE_LABELS,
    STUDENT_LOAN_LABELS,
)
from minimin.reports.inputs import AssetInput, ExportInput, SelfAssessmentInput, VatFilingInput
from minimin.reports.selfassessment.rates import POSTGRADUATE
from minimin.reports.tax_models import (
    CapitalAsset,
    ExportJob,
    ExportShare,
    OtherIncomeRecord,
)
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


# --------------------------------------------------------------------------- VAT filing


class VatFilingIn(In):
    start: dt.date = Field(description="First day of the VAT period.")
    end: dt.date = Field(description="Last day of the VAT period (it must have ended).")
    period_key: str | None = Field(
        default=None, max_length=8, description="HMRC's period key, such as 24A1 or #001."
    )

    def to_input(self) -> VatFilingInput:
        key = (self.period_key or "").strip().upper()
        return VatFilingInput(self.start, self.end, key or None)


@operation(
    "POST",
    "/reports/vat-returns",
    summary="Mark a VAT return as filed",
    tag="reports",
    scope="reports:write",
    body=VatFilingIn,
    response=VatReturnOut,
    status=201,
    covers=("tax.vat_file",),
)
def file_vat_return(body: VatFilingIn) -> VatReturnOut:
    """After you have submitted the return to HMRC (through HMRC-recognised software; Minimin
    does not send returns to HMRC, so no HMRC sign-in is involved), as the return's page
    does: the nine boxes are stored and shown from then on, and the books are closed up to
    the period's end. 409 when the business is not VAT-registered or the period (or one
    overlapping it) is already filed."""
    profile = get_profile(current_user.id)
    if profile is None or not profile.vat_registered:
        raise ApiProblem(409, "The business is not VAT-registered.")
    record = vat_return.file_return(current_user.id, body.to_input())
    figures = vat_return.stored_figures(record)
    return VatReturnOut(
        start=record.period_start,
        end=record.period_end,
        scheme=figures.scheme,
        filed=True,
        boxes={str(box): Money.of(pence, "GBP") for box, pence in sorted(figures.boxes.items())},
    )


# --------------------------------------------------------------------------- accountant export


#: Exports one user may start in an hour (each reads a whole year), as on the page.
EXPORTS_PER_HOUR = 10


class ExportIn(In):
    tax_year: str = Field(
        pattern=r"^[0-9]{4}[/-][0-9]{2,4}$",
        description="Such as 2025/26: the current tax year or one of the six before it.",
    )

    @field_validator("tax_year")
    @classmethod
    def _year(cls, value: str) -> str:
        try:
            TaxYear.parse(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from exc
        return value

    def to_input(self) -> ExportInput:
        return ExportInput(TaxYear.parse(self.tax_year))


class ExportOut(Out):
    id: uuid.UUID
    tax_year: str
    status: str = Field(description="queued, running, done or failed.")
    progress: int = Field(description="Per cent done.")
    step: str
    files: int
    size_bytes: int | None
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ShareOut(Out):
    id: uuid.UUID
    export_id: uuid.UUID
    recipient: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    downloads: int
    last_download_at: dt.datetime | None


def _export_out(job: ExportJob) -> ExportOut:
    return ExportOut(
        id=job.id,
        tax_year=TaxYear(job.tax_year).label,
        status=job.status,
        progress=job.progress,
        step=job.step,
        files=job.files_count,
        size_bytes=job.size_bytes,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _share_out(link: ExportShare) -> ShareOut:
    return ShareOut(
        id=link.id,
        export_id=link.export_job_id,
        recipient=link.recipient,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        downloads=link.downloads,
        last_download_at=link.last_download_at,
    )


@operation(
    "POST",
    "/reports/exports",
    summary="Start an accountant export of a tax year",
    tag="reports",
    scope="reports:write",
    body=ExportIn,
    response=ExportOut,
    status=202,
    covers=("tax.export_start",),
)
def start_export(body: ExportIn) -> ExportOut:
    """The ZIP of the year's records (CSVs, the tax-year report, invoice PDFs, receipts) is
    built in the background: follow ``GET /reports/exports/{id}`` until it is ``done``, then
    share it with your accountant. At most 10 an hour."""
    if export.exports_since(current_user.id, utcnow() - dt.timedelta(hours=1)) >= EXPORTS_PER_HOUR:
        raise ApiProblem(
            429, "At most 10 exports an hour: try again later.", headers={"Retry-After": "600"}
        )
    return _export_out(export.start_export(current_user.id, body.to_input()))


@operation(
    "GET",
    "/reports/exports/<export_id>",
    summary="An accountant export's progress",
    tag="reports",
    scope="reports:read",
    response=ExportOut,
)
def get_export(export_id: str) -> ExportOut:
    return _export_out(owned_or_404(ExportJob, export_id))


@operation(
    "POST",
    "/reports/exports/<export_id>/shares",
    summary="Email your accountant a 7-day link to a finished export",
    tag="reports",
    scope="reports:write",
    response=ShareOut,
    status=201,
    covers=("tax.export_share",),
    load=(ExportJob, "job"),
)
def share_export(job: ExportJob) -> ShareOut:
    """To the accountant's email address on the business profile (422 when there is none);
    409 while the export is not finished."""
    return _share_out(export.share(job, current_user.id))


@operation(
    "POST",
    "/reports/export-shares/<share_id>/revoke",
    summary="Revoke an accountant's link",
    tag="reports",
    scope="reports:write",
    response=ShareOut,
    covers=("tax.export_share_revoke",),
    load=(ExportShare, "link"),
)
def revoke_export_share(link: ExportShare) -> ShareOut:
    """The link stops opening the export at once; revoking it again changes nothing."""
    export.revoke_share(link, current_user.id)
    return _share_out(link)


# --------------------------------------------------------------------------- Self Assessment

#: The largest amount the Self Assessment takes: £100 million (the forms' limit is higher, but
#: nothing a sole trader enters comes near it).
SA_MAX_PENCE = 10_000_000_000
StudentLoanPlan = Literal[tuple(STUDENT_LOAN_LABELS)]  # type: ignore[valid-type]
MarriageAllowance = Literal[tuple(MARRIAGE_LABELS)]  # type: ignore[valid-type]
LossRelief = Literal[tuple(LOSS_RELIEF_LABELS)]  # type: ignore[valid-type]
TAX_YEAR_PATTERN = r"^[0-9]{4}[/-][0-9]{2,4}$"


def _gbp(value: MoneyIn | None, *, negative_ok: bool = False) -> int | None:
    """The pence of an amount in pounds, in the Self Assessment's range."""
    if value is None:
        return None
    if value.currency != "GBP":
        raise ValueError("Amounts are in pounds (GBP).")
    pence = value.pence()
    if (pence < 0 and not negative_ok) or abs(pence) > SA_MAX_PENCE:
        raise ValueError("Enter an amount from 0 to 100,000,000.")
    return pence


#: The amounts kept per tax year (each ``<name>_pence`` on the record).
SA_AMOUNTS = (
    "salary",
    "other_income",
    "tax_paid",
    "poa_made",
    "savings_interest",
    "dividends",
    "pension_paid",
    "gift_aid_paid",
    "loss_brought_forward",
    "student_loan_deducted",
    "child_benefit",
    "equipment",
    "main_pool",
    "special_pool",
    "transition_profit",
    "transition_accelerated",
    "prior_income_1",
    "prior_income_2",
    "prior_income_3",
)


class SelfAssessmentIn(In):
    """What the Self Assessment page keeps for a tax year, beyond the books. Everything sent
    replaces what was kept: an amount left out is nil. Cars (and equipment kept over several
    years) are kept assets: ``POST /reports/assets``."""

    tax_year: str = Field(pattern=TAX_YEAR_PATTERN, description="Such as 2025/26.")
    regime: Literal[tax_tables.REGIMES] = tax_tables.RUK  # type: ignore[valid-type]
    salary: MoneyIn | None = None
    other_income: MoneyIn | None = None
    tax_paid: MoneyIn | None = Field(default=None, description="Tax paid through PAYE.")
    poa_made: MoneyIn | None = Field(default=None, description="Payments on account made.")
    savings_interest: MoneyIn | None = None
    dividends: MoneyIn | None = None
    pension_paid: MoneyIn | None = None
    gift_aid_paid: MoneyIn | None = None
    loss_brought_forward: MoneyIn | None = None
    student_loan_plan: StudentLoanPlan = ""  # type: ignore[valid-type]
    postgraduate_loan: bool = False
    student_loan_deducted: MoneyIn | None = None
    child_benefit: MoneyIn | None = None
    marriage_allowance: MarriageAllowance = ""  # type: ignore[valid-type]
    over_state_pension_age: bool = False
    wfh_hours: int | None = Field(default=None, ge=0, le=744)
    wfh_months: int | None = Field(default=None, ge=0, le=12)
    equipment: MoneyIn | None = None
    main_pool: MoneyIn | None = None
    special_pool: MoneyIn | None = None
    transition_profit: MoneyIn | None = None
    transition_accelerated: MoneyIn | None = None
    accounting_end_month: int | None = Field(default=None, ge=1, le=12)
    accounting_end_day: int | None = Field(default=None, ge=1, le=31)
    later_period_profit: MoneyIn | None = Field(
        default=None, description="A loss is negative; the books' figure when left out."
    )
    loss_relief: LossRelief = ""  # type: ignore[valid-type]
    trade_start_year: str | None = Field(default=None, pattern=TAX_YEAR_PATTERN)
    prior_income_1: MoneyIn | None = None
    prior_income_2: MoneyIn | None = None
    prior_income_3: MoneyIn | None = None

    @field_validator("tax_year", "trade_start_year")
    @classmethod
    def _tax_year(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return TaxYear.parse(value).label
        except ValueError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator(*SA_AMOUNTS)
    @classmethod
    def _amount(cls, value: MoneyIn | None) -> MoneyIn | None:
        _gbp(value)
        return value

    @field_validator("later_period_profit")
    @classmethod
    def _profit(cls, value: MoneyIn | None) -> MoneyIn | None:
        _gbp(value, negative_ok=True)
        return value

    def to_input(self) -> SelfAssessmentInput:
        """The year's inputs for the service (other_income.save), which checks the rules
        joining them (the accounting date, the transition amounts, early years relief), as
        for the page's form."""

        def pence(name: str) -> int:
            return _gbp(getattr(self, name)) or 0

        start = self.trade_start_year
        return SelfAssessmentInput(
            tax_year=TaxYear.parse(self.tax_year),
            regime=self.regime,
            salary_pence=pence("salary"),
            other_income_pence=pence("other_income"),
            tax_paid_pence=pence("tax_paid"),
            poa_made_pence=pence("poa_made"),
            savings_interest_pence=pence("savings_interest"),
            dividends_pence=pence("dividends"),
            pension_paid_pence=pence("pension_paid"),
            gift_aid_paid_pence=pence("gift_aid_paid"),
            loss_brought_forward_pence=pence("loss_brought_forward"),
            student_loan_plan=self.student_loan_plan,
            postgraduate_loan=self.postgraduate_loan,
            student_loan_deducted_pence=pence("student_loan_deducted"),
            child_benefit_pence=pence("child_benefit"),
            marriage_allowance=self.marriage_allowance,
            over_state_pension_age=self.over_state_pension_age,
            wfh_hours=self.wfh_hours or 0,
            wfh_months=self.wfh_months or 0,
            equipment_pence=pence("equipment"),
            main_pool_pence=pence("main_pool"),
            special_pool_pence=pence("special_pool"),
            transition_profit_pence=pence("transition_profit"),
            transition_accelerated_pence=pence("transition_accelerated"),
            accounting_end_month=self.accounting_end_month,
            accounting_end_day=self.accounting_end_day,
            later_period_profit_pence=_gbp(self.later_period_profit, negative_ok=True),
            loss_relief=self.loss_relief,
            trade_start_year=TaxYear.parse(start) if start else None,
            prior_income_1_pence=pence("prior_income_1"),
            prior_income_2_pence=pence("prior_income_2"),
            prior_income_3_pence=pence("prior_income_3"),
        )


class SelfAssessmentOut(Out):
    tax_year: str
    regime: str
    amounts: dict[str, Money] = Field(description="Each amount kept, by its name in the body.")
    student_loan_plan: str
    postgraduate_loan: bool
    marriage_allowance: str
    over_state_pension_age: bool
    wfh_hours: int
    wfh_months: int
    accounting_end_month: int | None
    accounting_end_day: int | None
    later_period_profit: Money | None
    loss_relief: str
    trade_start_year: str | None


def _self_assessment_out(record: OtherIncomeRecord) -> SelfAssessmentOut:
    gbp = lambda pence: Money.of(pence, "GBP")  # noqa: E731 - a local shorthand
    start = record.trade_start_year
    plans = other_income.plans(record)
    return SelfAssessmentOut(
        tax_year=TaxYear(record.tax_year).label,
        regime=record.regime,
        amounts={name: gbp(getattr(record, f"{name}_pence") or 0) for name in SA_AMOUNTS},
        student_loan_plan=next((p for p in plans if p != POSTGRADUATE), ""),
        postgraduate_loan=POSTGRADUATE in plans,
        marriage_allowance=record.marriage_allowance or "",
        over_state_pension_age=bool(record.over_state_pension_age),
        wfh_hours=record.wfh_hours_per_month or 0,
        wfh_months=record.wfh_months or 0,
        accounting_end_month=record.accounting_end_month,
        accounting_end_day=record.accounting_end_day,
        later_period_profit=Money.maybe(record.later_period_profit_pence, "GBP"),
        loss_relief=record.loss_relief or "",
        trade_start_year=TaxYear(start).label if start else None,
    )


@operation(
    "POST",
    "/reports/self-assessment",
    summary="Keep a tax year's Self Assessment inputs",
    tag="reports",
    scope="reports:write",
    body=SelfAssessmentIn,
    response=SelfAssessmentOut,
    covers=("reports.self_assessment_page",),
)
def save_self_assessment(body: SelfAssessmentIn) -> SelfAssessmentOut:
    """What the Self Assessment page keeps for the year beyond the books (other income,
    reliefs, student loans, equipment bought, pools, basis period and losses). The estimate
    itself: ``GET /reports/estimate``."""
    return _self_assessment_out(other_income.save(current_user.id, body.to_input()))


class SelfAssessmentQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tax_year: str = Field(pattern=TAX_YEAR_PATTERN, description="Such as 2025/26.")

    @field_validator("tax_year")
    @classmethod
    def _year(cls, value: str) -> str:
        try:
            return TaxYear.parse(value).label
        except ValueError as exc:
            raise ValueError(str(exc)) from exc


@operation(
    "GET",
    "/reports/self-assessment",
    summary="A tax year's kept Self Assessment inputs",
    tag="reports",
    scope="reports:read",
    query=SelfAssessmentQuery,
    response=SelfAssessmentOut,
)
def get_self_assessment(query: SelfAssessmentQuery) -> SelfAssessmentOut:
    """404 when nothing is kept for the year."""
    record = other_income.record_for(current_user.id, TaxYear.parse(query.tax_year))
    if record is None:
        raise ApiProblem(404, "Nothing is kept for that tax year.")
    return _self_assessment_out(record)


class AssetIn(In):
    description: Text(80) = ""  # type: ignore[valid-type]
    kind: Literal["car", "plant"] = "car"
    cost: MoneyIn
    co2: int | None = Field(default=None, ge=0, le=999, description="g/km; cars only.")
    new: bool = True
    business_percent: int = Field(default=100, ge=1, le=100)
    bought_year: str = Field(pattern=TAX_YEAR_PATTERN, description="Such as 2025/26.")
    disposed_year: str | None = Field(default=None, pattern=TAX_YEAR_PATTERN)
    proceeds: MoneyIn | None = Field(
        default=None, description="Sale proceeds (or market value if given away)."
    )

    @field_validator("bought_year", "disposed_year")
    @classmethod
    def _tax_year(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return TaxYear.parse(value).label
        except ValueError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("cost", "proceeds")
    @classmethod
    def _amount(cls, value: MoneyIn | None) -> MoneyIn | None:
        _gbp(value)
        return value

    def to_input(self) -> AssetInput:
        """The asset for the service (other_income.add_asset), which checks its years, its
        CO2 and its sale, as for the page's form."""
        return AssetInput(
            kind=self.kind,
            cost_pence=_gbp(self.cost) or 0,
            bought_year=TaxYear.parse(self.bought_year),
            description=self.description,
            co2=self.co2,
            new=self.new,
            business_percent=self.business_percent,
            disposed_year=TaxYear.parse(self.disposed_year) if self.disposed_year else None,
            proceeds_pence=_gbp(self.proceeds) or 0,
        )


class AssetOut(Out):
    id: uuid.UUID
    description: str
    kind: str
    cost: Money
    co2: int | None
    new: bool
    business_percent: int
    bought_year: str
    disposed_year: str | None
    proceeds: Money


def _asset_out(asset: CapitalAsset) -> AssetOut:
    return AssetOut(
        id=asset.id,
        description=asset.description or "",
        kind=asset.kind,
        cost=Money.of(asset.cost_pence, "GBP"),
        co2=asset.co2_g_km,
        new=bool(asset.new),
        business_percent=asset.business_percent,
        bought_year=asset.bought_label,
        disposed_year=asset.disposed_label or None,
        proceeds=Money.of(asset.disposal_proceeds_pence, "GBP"),
    )


@operation(
    "GET",
    "/reports/assets",
    summary="The cars and equipment kept for capital allowances",
    tag="reports",
    scope="reports:read",
    response=Page[AssetOut],
)
def list_assets() -> Page[AssetOut]:
    """Every kept asset, in the order bought (one page)."""
    return Page[AssetOut](data=[_asset_out(a) for a in other_income.assets_for(current_user.id)])


@operation(
    "POST",
    "/reports/assets",
    summary="Keep a car or other equipment for its capital allowances",
    tag="reports",
    scope="reports:write",
    body=AssetIn,
    response=AssetOut,
    status=201,
    covers=("reports.self_assessment_asset_add",),
)
def add_asset(body: AssetIn) -> AssetOut:
    """As on the Self Assessment page: its allowances count in every year it is used."""
    return _asset_out(other_income.add_asset(current_user.id, body.to_input()))


@operation(
    "DELETE",
    "/reports/assets/<asset_id>",
    summary="Remove a kept asset",
    tag="reports",
    scope="reports:write",
    status=204,
    covers=("reports.self_assessment_asset_delete",),
    load=(CapitalAsset, "asset"),
)
def delete_asset(asset: CapitalAsset) -> Response:
    other_income.delete_asset(asset)
    return Response(status=204)
