"""The "Your Self Assessment" page: a tax year's estimate from the books and what the user
enters (kept per tax year), with the rules in plain words. Thin: the figures come from
:mod:`minimin.reports.selfassessment` and the tax-year report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, render_template, request
from flask_login import current_user

from minimin.core.dates import DateError, TaxYear
from minimin.core.forms import select_choices
from minimin.reports import other_income, tax_tables
from minimin.reports.forms import REGIME_LABELS, SelfAssessmentForm
from minimin.reports.selfassessment import SAInput, self_assessment
from minimin.reports.selfassessment.rates import POSTGRADUATE
from minimin.reports.selfassessment.timeline import timeline_extras
from minimin.reports.tax_models import OtherIncomeRecord
from minimin.reports.views import ViewResult, _unknown_year_message, bp, tax_year_report

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
    "car_cost": "car_cost_pence",
    "main_pool": "main_pool_pence",
    "special_pool": "special_pool_pence",
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
    form.car_co2.data = record.car_co2_g_km
    form.car_new.data = record.car_new
    form.car_business_percent.data = record.car_business_percent


def _values(form: SelfAssessmentForm) -> dict[str, Any]:
    """The record's values from a valid form."""
    values: dict[str, Any] = {
        column: getattr(form, name).pence or 0 for name, column in AMOUNTS.items()
    }
    plans = [form.student_loan_plan.data] if form.student_loan_plan.data else []
    if form.postgraduate_loan.data:
        plans.append(POSTGRADUATE)
    values.update(
        regime=form.regime.data,
        student_loan_plans=",".join(plans),
        marriage_allowance=form.marriage_allowance.data or "",
        over_state_pension_age=bool(form.over_state_pension_age.data),
        wfh_hours_per_month=form.wfh_hours.data or 0,
        wfh_months=form.wfh_months.data or 0,
        car_co2_g_km=form.car_co2.data,
        car_new=bool(form.car_new.data),
        car_business_percent=(
            100 if form.car_business_percent.data is None else form.car_business_percent.data
        ),
    )
    return values


def _estimate(form: SelfAssessmentForm, year: TaxYear) -> tuple[Any, Any, Any]:
    """Keep the posted figures (POST) or show the kept ones (GET); then the year's report
    from the books and the Self Assessment estimate."""
    if request.method == "POST":
        record = other_income.save(current_user.id, year, _values(form))
    else:
        record = other_income.record_for(current_user.id, year)
        _fill(form, record)
        form.tax_year.data = year.label
        form.basis.data = request.args.get("basis") or "cash"
    basis = form.basis.data if form.basis.data in ("cash", "accruals") else "cash"
    allowances = other_income.allowances(year, record)
    computed = allowances.total_pence if allowances else 0
    report = tax_year_report(
        current_user.id,
        year,
        basis,
        capital_allowances_pence=(form.capital_allowances.pence or 0) + max(computed, 0),
    )
    override = form.profit_override.pence
    # A balancing charge larger than the allowances adds to the profit.
    books = report.best_taxable_profit_pence + max(-computed, 0)
    data = SAInput(
        tax_year=year,
        profit_pence=override if override is not None else books,
        salary_pence=form.salary.pence or 0,
        other_income_pence=form.other_income.pence or 0,
        tax_paid_at_source_pence=form.tax_paid.pence or 0,
        payments_on_account_made_pence=form.poa_made.pence or 0,
        regime=form.regime.data or tax_tables.RUK,
        other=other_income.other_income(record),
    )
    return report, self_assessment(data), allowances


@bp.route("/self-assessment", methods=["GET", "POST"])
def self_assessment_page() -> ViewResult:
    form = SelfAssessmentForm()
    years = tax_tables.known_years()
    form.tax_year.choices = select_choices((y.label, y.label) for y in years)
    year = _year(form, years)
    valid = form.validate() if request.method == "POST" else True
    error = result = report = allowances = None
    if year is not None and year not in years:
        error = _unknown_year_message(tax_tables.UnknownTaxYear(year))
    elif year is not None and valid:
        try:
            report, result, allowances = _estimate(form, year)
        except tax_tables.UnknownTaxYear as exc:
            error = _unknown_year_message(exc)
    return (
        render_template(
            "reports/self_assessment.html",
            form=form,
            year=year,
            result=result,
            extras=timeline_extras(result) if result is not None else None,
            report=report,
            allowances=allowances,
            error=error,
            regime_labels=REGIME_LABELS,
            profit_overridden=form.profit_override.pence is not None,
        ),
        200 if result is not None else 400,
    )


@bp.get("/self-assessment.pdf")
def self_assessment_pdf() -> ViewResult:
    """The year's Self Assessment as a PDF: the kept figures and the books (no override)."""
    from minimin.invoices.pdf import render_pdf

    form = SelfAssessmentForm(formdata=None)
    years = tax_tables.known_years()
    year = _year(form, years)
    if year is None or year not in years:
        return self_assessment_page()
    report, result, allowances = _estimate(form, year)
    html = render_template(
        "reports/self_assessment_pdf.html",
        result=result,
        extras=timeline_extras(result),
        report=report,
        allowances=allowances,
        regime_labels=REGIME_LABELS,
        profit_overridden=False,
    )
    name = f"self-assessment-{year.start_year}-{(year.start_year + 1) % 100:02d}.pdf"
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
