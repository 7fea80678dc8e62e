"""What a client or an agency is saved from: the typed inputs both front doors build
(docs/decisions/0009-typed-service-inputs.md). Values are already parsed and normalised (an
email in its checked form, a VAT number with its prefix, a percentage as ``Decimal``); the
rules that join fields together are checked by the services (:mod:`minimin.contacts.rules`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from minimin.contacts.models import CLIENT_COMPANY, QUOTING_FEE_INCLUSIVE


@dataclass(frozen=True)
class ContactInput:
    """The fields clients and agencies share, named as the forms' and the API's fields."""

    name: str
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    town: str | None = None
    postcode: str | None = None
    country: str = "GB"
    vat_number: str | None = None
    #: Days; None means "use the business profile's default terms".
    payment_terms_days: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ClientInput(ContactInput):
    kind: str = CLIENT_COMPANY


@dataclass(frozen=True)
class AgencyInput(ContactInput):
    vat_registered: bool = False
    default_commission_percent: Decimal = Decimal(0)
    commission_vat_added: bool = False
    quoting: str = QUOTING_FEE_INCLUSIVE
    #: With "fee + agency fee" quoting only (ignored otherwise).
    agency_fee_percent: Decimal | None = None
    mother_agency_name: str | None = None
    mother_agency_share_percent: Decimal | None = None
    self_billing: bool = False
    #: With self-billing only; the review date defaults to a year after the start.
    self_billing_start_date: date | None = None
    self_billing_review_date: date | None = None
    #: The agency's VAT number on the agreement; defaults to its VAT number.
    self_billing_vat_number: str | None = None
    #: Percentages by kind of work (codes of contacts.kinds) that override the default.
    commission_rates: dict[str, Decimal] = field(default_factory=dict)


CONTACT_FIELDS = (
    "name",
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
AGENCY_FIELDS = (
    *CONTACT_FIELDS,
    "vat_registered",
    "default_commission_percent",
    "commission_vat_added",
    "quoting",
    "agency_fee_percent",
    "mother_agency_name",
    "mother_agency_share_percent",
    "self_billing",
    "self_billing_start_date",
    "self_billing_review_date",
    "self_billing_vat_number",
)
