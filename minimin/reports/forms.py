"""Report forms. Period and tax-year choices arrive as query parameters (reading changes
nothing); the tax estimate posts its figures (salary and tax figures stay out of URLs and logs)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from minimin.core.dates import TaxYear
from minimin.core.forms import AppForm, MoneyField, TextField, select_choices
from minimin.reports.tax_tables import REGIMES, RUK, SCOTLAND

REGIME_LABELS = {
    RUK: _l("England, Wales or Northern Ireland"),
    SCOTLAND: _l("Scotland (Scottish income tax bands)"),
}


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


MONTH_LABELS = {
    "": _l("31 March or 5 April (the tax year)"),
    "1": _l("January"),
    "2": _l("February"),
    "3": _l("March"),
    "4": _l("April"),
    "5": _l("May"),
    "6": _l("June"),
    "7": _l("July"),
    "8": _l("August"),
    "9": _l("September"),
    "10": _l("October"),
    "11": _l("November"),
    "12": _l("December"),
}
DAYS_IN_MONTH = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}
LOSS_RELIEF_LABELS = {
    "": _l("Carry it forward against future profits of this business"),
    "current": _l("Set it against my other income of this year"),
    "previous": _l("Set it against my total income of last year"),
    "current_previous": _l("Against this year's income first, then last year's"),
    "previous_current": _l("Against last year's income first, then this year's"),
    "early": _l("Early years relief: carry it back against the 3 years before"),
}
ASSET_KIND_LABELS = {"car": _l("Car"), "plant": _l("Other equipment")}


def _money(label: Any) -> MoneyField:
    return MoneyField(label, validators=[Optional()])


class SelfAssessmentForm(AppForm):
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
    main_pool = _money(_l("Main pool brought forward"))
    special_pool = _money(_l("Special rate pool brought forward"))
    wfh_months = IntegerField(
        _l("Months you worked at home that much"),
        validators=[Optional(), NumberRange(0, 12, _l("Enter 0 to 12 months."))],
    )
    # Basis period reform
    transition_profit = _money(
        _l("Transition profit from your 2023/24 return (after overlap relief)")
    )
    transition_accelerated = _money(
        _l("Extra transition profit you elect to be taxed this year (optional)")
    )
    accounting_end_month = SelectField(
        _l("Accounting date: month"),
        choices=select_choices(MONTH_LABELS.items()),
        default="",
        validate_choice=False,
    )
    accounting_end_day = IntegerField(
        _l("Accounting date: day"),
        validators=[Optional(), NumberRange(1, 31, _l("Enter a day from 1 to 31."))],
    )
    later_period_profit = MoneyField(
        _l("Profit or loss of the accounting period ending after this tax year (optional)"),
        validators=[Optional()],
        allow_negative=True,
    )
    # Loss relief
    loss_relief = SelectField(
        _l("If the business made a loss this year"),
        choices=select_choices(LOSS_RELIEF_LABELS.items()),
        default="",
        validate_choice=False,
    )
    trade_start_year = SelectField(
        _l("Tax year the business started (for early years relief)"),
        choices=[],
        default="",
        validate_choice=False,
    )
    prior_income_1 = _money(_l("Your total income last tax year"))
    prior_income_2 = _money(_l("Your total income two tax years ago"))
    prior_income_3 = _money(_l("Your total income three tax years ago"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        checks = [self._basis_period_ok(), self._losses_ok()]  # every field's message at once
        return ok and all(checks)

    def _basis_period_ok(self) -> bool:
        ok = True
        month, day = self.accounting_end_month.data or "", self.accounting_end_day.data
        if month and month not in MONTH_LABELS:
            self.accounting_end_month.errors = [_("Choose a month from the list.")]
            return False
        if month and day is None:
            self.accounting_end_day.errors = [_("Enter the day of your accounting date.")]
            ok = False
        elif day is not None and not month:
            self.accounting_end_month.errors = [_("Choose the month of your accounting date.")]
            ok = False
        elif month and day is not None and day > DAYS_IN_MONTH[int(month)]:
            self.accounting_end_day.errors = [
                _(
                    "%(month)s has at most %(days)s days.",
                    month=MONTH_LABELS[month],
                    days=DAYS_IN_MONTH[int(month)],
                )
            ]
            ok = False
        extra, whole = self.transition_accelerated.pence, self.transition_profit.pence
        if extra and extra > (whole or 0):
            self.transition_accelerated.errors = [
                _("The extra amount cannot be more than the transition profit.")
            ]
            ok = False
        return ok

    def _losses_ok(self) -> bool:
        choice = self.loss_relief.data or ""
        if choice not in LOSS_RELIEF_LABELS:
            self.loss_relief.errors = [_("Choose what to do with a loss from the list.")]
            return False
        start = self.trade_start_year.data or ""
        if start:
            if start not in {label for _y, label in asset_years()}:
                self.trade_start_year.errors = [_("Choose a tax year from the list.")]
                return False
        elif choice == "early":
            self.trade_start_year.errors = [
                _("Choose the tax year the business started, for early years relief.")
            ]
            return False
        return True


class AssetForm(AppForm):
    """A car or other equipment kept over several years (:class:`CapitalAsset`)."""

    description = TextField(_l("Description"), max_length=80)
    kind = SelectField(_l("Kind"), choices=select_choices(ASSET_KIND_LABELS.items()), default="car")
    cost = MoneyField(_l("Cost"), validators=[DataRequired(_l("Enter what it cost."))])
    co2 = IntegerField(
        _l("CO2 emissions (g/km, cars)"),
        validators=[Optional(), NumberRange(0, 999, _l("Enter 0 to 999 g/km."))],
    )
    new = BooleanField(_l("Bought new and unused"), default=True)
    business_percent = IntegerField(
        _l("Business use (per cent)"),
        validators=[
            DataRequired(_l("Enter the business share, 1 to 100.")),
            NumberRange(1, 100, _l("Enter the business share, 1 to 100.")),
        ],
        default=100,
    )
    bought_year = SelectField(_l("Tax year bought"), choices=[], validate_choice=False)
    disposed_year = SelectField(
        _l("Tax year sold or given away (optional)"), choices=[], default="", validate_choice=False
    )
    proceeds = _money(_l("Sale proceeds (or market value if given away)"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        known = {str(v) for v, _label in asset_years()}
        if (self.bought_year.data or "") not in known:
            self.bought_year.errors = [_("Choose the tax year it was bought from the list.")]
            return False
        sold = self.disposed_year.data or ""
        if sold and sold not in known:
            self.disposed_year.errors = [_("Choose the tax year it was sold from the list.")]
            return False
        if sold and int(sold) < int(self.bought_year.data or 0):
            self.disposed_year.errors = [_("It cannot be sold before it was bought.")]
            ok = False
        if not sold and self.proceeds.pence:
            self.proceeds.errors = [_("Choose the tax year it was sold, or leave this empty.")]
            ok = False
        if self.kind.data == "car" and self.co2.data is None:
            self.co2.errors = [_("Enter the car's CO2 emissions (0 for an electric car).")]
            ok = False
        return ok


#: Earliest tax year a kept asset may be bought in (the rates before are not in the tables).
FIRST_ASSET_YEAR = 2012


def asset_years() -> list[tuple[int, str]]:
    """(start year, label) of the tax years an asset may be bought or sold in."""
    last = TaxYear.current().start_year + 1
    return [(y, TaxYear(y).label) for y in range(FIRST_ASSET_YEAR, last + 1)]
