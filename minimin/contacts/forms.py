"""Client and agency forms. Every field has a limit and a specific message; nothing reaches the
database unless the whole form is valid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    StopValidation,
    ValidationError,
)

from minimin.contacts import models as m
from minimin.contacts import rules
from minimin.contacts.countries import COUNTRY_CODES, country_choices
from minimin.contacts.inputs import AgencyInput, ClientInput
from minimin.contacts.kinds import KINDS_OF_WORK
from minimin.contacts.validation import (
    InvalidValue,
    normalise_email,
    normalise_phone,
    normalise_uk_postcode,
    normalise_vat_number,
    parse_date,
    parse_payment_terms,
    parse_percent,
)
from minimin.core.forms import AppForm, MultilineTextField, TextField, check_text

PARSED_INPUT_MAX = 40


class ParsedField(StringField):
    """A one-line input turned into a value (a percentage, a number of days, a date).

    Unparseable input leaves ``data`` as None and records the parser's message; the raw text is
    shown back to the user so they can correct it.
    """

    def __init__(
        self,
        label: Any = None,
        validators: list[Any] | None = None,
        *,
        parser: Callable[[str], Any],
        formatter: Callable[[Any], str] = str,
        **kwargs: Any,
    ):
        kwargs.setdefault("render_kw", {}).setdefault("maxlength", PARSED_INPUT_MAX)
        super().__init__(label, validators, **kwargs)
        self.parser = parser
        self.formatter = formatter

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if not raw:
            return
        reason = check_text(raw)
        if reason:
            raise ValueError(reason)
        if len(raw) > PARSED_INPUT_MAX:
            raise ValueError(str(_l("This value is too long.")))
        try:
            self.data = self.parser(raw)
        except InvalidValue as exc:
            raise ValueError(str(exc)) from exc

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else self.formatter(self.data)


def _format_percent(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


class Parsed:
    """The field holds a parsed value: blank or spaces-only input is refused with *message*.

    ``InputRequired`` only sees that something was sent, so "   " passed it and reached the
    database as NULL; a parser's own refusal is left to speak for itself.
    """

    def __init__(self, message: Any):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(str(self.message))


def percent_field(label: Any, required: bool = False, **kwargs: Any) -> ParsedField:
    validators = [Parsed(_l("Enter a percentage, for example 15."))] if required else []
    kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
    return ParsedField(label, validators, parser=parse_percent, formatter=_format_percent, **kwargs)


def days_field(label: Any, **kwargs: Any) -> ParsedField:
    kwargs.setdefault("render_kw", {}).setdefault("inputmode", "numeric")
    return ParsedField(label, parser=parse_payment_terms, **kwargs)


def date_field(label: Any, **kwargs: Any) -> ParsedField:
    kwargs.setdefault("render_kw", {}).setdefault("type", "date")
    return ParsedField(label, parser=parse_date, formatter=date.isoformat, **kwargs)


def _clean(field: Field) -> bool:
    """True when *field* has a value and no error yet (so a second message is not piled on)."""
    return bool(field.data) and not field.errors


class ContactForm(AppForm):
    """The fields clients and agencies share."""

    contact_name = TextField(_l("Contact person"), max_length=m.CONTACT_NAME_MAX)
    email = TextField(
        _l("Email address"),
        max_length=m.EMAIL_MAX,
        render_kw={"type": "email", "autocomplete": "off"},
    )
    phone = TextField(_l("Phone"), max_length=m.PHONE_MAX, render_kw={"type": "tel"})
    address_line1 = TextField(_l("Address line 1"), max_length=m.ADDRESS_LINE_MAX)
    address_line2 = TextField(_l("Address line 2"), max_length=m.ADDRESS_LINE_MAX)
    town = TextField(_l("Town or city"), max_length=m.TOWN_MAX)
    postcode = TextField(_l("Postcode"), max_length=m.POSTCODE_MAX)
    country = SelectField(
        _l("Country"),
        validators=[AnyOf(sorted(COUNTRY_CODES), message=_l("Choose a country from the list."))],
        validate_choice=False,
        default="GB",
    )
    vat_number = TextField(
        _l("VAT number"), max_length=30, render_kw={"autocapitalize": "characters"}
    )
    payment_terms_days = days_field(_l("Payment terms (days)"))
    notes = MultilineTextField(_l("Notes"), max_length=m.NOTES_MAX)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice(code, name) for code, name in country_choices()]

    def validate_email(self, field: Field) -> None:
        if _clean(field):
            try:
                field.data = normalise_email(field.data)
            except InvalidValue as exc:
                raise ValidationError(str(exc)) from exc

    def validate_phone(self, field: Field) -> None:
        if _clean(field):
            country = self.country.data if self.country.data in COUNTRY_CODES else "GB"
            try:
                field.data = normalise_phone(field.data, country)
            except InvalidValue as exc:
                raise ValidationError(str(exc)) from exc

    def validate_postcode(self, field: Field) -> None:
        if _clean(field) and self.country.data == "GB":
            try:
                field.data = normalise_uk_postcode(field.data)
            except InvalidValue as exc:
                raise ValidationError(str(exc)) from exc

    def validate_vat_number(self, field: Field) -> None:
        if _clean(field):
            try:
                field.data = normalise_vat_number(field.data)
            except InvalidValue as exc:
                raise ValidationError(str(exc)) from exc

    def contact_values(self) -> dict[str, Any]:
        """The cleaned values of the shared fields, blanks as None."""
        names = (
            "contact_name",
            "email",
            "phone",
            "address_line1",
            "address_line2",
            "town",
            "postcode",
            "country",
            "vat_number",
            "payment_terms_days",
            "notes",
        )
        values = {name: self[name].data for name in names}
        for key, value in values.items():
            if isinstance(value, str) and not value.strip():
                values[key] = None
        values["country"] = values["country"] or "GB"
        return values


class ClientForm(ContactForm):
    name = TextField(
        _l("Company or person name"),
        [DataRequired(_l("Enter the client's name."))],
        max_length=m.NAME_MAX,
    )
    kind = RadioField(
        _l("Kind of client"),
        choices=[
            SelectChoice(m.CLIENT_COMPANY, _l("A business (company, partnership or sole trader)")),
            SelectChoice(m.CLIENT_INDIVIDUAL, _l("A private individual")),
        ],
        validators=[AnyOf(m.CLIENT_KINDS, message=_l("Choose whether the client is a business."))],
        validate_choice=False,
        default=m.CLIENT_COMPANY,
    )

    def to_input(self) -> ClientInput:
        return ClientInput(name=self.name.data, kind=self.kind.data, **self.contact_values())


class AgencyForm(ContactForm):
    name = TextField(
        _l("Agency name"),
        [DataRequired(_l("Enter the agency's name."))],
        max_length=m.NAME_MAX,
    )
    contact_name = TextField(_l("Booker"), max_length=m.CONTACT_NAME_MAX)
    vat_registered = BooleanField(_l("The agency is VAT-registered"))
    default_commission_percent = percent_field(
        _l("Default commission (%(sign)s)", sign="%"), required=True
    )
    commission_vat_added = BooleanField(_l("VAT is added to the commission"))
    quoting = RadioField(
        _l("How fees are quoted"),
        choices=[
            SelectChoice(
                m.QUOTING_FEE_INCLUSIVE, _l("Fee inclusive (commission comes out of the fee)")
            ),
            SelectChoice(
                m.QUOTING_FEE_PLUS_AGENCY_FEE, _l("Fee + agency fee (added on top of the fee)")
            ),
        ],
        validators=[AnyOf(m.QUOTING_CHOICES, message=_l("Choose how this agency quotes fees."))],
        validate_choice=False,
        default=m.QUOTING_FEE_INCLUSIVE,
    )
    agency_fee_percent = percent_field(_l("Agency fee (%(sign)s)", sign="%"))
    mother_agency_name = TextField(_l("Mother agency"), max_length=m.NAME_MAX)
    mother_agency_share_percent = percent_field(
        _l("Mother agency's share of the commission (%(sign)s)", sign="%")
    )
    self_billing = BooleanField(_l("The agency self-bills me (self-billing agreement)"))
    self_billing_start_date = date_field(_l("Agreement start date"))
    self_billing_review_date = date_field(_l("Agreement review date"))
    self_billing_vat_number = TextField(_l("Agency VAT number on the agreement"), max_length=30)

    def validate_self_billing_vat_number(self, field: Field) -> None:
        if _clean(field):
            try:
                field.data = normalise_vat_number(field.data)
            except InvalidValue as exc:
                raise ValidationError(str(exc)) from exc

    def rate_fields(self) -> list[tuple[str, Field]]:
        return [(code, self[f"rate_{code}"]) for code, _ in KINDS_OF_WORK]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # The rules joining fields are the service's; each refusal is shown beside its field
        # unless that field already says what is wrong with it.
        for refusal in rules.agency_refusals(self.to_input()):
            field = self._fields.get(refusal.field or "")
            if field is not None and not field.errors:
                field.errors.append(str(refusal.message))
                ok = False
        return ok

    def to_input(self) -> AgencyInput:
        return AgencyInput(
            name=self.name.data,
            **self.contact_values(),
            vat_registered=bool(self.vat_registered.data),
            # Blank only on a form already refused (the field is required).
            default_commission_percent=self.default_commission_percent.data or Decimal(0),
            commission_vat_added=bool(self.commission_vat_added.data),
            quoting=self.quoting.data,
            agency_fee_percent=self.agency_fee_percent.data,
            mother_agency_name=self.mother_agency_name.data or None,
            mother_agency_share_percent=self.mother_agency_share_percent.data,
            self_billing=bool(self.self_billing.data),
            self_billing_start_date=self.self_billing_start_date.data,
            self_billing_review_date=self.self_billing_review_date.data,
            self_billing_vat_number=self.self_billing_vat_number.data or None,
            commission_rates=self.rates(),
        )

    def rates(self) -> dict[str, Decimal]:
        """Percentages by kind of work that the user filled in (blank = use the default)."""
        return {code: field.data for code, field in self.rate_fields() if field.data is not None}

    def rates_open(self) -> bool:
        """Show the rates by kind of work when any is filled in or wrong."""
        return any(field.data is not None or field.errors for _, field in self.rate_fields())

    def fill_rates(self, agency: m.Agency) -> None:
        for code, field in self.rate_fields():
            rate = agency.rates_by_kind.get(code)
            field.data = rate


for _code, _label in KINDS_OF_WORK:
    setattr(AgencyForm, f"rate_{_code}", percent_field(_label))
