"""What each section of the business profile is saved from: the typed inputs both front doors
build (docs/decisions/0009-typed-service-inputs.md). Values are parsed and normalised (a phone
in E.164, a VAT number with its prefix, pence as ``int``); the rules that join fields together
are the services' (:func:`minimin.business.services.refusals`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class WorkTypeInput:
    work_type: str


@dataclass(frozen=True)
class DetailsInput:
    business_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    town: str | None = None
    postcode: str | None = None
    phone: str | None = None
    invoice_email: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class AccountantInput:
    accountant_name: str | None = None
    accountant_firm: str | None = None
    accountant_email: str | None = None
    accountant_phone: str | None = None


@dataclass(frozen=True)
class VatInput:
    vat_registered: bool = False
    vat_number: str | None = None
    vat_registration_date: date | None = None
    vat_scheme: str | None = None
    flat_rate_percent: Decimal | None = None
    flat_rate_first_year: bool = False
    vat_stagger: str | None = None
    utr: str | None = None


@dataclass(frozen=True)
class BankInput:
    """The bank details as they are to be stored (a page's blank field, which keeps the stored
    value, is filled in by the page before this is built)."""

    bank_account_name: str | None = None
    bank_sort_code: str | None = None
    bank_account_number: str | None = None
    bank_iban: str | None = None
    bank_bic: str | None = None


@dataclass(frozen=True)
class InvoiceSettingsInput:
    invoice_prefix: str = "INV-"
    credit_note_prefix: str = "CN-"
    invoice_padding: int = 4
    payment_terms_days: int = 30
    invoice_footer: str | None = None
    payment_notes: str | None = None
    late_payment_text: str | None = None
    #: None leaves the number as it is.
    next_invoice_number: int | None = None
    next_credit_note_number: int | None = None


@dataclass(frozen=True)
class RatesInput:
    day_rate_pence: int | None = None
    half_day_rate_pence: int | None = None
    hourly_rate_pence: int | None = None
    default_currency: str = "GBP"


SectionInput = (
    WorkTypeInput
    | DetailsInput
    | AccountantInput
    | VatInput
    | BankInput
    | InvoiceSettingsInput
    | RatesInput
)

#: The settings section each input saves (services.SECTION_FIELDS names its columns).
SECTION_OF: dict[type[SectionInput], str] = {
    WorkTypeInput: "work_type",
    DetailsInput: "details",
    AccountantInput: "accountant",
    VatInput: "vat",
    BankInput: "bank",
    InvoiceSettingsInput: "invoices",
    RatesInput: "rates",
}
