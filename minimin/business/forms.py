"""Forms of the business profile: one per section, so bad input in one section changes nothing
in another. Every message says which field, what is wrong and what would be right."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, Field, RadioField, SelectField
from wtforms.validators import Email, InputRequired, Optional, ValidationError

from minimin.business import services
from minimin.business.inputs import (
    AccountantInput,
    BankInput,
    DetailsInput,
    InvoiceSettingsInput,
    RatesInput,
    VatInput,
    WorkTypeInput,
)
from minimin.business.models import VAT_SCHEMES, VAT_STAGGERS, WORK_TYPES
from minimin.business.rules import (
    InvalidValue,
    normalise_account_number,
    normalise_bic,
    normalise_iban,
    normalise_phone,
    normalise_postcode,
    normalise_sort_code,
    normalise_utr,
    normalise_vat_number,
    normalise_website,
)
from minimin.core.forms import (
    AppForm,
    MoneyField,
    MultilineTextField,
    TextField,
    choice_values,
    select_choices,
)
from minimin.core.money import NumberInputError, parse_percent
from minimin.core.user_error import UserError

MESSAGES: dict[str, Any] = {
    "postcode": _l("Enter a UK postcode, like SW1A 1AA."),
    "phone": _l("Enter a phone number, like 020 7123 4567 or +44 7911 123456."),
    "vat_number": _l(
        "Enter a UK VAT number with valid check digits: GB followed by 9 digits, like GB980780684."
    ),
    "utr_length": _l("Enter your Unique Taxpayer Reference: 10 digits, like 1955839661."),
    "utr_check": _l(
        "This UTR's check digit is wrong. Please copy all 10 digits from an HMRC letter."
    ),
    "sort_code": _l("Enter a sort code of 6 digits, like 12-34-56."),
    "account_number": _l("Enter an account number of 8 digits, like 12345678."),
    "iban": _l(
        "Enter a valid IBAN, like GB82 WEST 1234 5698 7654 32 (these check digits do not match)."
    ),
    "bic": _l("Enter a valid BIC (SWIFT code) of 8 or 11 characters, like NWBKGB2L."),
    "website": _l("Enter a web address, like https://example.com."),
    "website_scheme": _l("Enter a web address that starts with https:// or http://."),
}

EMAIL_MESSAGE = _l("Enter an email address, like name@example.com.")


def _normalise(field: Field, fn: Callable[[str], str]) -> None:
    """Replace *field*'s data with its normalised form, or raise the rule's message."""
    if field.errors or not field.data:
        return
    try:
        field.data = fn(field.data)
    except InvalidValue as exc:
        raise ValidationError(MESSAGES[exc.code]) from exc


class WholeNumberField(TextField):
    """A whole number typed as text: strict ASCII digits, a range, a clear message."""

    def __init__(
        self,
        label: Any = None,
        *,
        minimum: int = 0,
        maximum: int = 10**9,
        example: str = "30",
        required: bool = True,
        **kwargs: Any,
    ):
        self.minimum, self.maximum, self.example = minimum, maximum, example
        self.required_message = _l("Enter a number, like %(example)s.", example=example)
        validators = [InputRequired(self.required_message)] if required else [Optional()]
        kwargs.setdefault("render_kw", {}).update(inputmode="numeric")
        super().__init__(label, validators, max_length=12, **kwargs)
        self.required = required
        self.number: int | None = None

    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        self.number = None
        if self.errors:
            return
        if not self.data:
            # Spaces only pass InputRequired (something was sent) and strip to nothing.
            if self.required:
                self.errors.append(str(self.required_message))
            return
        text = str(self.data).replace(",", "")
        if not (text.isascii() and text.isdigit()):
            self.errors.append(
                str(_l("Enter a whole number in figures, like %(example)s.", example=self.example))
            )
            return
        value = int(text)
        if not self.minimum <= value <= self.maximum:
            self.errors.append(
                str(
                    _l(
                        "Enter a number from %(min)s to %(max)s.",
                        min=self.minimum,
                        max=self.maximum,
                    )
                )
            )
            return
        self.number = value


def _filled(form: AppForm, input_type: type[Any]) -> dict[str, Any]:
    """The form's values for the fields of *input_type*, blanks as None."""
    return {name: form[name].data or None for name in input_type.__dataclass_fields__}


def show_refusals(form: AppForm, refusals: list[UserError]) -> bool:
    """Show each of the service's refusals beside its field, unless that field already says
    what is wrong with it; True when there was none."""
    for refusal in refusals:
        field = form._fields.get(refusal.field or "")
        if field is not None and not field.errors:
            field.errors.append(str(refusal.message))
    return not refusals


def _safe_date_field(label: Any) -> DateField:
    return DateField(
        label,
        [Optional()],
        format="%Y-%m-%d",
        description=_l("For example 2024-04-01."),
    )


def _date_message(field: Field) -> None:
    """WTForms' own date message is vague; say what would be right."""
    if field.errors:
        field.errors[:] = [str(_l("Enter a real date, like 2024-04-01."))]


# --------------------------------------------------------------------------- sections


class WorkTypeForm(AppForm):
    work_type = RadioField(
        _l("How do you work?"),
        choices=select_choices(WORK_TYPES.items()),
        validators=[InputRequired(_l("Choose how you work: agency, freelance or both."))],
        validate_choice=False,
    )

    def validate_work_type(self, field: Field) -> None:
        if field.data not in WORK_TYPES:
            raise ValidationError(_l("Choose how you work: agency, freelance or both."))

    def to_input(self) -> WorkTypeInput:
        return WorkTypeInput(work_type=self.work_type.data)


class DetailsForm(AppForm):
    business_name = TextField(_l("Business or trading name"), [Optional()], max_length=200)
    address_line1 = TextField(_l("Address line 1"), [Optional()], max_length=200)
    address_line2 = TextField(_l("Address line 2"), [Optional()], max_length=200)
    town = TextField(_l("Town or city"), [Optional()], max_length=100)
    postcode = TextField(_l("Postcode"), [Optional()], max_length=10)
    phone = TextField(_l("Phone"), [Optional()], max_length=30)
    invoice_email = TextField(
        _l("Email for invoices"), [Optional(), Email(EMAIL_MESSAGE)], max_length=254
    )
    website = TextField(_l("Website"), [Optional()], max_length=300)

    def validate_postcode(self, field: Field) -> None:
        _normalise(field, normalise_postcode)

    def validate_phone(self, field: Field) -> None:
        _normalise(field, normalise_phone)

    def validate_website(self, field: Field) -> None:
        _normalise(field, normalise_website)

    def to_input(self) -> DetailsInput:
        return DetailsInput(**_filled(self, DetailsInput))


class VatForm(AppForm):
    vat_registered = BooleanField(_l("I am registered for VAT"))
    vat_number = TextField(_l("VAT number"), [Optional()], max_length=20)
    vat_registration_date = _safe_date_field(_l("Date of VAT registration"))
    vat_scheme = SelectField(
        _l("VAT accounting scheme"),
        choices=select_choices([("", _l("Choose a scheme")), *VAT_SCHEMES.items()]),
        validate_choice=False,
    )
    flat_rate_percent = TextField(
        _l("Flat rate percentage for your sector"), [Optional()], max_length=10
    )
    flat_rate_first_year = BooleanField(
        _l("This is my first year of VAT registration (the rate is 1 point lower)")
    )
    vat_stagger = SelectField(
        _l("VAT return periods"),
        choices=select_choices([("", _l("Choose your return periods")), *VAT_STAGGERS.items()]),
        validate_choice=False,
    )
    utr = TextField(_l("Unique Taxpayer Reference (UTR)"), [Optional()], max_length=20)

    percent: Any = None

    def validate_vat_number(self, field: Field) -> None:
        _normalise(field, normalise_vat_number)

    def validate_utr(self, field: Field) -> None:
        _normalise(field, normalise_utr)

    def validate_vat_scheme(self, field: Field) -> None:
        if field.data and field.data not in VAT_SCHEMES:
            raise ValidationError(_l("Choose one of the VAT schemes listed."))

    def validate_vat_stagger(self, field: Field) -> None:
        if field.data and field.data not in VAT_STAGGERS:
            raise ValidationError(_l("Choose one of the VAT return periods listed."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _date_message(self.vat_registration_date)
        self.percent = None
        if self.flat_rate_percent.data and not self.flat_rate_percent.errors:
            try:
                self.percent = parse_percent(
                    self.flat_rate_percent.data.replace("%", ""),
                    places=2,
                    minimum=Decimal("0.01"),
                    maximum=Decimal("20"),
                )
            except NumberInputError as exc:
                self.flat_rate_percent.errors.append(
                    str(_l("Enter your sector's flat rate percentage, like 14.5.")) + " " + str(exc)
                )
        show_refusals(self, services.refusals(self.to_input()))
        return ok and not any(f.errors for f in self)

    def to_input(self) -> VatInput:
        return VatInput(
            vat_registered=bool(self.vat_registered.data),
            vat_number=self.vat_number.data or None,
            vat_registration_date=self.vat_registration_date.data,
            vat_scheme=self.vat_scheme.data or None,
            flat_rate_percent=self.percent,
            flat_rate_first_year=bool(self.flat_rate_first_year.data),
            vat_stagger=self.vat_stagger.data or None,
            utr=self.utr.data or None,
        )


class BankForm(AppForm):
    """Bank details: a blank field keeps the stored value (the page never shows it in full
    unless revealed); "Remove bank details" clears them all."""

    bank_account_name = TextField(_l("Account name"), [Optional()], max_length=200)
    bank_sort_code = TextField(_l("Sort code"), [Optional()], max_length=20)
    bank_account_number = TextField(_l("Account number"), [Optional()], max_length=20)
    bank_iban = TextField(_l("IBAN (optional)"), [Optional()], max_length=50)
    bank_bic = TextField(_l("BIC or SWIFT code (optional)"), [Optional()], max_length=20)

    def validate_bank_sort_code(self, field: Field) -> None:
        _normalise(field, normalise_sort_code)

    def validate_bank_account_number(self, field: Field) -> None:
        _normalise(field, normalise_account_number)

    def validate_bank_iban(self, field: Field) -> None:
        _normalise(field, normalise_iban)

    def validate_bank_bic(self, field: Field) -> None:
        _normalise(field, normalise_bic)

    def to_input(self, current: dict[str, str | None]) -> BankInput:
        """The bank details after this submission: blank fields keep the current value."""
        return BankInput(**{name: self[name].data or current.get(name) for name in current})


class AccountantForm(AppForm):
    accountant_name = TextField(_l("Accountant's name"), [Optional()], max_length=200)
    accountant_firm = TextField(_l("Firm"), [Optional()], max_length=200)
    accountant_email = TextField(
        _l("Accountant's email"), [Optional(), Email(EMAIL_MESSAGE)], max_length=254
    )
    accountant_phone = TextField(_l("Accountant's phone"), [Optional()], max_length=30)

    def validate_accountant_phone(self, field: Field) -> None:
        _normalise(field, normalise_phone)

    def to_input(self) -> AccountantInput:
        return AccountantInput(**_filled(self, AccountantInput))


class LogoForm(AppForm):
    logo = FileField(
        _l("Logo image"),
        validators=[FileRequired(_l("Choose a PNG, JPEG or WebP image to upload."))],
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )


def _prefix(field: Field) -> None:
    if field.errors or not field.data:
        return
    if not set(field.data) <= services.PREFIX_CHARS:
        raise ValidationError(
            _l("Use only letters, digits and - / _ . # in a number prefix, like INV-.")
        )


class InvoiceDefaultsForm(AppForm):
    invoice_prefix = TextField(_l("Invoice number prefix"), [Optional()], max_length=20)
    credit_note_prefix = TextField(_l("Credit note number prefix"), [Optional()], max_length=20)
    invoice_padding = WholeNumberField(
        _l("Digits in the number (zero padding)"), minimum=0, maximum=10, example="4"
    )
    next_invoice_number = WholeNumberField(
        _l("Next invoice number"), minimum=1, maximum=10**9, example="1"
    )
    next_credit_note_number = WholeNumberField(
        _l("Next credit note number"), minimum=1, maximum=10**9, example="1"
    )
    payment_terms_days = WholeNumberField(
        _l("Payment terms (days)"), minimum=0, maximum=365, example="30"
    )
    invoice_footer = MultilineTextField(_l("Invoice footer"), [Optional()], max_length=2000)
    payment_notes = MultilineTextField(_l("Payment notes"), [Optional()], max_length=2000)
    late_payment_text = MultilineTextField(
        _l("Late payment wording"), [Optional()], max_length=2000
    )

    def validate_invoice_prefix(self, field: Field) -> None:
        _prefix(field)

    def validate_credit_note_prefix(self, field: Field) -> None:
        _prefix(field)

    def to_input(self) -> InvoiceSettingsInput:
        return InvoiceSettingsInput(
            invoice_prefix=self.invoice_prefix.data or "",
            credit_note_prefix=self.credit_note_prefix.data or "",
            # Both fields are required: after validation each holds its number.
            invoice_padding=self.invoice_padding.number or 0,
            payment_terms_days=self.payment_terms_days.number or 0,
            invoice_footer=self.invoice_footer.data or None,
            payment_notes=self.payment_notes.data or None,
            late_payment_text=self.late_payment_text.data or None,
            next_invoice_number=self.next_invoice_number.number,
            next_credit_note_number=self.next_credit_note_number.number,
        )


@lru_cache(maxsize=8)
def currency_choices(locale: str = "en_GB") -> list[tuple[str, str]]:
    """ISO 4217 currencies in use today in some territory, named in *locale*; GBP first."""
    today = date.today()
    codes: set[str] = set()
    for territory in Locale.parse("en").territories:
        code = str(territory)
        if code.isalpha() and len(code) == 2:
            codes.update(get_territory_currencies(code, today))
    names = {code: f"{code} – {get_currency_name(code, locale=locale)}" for code in codes}
    ordered = sorted((c for c in names if c != "GBP"), key=lambda c: names[c].casefold())
    return [("GBP", names.get("GBP", "GBP"))] + [(c, names[c]) for c in ordered]


class RatesForm(AppForm):
    # Read in the currency chosen below (a yen rate has no decimals).
    day_rate = MoneyField(_l("Day rate"), [Optional()], currency_field="default_currency")
    half_day_rate = MoneyField(_l("Half-day rate"), [Optional()], currency_field="default_currency")
    hourly_rate = MoneyField(_l("Hourly rate"), [Optional()], currency_field="default_currency")
    default_currency = SelectField(_l("Default currency"), validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.default_currency.choices = select_choices(
            currency_choices(str(get_locale() or "en_GB"))
        )

    def validate_default_currency(self, field: Field) -> None:
        if field.data not in choice_values(self.default_currency.choices):
            raise ValidationError(_l("Choose a currency from the list, like GBP."))

    def to_input(self) -> RatesInput:
        return RatesInput(
            day_rate_pence=self.day_rate.pence,
            half_day_rate_pence=self.half_day_rate.pence,
            hourly_rate_pence=self.hourly_rate.pence,
            default_currency=self.default_currency.data,
        )
