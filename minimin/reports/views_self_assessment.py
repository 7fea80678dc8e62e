"""The "Your Self Assessment" page: a tax year's estimate from the books and what the user
enters (kept per tax year), with the rules in plain words. Thin: the figures come from
:mod:`minimin.reports.selfassessment` and the tax-year report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.core.dates import DateError, TaxYear, uk_today
from minimin.core.forms import select_choices
from minimin.core.templating import money, uk_date
from minimin.core.tenancy import owned_or_404
from minimin.core.web import UserError, ViewResult, apply_user_error
from minimin.reports import dashboard, ledger, other_income, tax_tables
from minimin.reports.forms import (
    ASSET_KIND_LABELS,
    LOSS_RELIEF_LABELS,
    MONTH_LABELS,
    REGIME_LABELS,
    AssetForm,
    SelfAssessmentForm,
)
from minimin.reports.selfassessment import SAInput, self_assessment
from minimin.reports.selfassessment.basis_period import (
    Apportioned,
    accounting_periods,
    apportioned,
)
from minimin.reports.selfassessment.capital_allowances import (
    KeptAsset,
    PeriodAllowances,
    asset_years,
)
from minimin.reports.selfassessment.provisional import (
    allowances_line,
    at_main_rate,
    marked_lines,
    provisional_figures,
)
from minimin.reports.selfassessment.rates import POSTGRADUATE
from minimin.reports.selfassessment.timeline import timeline_extras
from minimin.reports.tax_models import CapitalAsset, OtherIncomeRecord
from minimin.reports.views import _unknown_year_message, bp, tax_year_report

#: Form field -> record column, for the amounts kept per tax year.
AMOUNTS = {
    "salary": "salary_pence",
    "other_income": "other_income_pence",
    "tax_paid": "tax_paid_pence",
    "poa_made": "poa_made_pence",
    "savings_interest": "savings_interest_pence",
    "dividends": "dividends_pence",
    "pension_paid": "pension_paid_pence",
    "gift_aid_paid": "gift_aid_paid_pence",
    "loss_brought_forward": "loss_brought_forward_pence",
    "student_loan_deducted": "student_loan_deducted_pence",
    "child_benefit": "child_benefit_pence",
    "equipment": "equipment_pence",
    "main_pool": "main_pool_pence",
    "special_pool": "special_pool_pence",
    "transition_profit": "transition_profit_pence",
    "transition_accelerated": "transition_accelerated_pence",
    "prior_income_1": "prior_income_1_pence",
    "prior_income_2": "prior_income_2_pence",
    "prior_income_3": "prior_income_3_pence",
}


def _year(form: SelfAssessmentForm, years: list[TaxYear]) -> TaxYear | None:
    raw = form.tax_year.data if request.method == "POST" else request.args.get("year")
    if not raw:
        current = TaxYear.current()
        return current if current in years else years[-1]
    try:
        return TaxYear.parse(raw)
    except DateError as exc:
        form.tax_year.errors = [str(exc.message)]
        return None


def _fill(form: SelfAssessmentForm, record: OtherIncomeRecord | None) -> None:
    """Show the year's kept figures in the form (GET)."""
    if record is None:
        return
    for name, column in AMOUNTS.items():
        pence = getattr(record, column) or 0
        getattr(form, name).data = Decimal(pence) / 100 if pence else None
    form.regime.data = record.regime or tax_tables.RUK
    plans = other_income.plans(record)
    form.student_loan_plan.data = next((p for p in plans if p != POSTGRADUATE), "")
    form.postgraduate_loan.data = POSTGRADUATE in plans
    form.marriage_allowance.data = record.marriage_allowance or ""
    form.over_state_pension_age.data = record.over_state_pension_age
    form.wfh_hours.data = record.wfh_hours_per_month or None
    form.wfh_months.data = record.wfh_months or None
    form.accounting_end_month.data = str(record.accounting_end_month or "")
    form.accounting_end_day.data = record.accounting_end_day
    later = record.later_period_profit_pence
    form.later_period_profit.data = None if later is None else Decimal(later) / 100
    form.loss_relief.data = record.loss_relief or ""
    start = record.trade_start_year
    form.trade_start_year.data = TaxYear(start).label if start else ""


def _show_refusals(form: Any, refusals: list[UserError]) -> bool:
    """Put the service's refusals on the form's fields, all at once, except on a field the
    form itself refused (its value could not be read: its own message says why). True when
    none was shown."""
    shown = False
    for refusal in refusals:
        if refusal.field and refusal.field in form and form[refusal.field].errors:
            continue
        apply_user_error(form, refusal)
        shown = True
    return not shown


def _estimate(form: SelfAssessmentForm, year: TaxYear) -> Estimate:
    """Keep the posted figures (POST) or show the kept ones (GET); then the year's report
    from the books and the Self Assessment estimate."""
    record: OtherIncomeRecord | None
    if request.method == "POST":
        record = other_income.save(current_user.id, form.to_input(year))
    else:
        record = other_income.record_for(current_user.id, year)
        _fill(form, record)
        form.tax_year.data = year.label
        form.basis.data = request.args.get("basis") or "cash"
    basis = form.basis.data if form.basis.data in ("cash", "accruals") else "cash"
    assets = other_income.kept(other_income.assets_for(current_user.id))
    manual = form.capital_allowances.pence or 0
    periods, by_period = _periods(record, year, basis, assets, manual)
    singles: tuple[Any, ...] = ()
    if by_period:
        # The allowances shown (and the pools carried forward) are those of the period of
        # account ending in this tax year; each period's own are in its lines.
        allowances: Any = by_period[0].allowances
    else:
        allowances, singles = other_income.allowances(year, record, assets)
    computed = allowances.total_pence if allowances else 0
    claimed = manual + max(computed, 0)
    report = tax_year_report(current_user.id, year, basis, capital_allowances_pence=claimed)
    override = form.profit_override.pence
    # A balancing charge larger than the allowances adds to the profit.
    books = report.best_taxable_profit_pence + max(-computed, 0)
    if periods:
        # An accounting date other than 5 April: each period's profit after its own capital
        # allowances, shared by days (the trading allowance is not weighed here).
        books = sum(p.share_pence for p in periods)
    spread = other_income.transition_year(current_user.id, year, record)
    previous = tax_year_report(current_user.id, year.previous, basis)
    data = SAInput(
        tax_year=year,
        profit_pence=override if override is not None else books,
        salary_pence=form.salary.pence or 0,
        other_income_pence=form.other_income.pence or 0,
        tax_paid_at_source_pence=form.tax_paid.pence or 0,
        payments_on_account_made_pence=form.poa_made.pence or 0,
        regime=form.regime.data or tax_tables.RUK,
        other=other_income.other_income(
            record,
            transition_pence=spread.taxed_pence if spread else 0,
            prior_trade_profit_pence=previous.best_taxable_profit_pence,
        ),
    )
    return Estimate(
        report, self_assessment(data), allowances, singles, periods, spread, by_period, manual
    )


@dataclass(frozen=True)
class Estimate:
    report: Any
    result: Any
    allowances: Any
    singles: tuple[Any, ...] = ()
    periods: tuple[Apportioned, ...] = ()
    spread: Any = None
    period_allowances: tuple[PeriodAllowances, ...] = ()
    manual_allowances_pence: int = 0

    def context(self) -> dict[str, Any]:
        extras = timeline_extras(self.result)
        provisional = provisional_figures(
            self.result,
            extras.class4_maximum,
            self.period_allowances,
            spread=self.spread,
            money=money,
            day=uk_date,
        )
        return {
            "report": self.report,
            "result": self.result,
            "extras": extras,
            "provisional": provisional,
            "to_confirm": marked_lines(provisional),
            "allowances_line": allowances_line,
            "at_main_rate": at_main_rate,
            "allowances": self.allowances,
            "singles": self.singles,
            "periods": self.periods,
            "spread": self.spread,
            "period_allowances": self.period_allowances,
            "manual_allowances_pence": self.manual_allowances_pence,
            "loss_relief_labels": LOSS_RELIEF_LABELS,
        }


def _periods(
    record: OtherIncomeRecord | None,
    year: TaxYear,
    basis: str,
    assets: list[KeptAsset],
    manual_pence: int,
) -> tuple[tuple[Apportioned, ...], tuple[PeriodAllowances, ...]]:
    """The accounting periods a kept accounting date gives, with their profits from the books
    (the later one as entered, when it was), each one's capital allowances (the figure the
    user worked out goes with the period ending in this tax year) and its share of the tax
    year after them. Nothing when the accounting date is the tax year's end."""
    date = other_income.accounting_date(record)
    if date is None:
        return (), ()
    first, later = accounting_periods(year, *date)
    profits = [
        ledger.profit(current_user.id, first.start, first.end, basis).net_profit_pence,
        ledger.profit(current_user.id, later.start, later.end, basis).net_profit_pence,
    ]
    if record is not None and record.later_period_profit_pence is not None:
        profits[1] = record.later_period_profit_pence
    by_period = other_income.allowances_by_period(current_user.id, year, record, assets, date)
    nets = [by_period[0].total_pence + manual_pence, by_period[1].total_pence]
    shares = apportioned(year, [(first, profits[0]), (later, profits[1])], nets)
    return shares, by_period


@bp.route("/self-assessment", methods=["GET", "POST"])
def self_assessment_page() -> ViewResult:
    form = SelfAssessmentForm()
    years = tax_tables.known_years()
    _choices(form, years)
    year = _year(form, years)
    valid = form.validate() if request.method == "POST" else True
    if request.method == "POST" and year is not None and year in years:
        refusals = other_income.self_assessment_refusals(form.to_input(year))
        valid = _show_refusals(form, refusals) and valid
    error = estimate = None
    if year is not None and year not in years:
        error = _unknown_year_message(tax_tables.UnknownTaxYear(year))
    elif year is not None and valid:
        try:
            estimate = _estimate(form, year)
        except UserError as exc:
            apply_user_error(form, exc)
        except tax_tables.UnknownTaxYear as exc:
            error = _unknown_year_message(exc)
    asset_form = AssetForm(formdata=None, prefix="asset")
    _asset_choices(asset_form, year)
    return (
        render_template(
            "reports/self_assessment.html",
            form=form,
            year=year,
            error=error,
            regime_labels=REGIME_LABELS,
            profit_overridden=form.profit_override.pence is not None,
            asset_form=asset_form,
            assets=other_income.assets_for(current_user.id),
            asset_kind_labels=ASSET_KIND_LABELS,
            month_labels=MONTH_LABELS,
            projection=dashboard.year_projection(current_user.id, uk_today()),
            **(estimate.context() if estimate else {"result": None}),
        ),
        200 if estimate is not None else 400,
    )


def _choices(form: SelfAssessmentForm, years: list[TaxYear]) -> None:
    form.tax_year.choices = select_choices((y.label, y.label) for y in years)
    form.trade_start_year.choices = select_choices(
        [("", _("Not needed")), *((label, label) for _y, label in asset_years())]
    )


def _asset_choices(form: AssetForm, year: TaxYear | None) -> None:
    choices = [(str(y), label) for y, label in asset_years()]
    form.bought_year.choices = select_choices(choices)
    form.disposed_year.choices = select_choices([("", _("Still kept")), *choices])
    if form.bought_year.data is None and year is not None:
        form.bought_year.data = str(year.start_year)


@bp.get("/self-assessment.pdf")
def self_assessment_pdf() -> ViewResult:
    """The year's Self Assessment as a PDF: the kept figures and the books (no override)."""
    from minimin.invoices.pdf import render_pdf

    form = SelfAssessmentForm(formdata=None)
    years = tax_tables.known_years()
    year = _year(form, years)
    if year is None or year not in years:
        return self_assessment_page()
    estimate = _estimate(form, year)
    html = render_template(
        "reports/self_assessment_pdf.html",
        regime_labels=REGIME_LABELS,
        profit_overridden=False,
        **estimate.context(),
    )
    name = f"self-assessment-{year.start_year}-{(year.start_year + 1) % 100:02d}.pdf"
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- kept assets


def _back(year: str | None, status: int = 302) -> ViewResult:
    target = url_for("reports.self_assessment_page", year=year or None, _anchor="assets")
    return redirect(target, status)


@bp.post("/self-assessment/assets")
def self_assessment_asset_add() -> ViewResult:
    """Keep a car or other equipment for the capital allowances of every year it counts in."""
    form = AssetForm(prefix="asset")
    _asset_choices(form, None)
    year = request.form.get("year") or None
    valid = form.validate()
    data = form.to_input()
    if data is not None:
        valid = _show_refusals(form, other_income.asset_refusals(data)) and valid
    if data is not None and valid:
        try:
            other_income.add_asset(current_user.id, data)
        except UserError as exc:
            apply_user_error(form, exc)
            valid = False
    if not valid:
        _flash_errors(form)
        return _back(year, 303)
    flash(_("Kept. Its allowances count in every year it is used."), "success")
    return _back(year)


def _flash_errors(form: AssetForm) -> None:
    """The add form is on the page the refusal redirects to: its messages go as flashes."""
    for field_ in form:
        for message in field_.errors:
            flash(f"{field_.label.text}: {message}", "error")
    for message in form.form_errors:
        flash(message, "error")


@bp.post("/self-assessment/assets/<asset_id>/delete")
def self_assessment_asset_delete(asset_id: str) -> ViewResult:
    asset = owned_or_404(CapitalAsset, asset_id)
    other_income.delete_asset(asset)
    flash(_("Removed."), "success")
    return _back(request.form.get("year"))
