"""Report forms. Period and tax-year choices arrive as query parameters (reading changes
nothing); the tax estimate posts its figures (salary and tax figures stay out of URLs and logs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from minimin.core.forms import TextField, select_choices
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
