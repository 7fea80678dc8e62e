"""Report forms. Period and tax-year choices arrive as query parameters (reading changes
nothing); the tax estimate posts its figures (salary and tax figures stay out of URLs and logs)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from minimin.core.forms import MoneyField, TextField, select_choices
from minimin.reports.tax_tables import REGIMES, RUK, SCOTLAND

REGIME_LABELS = {
    RUK: _l("England, Wales or Northern Ireland"),
    SCOTLAND: _l("Scotland (Scottish income tax bands)"),
}


class EstimateForm(FlaskForm):
    tax_year = SelectField(_l("Tax year"), choices=[], validate_choice=False)
    regime = SelectField(
        _l("Where you pay income tax"),
        choices=select_choices((r, REGIME_LABELS[r]) for r in REGIMES),
        default=RUK,
    )
    basis = SelectField(
        _l("Accounting basis"),
        choices=select_choices([("cash", _l("Cash basis")), ("accruals", _l("Accruals basis"))]),
        default="cash",
    )
    capital_allowances = TextField(
        _l("Capital allowances (annual investment allowance)"), max_length=20
    )
    profit_override = TextField(_l("Use this profit instead (optional)"), max_length=20)
    salary = TextField(_l("PAYE salary or pension for the year"), max_length=20)
    other_income = TextField(_l("Other taxable income (not savings or dividends)"), max_length=20)
    tax_paid = TextField(_l("Income tax already paid through PAYE"), max_length=20)
    poa_made = TextField(_l("Payments on account already made for this year"), max_length=20)


STUDENT_LOAN_LABELS = {
    "": _l("No undergraduate loan to repay"),
    "plan1": _l("Plan 1"),
    "plan2": _l("Plan 2"),
    "plan4": _l("Plan 4 (Scotland)"),
    "plan5": _l("Plan 5"),
}
MARRIAGE_LABELS = {
    "": _l("Not claimed"),
    "transfer": _l("I transferred £1,260 of my allowance to my spouse or civil partner"),
    "receive": _l("My spouse or civil partner transferred £1,260 to me"),
}


def _money(label: Any) -> MoneyField:
    return MoneyField(label, validators=[Optional()])


class SelfAssessmentForm(FlaskForm):
    """Everything the Self Assessment page asks beyond the books; all but the year, regime and
    basis are kept for the tax year (:class:`~minimin.reports.tax_models.OtherIncomeRecord`)."""

    tax_year = SelectField(_l("Tax year"), choices=[], validate_choice=False)
    regime = SelectField(
        _l("Where you pay income tax"),
        choices=select_choices((r, REGIME_LABELS[r]) for r in REGIMES),
        default=RUK,
    )
    basis = SelectField(
        _l("Accounting basis"),
        choices=select_choices([("cash", _l("Cash basis")), ("accruals", _l("Accruals basis"))]),
        default="cash",
    )
    capital_allowances = _money(_l("Other capital allowances you worked out (optional)"))
    profit_override = MoneyField(
        _l("Use this profit or loss instead (optional)"),
        validators=[Optional()],
        allow_negative=True,
    )
    salary = _money(_l("PAYE salary or pension for the year"))
    other_income = _money(_l("Other taxable income (not savings or dividends)"))
    tax_paid = _money(_l("Income tax already paid through PAYE"))
    poa_made = _money(_l("Payments on account already made for this year"))
    savings_interest = _money(_l("Untaxed UK interest"))
    dividends = _money(_l("Dividends from UK companies"))
    pension_paid = _money(_l("Paid into personal pensions (relief at source, what you paid)"))
    gift_aid_paid = _money(_l("Gift Aid donations (what you gave)"))
    loss_brought_forward = _money(_l("Trading losses brought forward from earlier years"))
    student_loan_plan = SelectField(
        _l("Student loan plan"), choices=select_choices(STUDENT_LOAN_LABELS.items()), default=""
    )
    postgraduate_loan = BooleanField(_l("I have a Postgraduate Loan to repay"))
    student_loan_deducted = _money(_l("Student loan repaid through PAYE this year"))
    child_benefit = _money(_l("Child Benefit received in the tax year (you or your partner)"))
    marriage_allowance = SelectField(
        _l("Marriage allowance"), choices=select_choices(MARRIAGE_LABELS.items()), default=""
    )
    over_state_pension_age = BooleanField(
        _l("I had reached State Pension age before 6 April at the start of this tax year")
    )
    wfh_hours = IntegerField(
        _l("Hours a month of business work at home"),
        validators=[Optional(), NumberRange(0, 744, _l("Enter 0 to 744 hours a month."))],
    )
    equipment = _money(_l("Equipment bought this year (not cars)"))
    car_cost = _money(_l("Car bought this year: cost"))
    car_co2 = IntegerField(
        _l("Car CO2 emissions (g/km)"),
        validators=[Optional(), NumberRange(0, 999, _l("Enter 0 to 999 g/km."))],
    )
    car_new = BooleanField(_l("The car was new and unused"), default=True)
    car_business_percent = IntegerField(
        _l("Business use of the car (per cent)"),
        validators=[Optional(), NumberRange(0, 100, _l("Enter 0 to 100."))],
    )
    main_pool = _money(_l("Main pool brought forward"))
    special_pool = _money(_l("Special rate pool brought forward"))
    wfh_months = IntegerField(
        _l("Months you worked at home that much"),
        validators=[Optional(), NumberRange(0, 12, _l("Enter 0 to 12 months."))],
    )
