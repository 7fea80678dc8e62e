"""Invoice forms. Every field has a limit; money and dates go through the core parsers."""

from __future__ import annotations

import string
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from minimin.core.forms import (
    AppForm,
    MoneyField,
    MultilineTextField,
    TextField,
    UKDateField,
    select_choices,
)
from minimin.core.money import MoneyError, parse_money, parse_quantity
from minimin.invoices import calc, inputs
from minimin.invoices.models import (
    DESCRIPTION_MAX,
    MAX_PENCE,
    METHOD_AGENCY_REMITTANCE,
    METHOD_BANK,
    METHOD_CARD,
    METHOD_CASH,
    METHOD_CHEQUE,
    METHOD_OTHER,
    NOTES_MAX,
    RECUR_MONTHLY,
    RECUR_QUARTERLY,
    REFERENCE_MAX,
    REFUND_NOTE_MAX,
)

#: Currencies offered for invoices (all with two decimal places).
CURRENCIES = ("GBP", "EUR", "USD", "CHF", "SEK", "NOK", "DKK", "PLN", "AUD", "CAD", "NZD")
MAX_LINES = 50
BLANK_LINES = 3

PAYMENT_METHOD_LABELS = {
    METHOD_BANK: _l("Bank transfer"),
    METHOD_CARD: _l("Card"),
    METHOD_CASH: _l("Cash"),
    METHOD_CHEQUE: _l("Cheque"),
    METHOD_OTHER: _l("Other"),
}
#: Every method's label, including those recorded only by the app (the choices above are what
#: a user may pick when recording a payment by hand).
PAYMENT_METHOD_NAMES = {
    **PAYMENT_METHOD_LABELS,
    METHOD_AGENCY_REMITTANCE: _l("Agency remittance"),
}


_RATE_CHARACTERS = frozenset(string.digits + ".")


def parse_rate(text: Any) -> Decimal:
    """An exchange rate: units of the invoice currency per £1, positive, at most 8 decimals."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(_("Enter the exchange rate to pounds sterling."))
    raw = text.strip()
    # ASCII digits only: str.isdigit() also accepts "²", which Decimal then refuses.
    if len(raw) > 20 or not all(c in _RATE_CHARACTERS for c in raw) or raw.count(".") > 1:
        raise ValueError(_("Enter the exchange rate in figures, like 1.17."))
    value = Decimal(raw) if any(c in string.digits for c in raw) else Decimal(-1)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -8:
        raise ValueError(_("Use at most 8 decimal places in the exchange rate."))
    if value <= 0 or value >= Decimal("10000"):
        raise ValueError(_("Enter an exchange rate above 0 and below 10,000."))
    return value


class LineForm(Form):
    description = TextField(_l("Description"), [Optional()], max_length=DESCRIPTION_MAX)
    quantity = TextField(_l("Quantity"), [Optional()], max_length=20)
    unit_price = TextField(_l("Unit price"), [Optional()], max_length=64)
    vat_treatment = SelectField(_l("VAT"), choices=[], default=calc.STANDARD, validate_choice=True)
    job_id = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.vat_treatment.choices = select_choices(calc.treatment_choices())

    @property
    def is_blank(self) -> bool:
        return not (self.description.data or self.quantity.data or self.unit_price.data)


class InvoiceForm(AppForm):
    bill_to = SelectField(_l("Bill to"), choices=[], validate_choice=True)
    currency = SelectField(
        _l("Currency"),
        choices=select_choices((c, c) for c in CURRENCIES),
        default="GBP",
        validate_choice=True,
    )
    exchange_rate = TextField(
        _l("Exchange rate (units of the currency per £1)"),
        [Optional()],
        max_length=20,
    )
    issue_date = UKDateField(_l("Issue date"), [Optional()])
    tax_point = UKDateField(_l("Tax point (date of supply)"), [Optional()])
    due_date = UKDateField(_l("Due date"), [Optional()])
    notes = MultilineTextField(_l("Notes"), [Optional()], max_length=NOTES_MAX)
    lines = FieldList(FormField(LineForm), min_entries=1, max_entries=MAX_LINES)

    parsed_lines: list[dict[str, Any]]
    parsed_rate: Decimal | None

    def to_input(
        self, client_id: uuid.UUID | None, agency_id: uuid.UUID | None
    ) -> inputs.DraftInput:
        """The draft as entered (after :meth:`validate`), billed to the contact the view
        resolved from ``bill_to``."""
        return inputs.DraftInput(
            client_id=client_id,
            agency_id=agency_id,
            currency=self.currency.data or "GBP",
            exchange_rate=self.parsed_rate,
            issue_date=self.issue_date.data,
            tax_point=self.tax_point.data,
            due_date=self.due_date.data,
            notes=self.notes.data,
            lines=[inputs.LineInput(**item) for item in self.parsed_lines],
        )

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        # Empty rows are ignored, including whatever their untouched fields complained about.
        for entry in self.lines.entries:
            if entry.form.is_blank:
                for sub in entry.form:
                    sub.errors = []
        ok = not any(
            field.errors
            if field.name != "lines"
            else any(sub.errors for entry in field.entries for sub in entry.form)
            for field in self
        )
        self.parsed_lines = []
        self.parsed_rate = None
        currency = self.currency.data or "GBP"
        for entry in self.lines.entries:
            if not entry.form.is_blank:
                ok = self._read_line(entry.form, currency) and ok
        if currency != "GBP":
            try:
                self.parsed_rate = parse_rate(self.exchange_rate.data or "")
            except ValueError as exc:
                self.exchange_rate.errors = [*self.exchange_rate.errors, str(exc)]
                ok = False
        issued, due = self.issue_date.data, self.due_date.data
        if issued and due and due < issued:
            self.due_date.errors = [
                *self.due_date.errors,
                _("The due date cannot be before the issue date."),
            ]
            ok = False
        return ok

    def _read_line(self, line: LineForm, currency: str) -> bool:
        """Check one filled line, adding its parsed values to ``parsed_lines`` when its
        quantity and price read; False when any of its fields has an error. Every field is
        checked, so all of a line's errors show at once."""
        ok = True
        if not line.description.data:
            line.description.errors.append(_("Enter a description for this line."))
            ok = False
        try:
            quantity = parse_quantity(line.quantity.data or "", allow_zero=False)
        except ValueError as exc:
            line.quantity.errors.append(str(exc))
            ok = False
            quantity = None
        try:
            price = parse_money(
                line.unit_price.data or "", currency=currency, max_pence=MAX_PENCE
            ).pence
        except MoneyError as exc:
            line.unit_price.errors.append(str(exc))
            ok = False
            price = None
        job_id = None
        if line.job_id.data:
            try:
                job_id = uuid.UUID(str(line.job_id.data))
            except ValueError:
                job_id = None
        if quantity is not None and price is not None:
            self.parsed_lines.append(
                {
                    "description": line.description.data,
                    "quantity": quantity,
                    "unit_price_pence": price,
                    "vat_treatment": line.vat_treatment.data,
                    "job_id": job_id,
                }
            )
        return ok


class PaymentForm(AppForm):
    amount = MoneyField(_l("Amount"), [InputRequired()], max_pence=MAX_PENCE)
    paid_on = UKDateField(_l("Date paid"), [InputRequired()])
    method = SelectField(
        _l("Method"),
        choices=select_choices(PAYMENT_METHOD_LABELS.items()),
        default=METHOD_BANK,
        validate_choice=True,
    )
    reference = TextField(_l("Reference"), [Optional()], max_length=REFERENCE_MAX)

    def to_input(self) -> inputs.PaymentInput:
        return inputs.PaymentInput(
            amount_pence=self.amount.pence or 0,
            paid_on=_required_date(self.paid_on.data),
            method=self.method.data,
            reference=self.reference.data,
        )


def _required_date(value: date | None) -> date:
    """The date of a required date field of a validated form."""
    if value is None:  # the field is required: a validated form has one
        raise ValueError("validate the form first")
    return value


class CreditNoteForm(AppForm):
    full = BooleanField(_l("Credit the whole invoice"))
    reason = TextField(_l("Reason"), [Optional()], max_length=500)


class RefundForm(AppForm):
    """Money paid back to the customer. The credit note's choices are set by the view from
    the invoice's own credit notes (a value from anywhere else is refused)."""

    amount = MoneyField(_l("Amount refunded"), [InputRequired()], max_pence=MAX_PENCE)
    refunded_on = UKDateField(_l("Date refunded"), [InputRequired()])
    method = SelectField(
        _l("Method"),
        choices=select_choices(PAYMENT_METHOD_LABELS.items()),
        default=METHOD_BANK,
        validate_choice=True,
    )
    credit_note = SelectField(_l("For credit note"), choices=[], validate_choice=True)
    note = TextField(_l("Note (optional)"), [Optional()], max_length=REFUND_NOTE_MAX)

    def to_input(self) -> inputs.RefundInput:
        chosen = self.credit_note.data
        return inputs.RefundInput(
            amount_pence=self.amount.pence or 0,
            refunded_on=_required_date(self.refunded_on.data),
            method=self.method.data,
            note=self.note.data,
            credit_note_id=uuid.UUID(chosen) if chosen else None,
        )


class SendForm(AppForm):
    """The recipient is one of the addresses on record, set by the view; any other value is
    refused by the view with a message saying how to add one."""

    to = SelectField(_l("Send to"), choices=[], validate_choice=False)
    message = MultilineTextField(_l("Message"), [Optional()], max_length=5000)
    copy_to_self = BooleanField(_l("Send me a copy"))

    def to_input(self) -> inputs.SendInput:
        return inputs.SendInput(
            to=(self.to.data or "").strip() or None,
            message=self.message.data or None,
            copy_to_self=bool(self.copy_to_self.data),
        )


class RecurringForm(AppForm):
    recurrence = SelectField(
        _l("Repeat"),
        choices=select_choices(
            [
                ("", _l("Does not repeat")),
                (RECUR_MONTHLY, _l("Every month")),
                (RECUR_QUARTERLY, _l("Every three months")),
            ]
        ),
        validate_choice=True,
    )
    next_on = UKDateField(_l("Next invoice on"), [Optional()])
    issue_automatically = BooleanField(
        _l("Issue and send automatically (otherwise a draft is made)")
    )

    def to_input(self) -> inputs.RecurringInput:
        return inputs.RecurringInput(
            recurrence=self.recurrence.data or None,
            next_on=self.next_on.data,
            issue_automatically=bool(self.issue_automatically.data),
        )


class ReminderRuleForm(AppForm):
    offset_days = TextField(
        _l("Days from the due date (negative for before)"), [DataRequired()], max_length=4
    )
    subject = TextField(_l("Subject"), [DataRequired()], max_length=200)
    body = MultilineTextField(_l("Wording"), [DataRequired(), Length(max=5000)], max_length=5000)

    parsed_offset: int

    def validate(self, extra_validators: Any = None) -> bool:
        # The range and the wording's placeholders are the service's rules
        # (reminders.save_rule); here only whether the days read as a whole number.
        ok = super().validate(extra_validators)
        raw = (self.offset_days.data or "").strip()
        try:
            value = int(raw) if raw.lstrip("-").isdigit() and len(raw) <= 4 else None
        except ValueError:
            value = None
        if value is None:
            self.offset_days.errors = [
                *self.offset_days.errors,
                _("Enter a whole number of days from -60 to 365."),
            ]
            return False
        self.parsed_offset = value
        return ok

    def to_input(self) -> inputs.ReminderRuleInput:
        return inputs.ReminderRuleInput(
            offset_days=self.parsed_offset,
            subject=self.subject.data or "",
            body=self.body.data or "",
        )
