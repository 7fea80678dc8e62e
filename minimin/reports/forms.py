"""Report forms. Period and tax-year choices arrive as query parameters (reading changes
nothing); the tax estimate posts its figures (salary and tax figures stay out of URLs and logs)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from minimin.core.dates import DateError, TaxYear
from minimin.core.forms import AppForm, MoneyField, TextField, select_choices
from minimin.reports.inputs import AssetInput, SelfAssessmentInput
from minimin.reports.other_income import MONTH_NAMES
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
    **{str(number): name for number, name in MONTH_NAMES.items()},
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
        """What the form reads; the rules joining its fields are the service's
        (``other_income.self_assessment_refusals``), shown by the view."""
        ok = super().validate(extra_validators)
        if (self.accounting_end_month.data or "") not in MONTH_LABELS:
            self.accounting_end_month.errors = [_("Choose a month from the list.")]
            ok = False
        if self._start_year() is None and self.trade_start_year.data:
            self.trade_start_year.errors = [_("Choose a tax year from the list.")]
            ok = False
        return ok

    def _start_year(self) -> TaxYear | None:
        try:
            return TaxYear.parse(self.trade_start_year.data) if self.trade_start_year.data else None
        except DateError:
            return None

    def to_input(self, tax_year: TaxYear) -> SelfAssessmentInput:
        """The year's inputs for the service. A value the form could not read counts as left
        empty: the form already shows its message on that field."""

        def pence(field: MoneyField) -> int:
            return field.pence or 0

        month = self.accounting_end_month.data or ""
        return SelfAssessmentInput(
            tax_year=tax_year,
            regime=self.regime.data or RUK,
            salary_pence=pence(self.salary),
            other_income_pence=pence(self.other_income),
            tax_paid_pence=pence(self.tax_paid),
            poa_made_pence=pence(self.poa_made),
            savings_interest_pence=pence(self.savings_interest),
            dividends_pence=pence(self.dividends),
            pension_paid_pence=pence(self.pension_paid),
            gift_aid_paid_pence=pence(self.gift_aid_paid),
            loss_brought_forward_pence=pence(self.loss_brought_forward),
            student_loan_plan=self.student_loan_plan.data or "",
            postgraduate_loan=bool(self.postgraduate_loan.data),
            student_loan_deducted_pence=pence(self.student_loan_deducted),
            child_benefit_pence=pence(self.child_benefit),
            marriage_allowance=self.marriage_allowance.data or "",
            over_state_pension_age=bool(self.over_state_pension_age.data),
            wfh_hours=self.wfh_hours.data or 0,
            wfh_months=self.wfh_months.data or 0,
            equipment_pence=pence(self.equipment),
            main_pool_pence=pence(self.main_pool),
            special_pool_pence=pence(self.special_pool),
            transition_profit_pence=pence(self.transition_profit),
            transition_accelerated_pence=pence(self.transition_accelerated),
            accounting_end_month=int(month) if month in MONTH_LABELS and month else None,
            accounting_end_day=self.accounting_end_day.data,
            later_period_profit_pence=self.later_period_profit.pence,
            loss_relief=self.loss_relief.data or "",
            trade_start_year=self._start_year(),
            prior_income_1_pence=pence(self.prior_income_1),
            prior_income_2_pence=pence(self.prior_income_2),
            prior_income_3_pence=pence(self.prior_income_3),
        )


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
        """What the form reads; the rules joining its fields are the service's
        (``other_income.asset_refusals``), shown by the view."""
        ok = super().validate(extra_validators)
        if self._year(self.bought_year.data) is None:
            self.bought_year.errors = [_("Choose the tax year it was bought from the list.")]
            ok = False
        sold = self.disposed_year.data or ""
        if sold and self._year(sold) is None:
            self.disposed_year.errors = [_("Choose the tax year it was sold from the list.")]
            ok = False
        return ok

    @staticmethod
    def _year(value: str | None) -> TaxYear | None:
        """The tax year a choice names by its first calendar year ("2025": 2025/26)."""
        if not value or not value.isascii() or not value.isdigit() or len(value) != 4:
            return None
        try:
            return TaxYear(int(value))
        except DateError:
            return None

    def to_input(self) -> AssetInput | None:
        """The asset for the service (``None``: a tax year cannot be read). A value the form
        could not read counts as left empty: the form shows its message on it."""
        bought, sold = self._year(self.bought_year.data), self._year(self.disposed_year.data)
        if bought is None or (sold is None and self.disposed_year.data):
            return None
        percent = self.business_percent.data
        return AssetInput(
            kind=self.kind.data or "",
            cost_pence=self.cost.pence or 0,
            bought_year=bought,
            description=self.description.data or "",
            co2=self.co2.data,
            new=bool(self.new.data),
            business_percent=percent if isinstance(percent, int) else 100,
            disposed_year=sold,
            proceeds_pence=self.proceeds.pence or 0,
        )
