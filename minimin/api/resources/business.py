"""The business profile: read, changed section by section as on the settings pages, and its
logo. Bank details and the UTR are never sent, and are changed only on the pages (they are what
an invoice tells clients to pay into: a token must not be able to redirect that)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field, field_serializer, field_validator
from werkzeug.datastructures import FileStorage

from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, Money, MoneyIn, Out, Text
from minimin.business import models as m
from minimin.business import rules, services
from minimin.business.forms import MESSAGES
from minimin.business.inputs import (
    AccountantInput,
    DetailsInput,
    InvoiceSettingsInput,
    RatesInput,
    SectionInput,
    VatInput,
    WorkTypeInput,
)
from minimin.contacts import validation as contact_validation
from minimin.core.uploads import UploadError
from minimin.core.user_error import UserError

WorkType = Literal[tuple(m.WORK_TYPES)]  # type: ignore[valid-type]
VatScheme = Literal[tuple(m.VAT_SCHEMES)]  # type: ignore[valid-type]
VatStagger = Literal[tuple(m.VAT_STAGGERS)]  # type: ignore[valid-type]
#: The rates' members, by the profile's column.
RATES = {
    "day_rate_pence": "day_rate",
    "half_day_rate_pence": "half_day_rate",
    "hourly_rate_pence": "hourly_rate",
}
#: Text members stored as they are sent, even empty (a number prefix may be empty).
KEPT_EMPTY = frozenset({"invoice_prefix", "credit_note_prefix"})


class BusinessProfile(Out):
    business_name: str | None
    work_type: str | None
    address_line1: str | None
    address_line2: str | None
    town: str | None
    postcode: str | None
    phone: str | None
    invoice_email: str | None
    website: str | None
    vat_registered: bool
    vat_number: str | None
    vat_registration_date: dt.date | None
    vat_scheme: str | None
    flat_rate_percent: Decimal | None
    flat_rate_first_year: bool
    vat_stagger: str | None
    default_currency: str
    payment_terms_days: int
    invoice_prefix: str
    credit_note_prefix: str
    invoice_padding: int
    next_invoice_number: int
    next_credit_note_number: int
    invoice_footer: str | None
    payment_notes: str | None
    late_payment_text: str | None
    accountant_name: str | None
    accountant_firm: str | None
    accountant_email: str | None
    accountant_phone: str | None
    day_rate: Money | None
    half_day_rate: Money | None
    hourly_rate: Money | None
    has_logo: bool

    @field_serializer("flat_rate_percent")
    def _as_stored(self, value: Decimal | None) -> Decimal | None:
        """Two places, whether the profile was just saved or read back."""
        return None if value is None else value.quantize(Decimal("0.01"))


def _checked(parse: Callable[[str], str], value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parse(value)
    except rules.InvalidValue as exc:
        raise ValueError(str(MESSAGES[exc.code])) from exc
    except contact_validation.InvalidValue as exc:
        raise ValueError(str(exc)) from exc


class BusinessPatch(In):
    """Only the members sent change; the others keep their values. Each section is checked as
    its settings page checks it (VAT registration needs a VAT number and a scheme, a next
    invoice number may not reuse one already issued), and a refusal changes nothing."""

    work_type: WorkType | None = None  # type: ignore[valid-type]
    business_name: Text(200) | None = None  # type: ignore[valid-type]
    address_line1: Text(200) | None = None  # type: ignore[valid-type]
    address_line2: Text(200) | None = None  # type: ignore[valid-type]
    town: Text(100) | None = None  # type: ignore[valid-type]
    postcode: Text(10) | None = None  # type: ignore[valid-type]
    phone: Text(30) | None = None  # type: ignore[valid-type]
    invoice_email: Text(254) | None = None  # type: ignore[valid-type]
    # "https://" is added to an address sent without it; the column holds 300 characters.
    website: Text(292) | None = None  # type: ignore[valid-type]
    vat_registered: bool = False
    vat_number: Text(20) | None = None  # type: ignore[valid-type]
    vat_registration_date: dt.date | None = None
    vat_scheme: VatScheme | None = None  # type: ignore[valid-type]
    flat_rate_percent: Decimal | None = Field(
        default=None, ge=Decimal("0.01"), le=20, decimal_places=2
    )
    flat_rate_first_year: bool = False
    vat_stagger: VatStagger | None = None  # type: ignore[valid-type]
    invoice_prefix: Text(20) = "INV-"  # type: ignore[valid-type]
    credit_note_prefix: Text(20) = "CN-"  # type: ignore[valid-type]
    invoice_padding: int = Field(default=4, ge=0, le=10)
    next_invoice_number: int = Field(default=1, ge=1, le=10**9)
    next_credit_note_number: int = Field(default=1, ge=1, le=10**9)
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    invoice_footer: Text(2000, multiline=True) | None = None  # type: ignore[valid-type]
    payment_notes: Text(2000, multiline=True) | None = None  # type: ignore[valid-type]
    late_payment_text: Text(2000, multiline=True) | None = None  # type: ignore[valid-type]
    accountant_name: Text(200) | None = None  # type: ignore[valid-type]
    accountant_firm: Text(200) | None = None  # type: ignore[valid-type]
    accountant_email: Text(254) | None = None  # type: ignore[valid-type]
    accountant_phone: Text(30) | None = None  # type: ignore[valid-type]
    default_currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")
    day_rate: MoneyIn | None = None
    half_day_rate: MoneyIn | None = None
    hourly_rate: MoneyIn | None = None

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        return _checked(rules.normalise_postcode, value)

    @field_validator("phone", "accountant_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return _checked(rules.normalise_phone, value)

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        return _checked(rules.normalise_website, value)

    @field_validator("vat_number")
    @classmethod
    def _vat_number(cls, value: str | None) -> str | None:
        return _checked(rules.normalise_vat_number, value)

    @field_validator("invoice_email", "accountant_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return _checked(contact_validation.normalise_email, value)

    def to_inputs(self, profile: m.BusinessProfile) -> list[SectionInput]:
        """One input for each section a member was sent for: the profile's values with the
        members sent over them."""
        sent = {
            name: None if value == "" and name not in KEPT_EMPTY else value
            for name, value in self.model_dump(exclude_unset=True).items()
        }
        currency = str(sent.get("default_currency", profile.default_currency))
        for column, member in RATES.items():
            if member in sent:
                sent[column] = self._pence(member, currency)
        found: list[SectionInput] = []
        for kind in (
            WorkTypeInput,
            DetailsInput,
            AccountantInput,
            VatInput,
            InvoiceSettingsInput,
            RatesInput,
        ):
            names = kind.__dataclass_fields__
            if sent.keys() & names:
                values = {name: getattr(profile, name) for name in names}
                values.update({name: sent[name] for name in names if name in sent})
                found.append(kind(**values))
        return found

    def _pence(self, member: str, currency: str) -> int | None:
        money: MoneyIn | None = getattr(self, member)
        if money is None:
            return None
        if money.currency != currency:
            raise UserError(
                _("Send the rate in the default currency, %(currency)s.", currency=currency),
                f"{member}.currency",
            )
        return money.pence()


def _profile_out(profile: m.BusinessProfile) -> BusinessProfile:
    currency = profile.default_currency
    plain = {
        name: getattr(profile, name)
        for name in BusinessProfile.model_fields
        if name not in RATES.values() and name != "has_logo"
    }
    return BusinessProfile.model_validate(
        {
            **plain,
            **{
                member: Money.maybe(getattr(profile, column), currency)
                for column, member in RATES.items()
            },
            "has_logo": profile.logo_file_id is not None,
        }
    )


def _stored_profile() -> m.BusinessProfile:
    profile = services.get_profile(current_user.id)
    if profile is None:
        raise ApiProblem(404, "The business profile has not been set up yet.")
    return profile


@operation(
    "GET",
    "/business",
    summary="The business profile",
    tag="business",
    scope="business:read",
    response=BusinessProfile,
)
def business_profile() -> BusinessProfile:
    """Name, address, VAT registration, invoice settings, rates and accountant. Bank details
    and the UTR are never sent through the API."""
    return _profile_out(_stored_profile())


@operation(
    "PATCH",
    "/business",
    summary="Change the business profile",
    tag="business",
    scope="business:write",
    body=BusinessPatch,
    response=BusinessProfile,
    covers=(
        "business.save_simple",
        "business.save_work_type",
        "business.save_vat",
        "business.save_invoices",
        "business.save_rates",
    ),
)
def update_business(body: BusinessPatch) -> BusinessProfile:
    """Rates are sent in the default currency. Bank details and the UTR are changed only on
    the settings pages."""
    current = services.get_profile(current_user.id) or services.new_profile(current_user.id)
    for data in body.to_inputs(current):
        services.save_section(current_user.id, data)
    return _profile_out(_stored_profile())


@operation(
    "POST",
    "/business/logo",
    summary="Upload the logo",
    tag="business",
    scope="business:write",
    response=BusinessProfile,
    upload="logo",
    covers=("business.upload_logo",),
)
def upload_logo(upload: FileStorage) -> BusinessProfile:
    """Send a PNG, JPEG or WebP image as multipart/form-data in the part named ``logo``; it
    replaces the logo shown on invoices and statements."""
    profile = services.get_or_create_profile(current_user.id)
    try:
        # werkzeug types an upload's stream as IO[bytes]; it is a binary file.
        services.replace_logo(profile, upload.stream, upload.filename)  # type: ignore[arg-type]
    except UploadError as exc:
        status = exc.status if exc.status in (413, 415) else 422
        raise ApiProblem(
            status,
            exc.message,
            errors=[{"field": "logo", "code": "upload", "detail": exc.message}],
        ) from exc
    return _profile_out(profile)


@operation(
    "DELETE",
    "/business/logo",
    summary="Remove the logo",
    tag="business",
    scope="business:write",
    status=204,
    covers=("business.remove_logo",),
)
def remove_logo() -> Response:
    profile = services.get_profile(current_user.id)
    if profile is None or not services.remove_logo(profile):
        raise ApiProblem(404, "There is no logo to remove.")
    return Response(status=204)
