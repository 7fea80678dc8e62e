"""Expense, recurring expense and journey forms. Parsing only: rules live in the services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from minimin.core.forms import (
    AppForm,
    MoneyField,
    MultilineTextField,
    PercentField,
    TextField,
    UKDateField,
    select_choices,
)
from minimin.core.tenancy import parse_uuid
from minimin.expenses import categories
from minimin.expenses.inputs import ExpenseInput, JourneyInput, RecurringInput
from minimin.expenses.mileage import MILES_QUANTUM
from minimin.expenses.models import (
    DESCRIPTION_MAX,
    FREQUENCY_LABELS,
    MAX_MILES,
    MAX_PENCE,
    NOTES_MAX,
    PAYMENT_METHODS,
    PLACE_MAX,
    PURPOSE_MAX,
    SUPPLIER_MAX,
    VAT_TREATMENTS,
    VEHICLE_LABELS,
)

CURRENCIES = ("GBP", "EUR", "USD")
#: Until the view fills in the user's jobs, a job select offers only "no job".
NO_JOB_CHOICES = select_choices([("", _l("No job"))])
RECEIPT_ACCEPT = "image/png,image/jpeg,image/webp,application/pdf"


def _category_choices() -> list[SelectChoice]:
    return select_choices(categories.choices())


class _ExpenseFields(AppForm):
    supplier = TextField(_l("Supplier"), [Optional()], max_length=SUPPLIER_MAX)
    description = TextField(_l("What it was for"), [Optional()], max_length=DESCRIPTION_MAX)
    category = SelectField(
        _l("Category (SA103F box)"),
        choices=_category_choices,
        default="other",
        validate_choice=True,
    )
    currency = SelectField(
        _l("Currency"), choices=select_choices((c, c) for c in CURRENCIES), default="GBP"
    )
    amount = MoneyField(
        _l("Amount paid, including any VAT"),
        [InputRequired(_l("Enter the amount paid."))],
        currency_field="currency",
        max_pence=MAX_PENCE,
    )
    vat_treatment = SelectField(
        _l("VAT"), choices=select_choices(VAT_TREATMENTS.items()), default="none"
    )
    vat = MoneyField(
        _l("VAT amount on the receipt"),
        [Optional()],
        currency_field="currency",
        max_pence=MAX_PENCE,
    )
    vat_reclaimable = BooleanField(_l("Reclaim this VAT on my VAT return"), default=True)
    business_percent = PercentField(
        _l("Business use (%(sign)s)", sign="%"),
        [InputRequired(_l("Enter the business use percentage."))],
        places=2,
        default=Decimal(100),
    )
    payment_method = SelectField(
        _l("Paid by"),
        choices=select_choices([("", _l("Not recorded")), *PAYMENT_METHODS.items()]),
        default="",
    )
    notes = MultilineTextField(_l("Notes"), [Optional()], max_length=NOTES_MAX)

    def validate_vat(self, field: Any) -> None:
        if field.data and self.amount.data is not None and field.data > self.amount.data:
            raise ValidationError(_l("The VAT cannot be more than the amount paid."))


class ExpenseForm(_ExpenseFields):
    date = UKDateField(_l("Date"), [InputRequired(_l("Enter the date of the expense."))])
    job_id = SelectField(_l("Job"), choices=NO_JOB_CHOICES, default="")
    rebillable = BooleanField(_l("Re-bill this cost to the client"))
    receipt = FileField(
        _l("Receipt (photo or PDF, optional)"), render_kw={"accept": RECEIPT_ACCEPT}
    )
    #: The id of a receipt uploaded with this form when it was last shown (PendingReceipt).
    pending_receipt = HiddenField()
    confirm_warnings = BooleanField(
        _l("I have read the warning: this cost is wholly and exclusively for my business")
    )

    def validate_rebillable(self, field: Any) -> None:
        if field.data and not self.job_id.data:
            raise ValidationError(_l("Choose the job to re-bill this cost to."))

    def validate_supplier(self, field: Any) -> None:
        if not field.data and not self.description.data:
            raise ValidationError(_l("Enter who you paid or what it was for."))

    def to_input(self) -> ExpenseInput:
        """The validated form as the service's input."""
        # Required fields, so set once the form has validated.
        assert self.date.data is not None and self.business_percent.data is not None
        return ExpenseInput(
            date=self.date.data,
            amount_pence=self.amount.pence or 0,
            supplier=self.supplier.data or "",
            description=self.description.data or "",
            category=self.category.data,
            currency=self.currency.data,
            vat_pence=self.vat.pence or 0,
            vat_treatment=self.vat_treatment.data,
            vat_reclaimable=bool(self.vat_reclaimable.data),
            business_percent=self.business_percent.data,
            payment_method=self.payment_method.data or None,
            # One of the user's jobs (the choices), or none.
            job_id=parse_uuid(self.job_id.data) if self.job_id.data else None,
            rebillable=bool(self.rebillable.data),
            notes=self.notes.data or "",
            warnings_confirmed=bool(self.confirm_warnings.data),
        )


class ReceiptForm(AppForm):
    receipt = FileField(
        _l("Receipt (photo or PDF)"),
        render_kw={"accept": RECEIPT_ACCEPT},
    )


class RecurringForm(_ExpenseFields):
    supplier = TextField(
        _l("Supplier"), [DataRequired(_l("Enter who you pay."))], max_length=SUPPLIER_MAX
    )
    frequency = SelectField(
        _l("How often"), choices=select_choices(FREQUENCY_LABELS.items()), default="monthly"
    )
    start_date = UKDateField(_l("First payment date"), [InputRequired(_l("Enter the first date."))])
    end_date = UKDateField(_l("Last payment date (optional)"), [Optional()])
    active = BooleanField(_l("Active"), default=True)

    def validate_end_date(self, field: Any) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date must be on or after the first date."))

    def to_input(self) -> RecurringInput:
        """The validated form as the service's input."""
        # Required fields, so set once the form has validated.
        assert self.start_date.data is not None and self.business_percent.data is not None
        return RecurringInput(
            supplier=self.supplier.data or "",
            amount_pence=self.amount.pence or 0,
            start_date=self.start_date.data,
            frequency=self.frequency.data,
            end_date=self.end_date.data,
            description=self.description.data or "",
            category=self.category.data,
            currency=self.currency.data,
            vat_pence=self.vat.pence or 0,
            vat_treatment=self.vat_treatment.data,
            vat_reclaimable=bool(self.vat_reclaimable.data),
            business_percent=self.business_percent.data,
            payment_method=self.payment_method.data or None,
            notes=self.notes.data or "",
            active=bool(self.active.data),
        )


class MilesField(TextField):
    """Miles to one decimal place: "12.5"."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.miles: Decimal | None = None

    def pre_validate(self, form: Any) -> None:
        text = (self.data or "").strip().replace(",", "")
        self.miles = None
        if not text:
            raise ValidationError(_l("Enter the miles, like 12.5."))
        if len(text) > 12 or not all(c.isdigit() or c == "." for c in text):
            raise ValidationError(_l("Enter the miles in figures, like 12.5."))
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationError(_l("Enter the miles in figures, like 12.5.")) from exc
        if value != value.quantize(MILES_QUANTUM):
            raise ValidationError(_l("Enter miles to one decimal place at most."))
        if not Decimal("0.1") <= value <= MAX_MILES:
            raise ValidationError(_l("Enter miles from 0.1 to 100,000."))
        self.miles = value.quantize(MILES_QUANTUM)


class JourneyForm(AppForm):
    date = UKDateField(_l("Date"), [InputRequired(_l("Enter the date of the journey."))])
    origin = TextField(
        _l("From"), [DataRequired(_l("Enter where you started."))], max_length=PLACE_MAX
    )
    destination = TextField(
        _l("To"), [DataRequired(_l("Enter where you went."))], max_length=PLACE_MAX
    )
    purpose = TextField(
        _l("Business purpose"),
        [DataRequired(_l("Enter why the journey was for business."))],
        max_length=PURPOSE_MAX,
    )
    miles = MilesField(_l("Business miles"), max_length=12)
    vehicle = SelectField(
        _l("Vehicle"), choices=select_choices(VEHICLE_LABELS.items()), default="car_van"
    )
    job_id = SelectField(_l("Job"), choices=NO_JOB_CHOICES, default="")

    def to_input(self) -> JourneyInput:
        """The validated form as the service's input."""
        assert self.date.data is not None  # required, so set once the form has validated
        return JourneyInput(
            date=self.date.data,
            origin=self.origin.data,
            destination=self.destination.data,
            purpose=self.purpose.data,
            miles=self.miles.miles or Decimal(0),
            vehicle=self.vehicle.data,
            job_id=parse_uuid(self.job_id.data) if self.job_id.data else None,
        )
