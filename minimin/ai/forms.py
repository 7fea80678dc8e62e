"""Forms of the AI pages."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from minimin.ai.inputs import QuestionInput
from minimin.ai.pricing import REGIONS
from minimin.ai.schema import BOOKING, RECEIPT, REMITTANCE
from minimin.contacts.kinds import KINDS_OF_WORK
from minimin.core.forms import AppForm, MoneyField, select_choices
from minimin.expenses.categories import CATEGORIES

REGION_LABELS = {
    "london": _l("London"),
    "south_east": _l("South East"),
    "south_west": _l("South West"),
    "east": _l("East of England"),
    "midlands": _l("Midlands"),
    "north_west": _l("North West"),
    "north_east": _l("North East"),
    "yorkshire": _l("Yorkshire"),
    "scotland": _l("Scotland"),
    "wales": _l("Wales"),
    "northern_ireland": _l("Northern Ireland"),
    "uk_other": _l("Elsewhere in the UK"),
}


class DocumentForm(AppForm):
    kind = RadioField(
        _l("What is it?"),
        choices=select_choices(
            [
                (RECEIPT, _l("A receipt")),
                (REMITTANCE, _l("A remittance advice")),
                (BOOKING, _l("A booking confirmation")),
            ]
        ),
        validators=[InputRequired(_l("Choose what the document is."))],
    )
    document = FileField(_l("A PDF, a photo or a text file"))
    text = TextAreaField(_l("Or paste its text"), validators=[Optional(), Length(max=20_000)])


#: The largest amount a reviewed receipt or booking may carry (under £100,000,000).
MAX_PENCE = 9_999_999_999


class ReceiptConfirmForm(AppForm):
    supplier = StringField(_l("Supplier"), validators=[Length(max=200)])
    date = StringField(_l("Date (YYYY-MM-DD)"), validators=[InputRequired(_l("Enter a date."))])
    total = MoneyField(
        _l("Total paid"), [InputRequired(_l("Enter the total."))], max_pence=MAX_PENCE
    )
    vat = MoneyField(_l("VAT"), [Optional()], max_pence=MAX_PENCE)
    category = SelectField(
        _l("Category"),
        choices=select_choices([(c.code, f"{c.box} · {c.label}") for c in CATEGORIES]),
    )
    #: The uploaded receipt, kept (expenses.pending) while the user checks what was read.
    pending_receipt = HiddenField()


class BookingConfirmForm(AppForm):
    title = StringField(
        _l("Job title"), validators=[InputRequired(_l("Enter a title.")), Length(max=200)]
    )
    start_date = StringField(
        _l("First day (YYYY-MM-DD)"), validators=[InputRequired(_l("Enter a date."))]
    )
    end_date = StringField(_l("Last day (YYYY-MM-DD)"), validators=[Optional()])
    fee = MoneyField(_l("Day fee"), [Optional()], max_pence=MAX_PENCE)
    client = StringField(_l("Client"), validators=[Optional(), Length(max=200)])
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=200)])
    usage = StringField(_l("Usage"), validators=[Optional(), Length(max=500)])


class PricingForm(AppForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of work"), choices=select_choices(KINDS_OF_WORK))
    region = SelectField(
        _l("Region"), choices=select_choices([(r, REGION_LABELS[r]) for r in REGIONS])
    )


class ButtonForm(AppForm):
    """A button: its CSRF token is its only field."""

    next = HiddenField()


class QuestionForm(AppForm):
    question = TextAreaField(
        _l("Your question"),
        validators=[InputRequired(_l("Ask a question.")), Length(max=2000)],
    )

    def to_input(self, today: date) -> QuestionInput:
        return QuestionInput(question=self.question.data or "", today=today)
