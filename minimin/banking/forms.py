"""Banking forms. Parsing only: the rules live in the services."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from minimin.banking import rules
from minimin.banking.importers.detect import DMY, MDY, YMD
from minimin.banking.models import CURRENCIES, NAME_MAX, PATTERN_MAX
from minimin.core.forms import AppForm, MoneyField, TextField, select_choices

MAX_STATEMENT_PENCE = 10_000_000_000


def category_choices(blank: Any = None) -> list[SelectChoice]:
    pairs: list[tuple[str, Any]] = [("", blank or _l("No category"))]
    pairs += list(rules.INCOME_CATEGORIES.items())
    pairs += list(rules.EXPENSE_CATEGORIES.items())
    return select_choices(pairs)


class AccountForm(AppForm):
    name = TextField(_l("Account name"), [DataRequired()], max_length=NAME_MAX)
    last_four = TextField(
        _l("Last four digits of the account number (optional)"),
        [Optional()],
        max_length=4,
        render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"},
    )
    currency = SelectField(
        _l("Currency"), choices=select_choices((c, c) for c in CURRENCIES), default="GBP"
    )


class UploadForm(AppForm):
    statement = FileField(_l("Statement file (CSV, OFX or QFX)"), [FileRequired()])


class MappingForm(AppForm):
    """Which column holds what; choices are the file's columns (set by the view)."""

    date = SelectField(_l("Date"), validate_choice=True)
    description = SelectField(_l("Description"), validate_choice=True)
    amount = SelectField(_l("Amount (signed: minus is money out)"), validate_choice=True)
    money_in = SelectField(_l("Money in"), validate_choice=True)
    money_out = SelectField(_l("Money out"), validate_choice=True)
    counterparty = SelectField(_l("Payee or payer"), validate_choice=True)
    reference = SelectField(_l("Reference"), validate_choice=True)
    date_order = SelectField(
        _l("Date order"),
        choices=select_choices(
            [
                ("", _l("Decide from the dates")),
                (DMY, _l("Day/month/year (UK)")),
                (MDY, _l("Month/day/year (US)")),
                (YMD, _l("Year-month-day (ISO)")),
            ]
        ),
        validate_choice=True,
    )
    remember = BooleanField(_l("Remember these columns for this account"), default=True)

    def set_columns(self, header: list[str]) -> None:
        none = [SelectChoice("", str(_l("(none)")))]
        columns = [SelectChoice(str(i), f"{i + 1}: {name}"[:80]) for i, name in enumerate(header)]
        for name in (
            "date",
            "description",
            "amount",
            "money_in",
            "money_out",
            "counterparty",
            "reference",
        ):
            getattr(self, name).choices = none + columns


class CategoryForm(AppForm):
    category = SelectField(_l("Category"), choices=category_choices, validate_choice=True)


class ContactForm(AppForm):
    """The client and agency of one transaction; the choices are the user's (set by the view)."""

    client_id = SelectField(_l("Client"), validate_choice=True)
    agency_id = SelectField(_l("Agency"), validate_choice=True)


class RuleForm(AppForm):
    match_kind = SelectField(
        _l("Match"),
        choices=select_choices(
            [
                ("contains", _l("Description contains")),
                ("regex", _l("Description matches a regular expression")),
                ("any", _l("Any description (amount range only)")),
            ]
        ),
        validate_choice=True,
    )
    pattern = TextField(_l("Text or pattern"), [Optional()], max_length=PATTERN_MAX)
    direction = SelectField(
        _l("Money"),
        choices=select_choices(
            [("any", _l("In or out")), ("in", _l("Money in")), ("out", _l("Money out"))]
        ),
        validate_choice=True,
    )
    min_amount = MoneyField(
        _l("From amount (optional)"), [Optional()], max_pence=MAX_STATEMENT_PENCE
    )
    max_amount = MoneyField(_l("To amount (optional)"), [Optional()], max_pence=MAX_STATEMENT_PENCE)
    category = SelectField(_l("Set the category"), choices=category_choices, validate_choice=True)
    client_id = SelectField(_l("Set the client"), validate_choice=True)
    agency_id = SelectField(_l("Set the agency"), validate_choice=True)


class RuleMoveForm(AppForm):
    """Try a rule one place earlier or later."""

    direction = SelectField(
        choices=select_choices([("up", _l("Move up")), ("down", _l("Move down"))]),
        validate_choice=True,
    )


class ActionForm(AppForm):
    """A bare POST with its CSRF token (accept, reject, ignore, delete)."""

    key = HiddenField()


class ExpenseFromTxnForm(AppForm):
    category = SelectField(
        _l("Expense category"),
        choices=lambda: select_choices(rules.EXPENSE_CATEGORIES.items()),
        default="other",
        validate_choice=True,
    )
