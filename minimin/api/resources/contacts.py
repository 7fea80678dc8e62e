"""Clients and agencies: listed, read, added, changed, archived and deleted as on their pages."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from flask import Response
from flask_login import current_user
from pydantic import Field, field_serializer, field_validator

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.schemas import In, ListQuery, Out, Page, Text
from minimin.contacts import listing, services, validation
from minimin.contacts import models as m
from minimin.contacts.countries import COUNTRY_CODES
from minimin.contacts.inputs import AGENCY_FIELDS, CONTACT_FIELDS, AgencyInput, ClientInput
from minimin.contacts.kinds import KIND_CODES
from minimin.core.tenancy import owned_or_404
from minimin.core.user_error import UserError

PERCENT_PLACES = Decimal("0.001")


class ContactQuery(ListQuery):
    q: str | None = Field(default=None, max_length=100, description="Name contains.")
    archived: bool = Field(default=False, description="Archived contacts instead of current.")


class ContactOut(Out):
    id: uuid.UUID
    name: str
    contact_name: str | None
    email: str | None
    phone: str | None
    address_line1: str | None
    address_line2: str | None
    town: str | None
    postcode: str | None
    country: str
    vat_number: str | None
    payment_terms_days: int | None
    notes: str | None
    archived_at: dt.datetime | None
    created_at: dt.datetime


class Client(ContactOut):
    kind: str


def _percent(value: Decimal | None) -> Decimal | None:
    """As stored (three places), whether the row was just written or read back."""
    return None if value is None else Decimal(value).quantize(PERCENT_PLACES)


class CommissionRate(Out):
    kind_of_work: str
    percent: Decimal

    @field_serializer("percent")
    def _as_stored(self, value: Decimal) -> Decimal | None:
        return _percent(value)


class Agency(ContactOut):
    vat_registered: bool
    default_commission_percent: Decimal
    commission_vat_added: bool
    quoting: str
    agency_fee_percent: Decimal | None
    mother_agency_name: str | None
    mother_agency_share_percent: Decimal | None
    self_billing: bool
    self_billing_start_date: dt.date | None
    self_billing_review_date: dt.date | None
    self_billing_vat_number: str | None
    commission_rates: list[CommissionRate]

    @field_serializer(
        "default_commission_percent", "agency_fee_percent", "mother_agency_share_percent"
    )
    def _as_stored(self, value: Decimal | None) -> Decimal | None:
        return _percent(value)


class ContactIn(In):
    """The members clients and agencies share."""

    name: Text(m.NAME_MAX, min_length=1)  # type: ignore[valid-type]
    contact_name: Text(m.CONTACT_NAME_MAX) | None = None  # type: ignore[valid-type]
    email: Text(m.EMAIL_MAX) | None = None  # type: ignore[valid-type]
    phone: Text(m.PHONE_MAX) | None = None  # type: ignore[valid-type]
    address_line1: Text(m.ADDRESS_LINE_MAX) | None = None  # type: ignore[valid-type]
    address_line2: Text(m.ADDRESS_LINE_MAX) | None = None  # type: ignore[valid-type]
    town: Text(m.TOWN_MAX) | None = None  # type: ignore[valid-type]
    postcode: Text(m.POSTCODE_MAX) | None = None  # type: ignore[valid-type]
    country: str = Field(default="GB", pattern=r"^[A-Z]{2}$")
    vat_number: Text(m.VAT_NUMBER_MAX) | None = None  # type: ignore[valid-type]
    payment_terms_days: int | None = Field(default=None, ge=0, le=m.PAYMENT_TERMS_MAX)
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if value not in COUNTRY_CODES:
            raise ValueError("Use a two-letter ISO 3166 country code, such as GB.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return _normalised(validation.normalise_email, value)

    @field_validator("vat_number")
    @classmethod
    def _vat(cls, value: str | None) -> str | None:
        return _normalised(validation.normalise_vat_number, value)


class ClientIn(ContactIn):
    kind: Literal[m.CLIENT_KINDS] = m.CLIENT_COMPANY  # type: ignore[valid-type]

    def to_input(self) -> ClientInput:
        return ClientInput(**_contact_values(self.model_dump(), set(self.model_fields_set)))


class ClientPatch(ClientIn):
    """Only the members sent change; the others keep their values."""

    name: Text(m.NAME_MAX, min_length=1) = None  # type: ignore[valid-type]

    def merged(self, client: m.Client) -> ClientInput:
        values = {name: getattr(client, name) for name in (*CONTACT_FIELDS, "kind")}
        values.update(self.model_dump(exclude_unset=True))
        return ClientInput(**_contact_values(values, set(self.model_fields_set)))


class CommissionRateIn(In):
    kind_of_work: Literal[tuple(sorted(KIND_CODES))]  # type: ignore[valid-type]
    percent: Decimal = Field(ge=0, le=100, decimal_places=3)


class AgencyIn(ContactIn):
    """An agency: the contact's members, its commission terms, quoting, mother agency and
    self-billing agreement."""

    default_commission_percent: Decimal = Field(ge=0, le=100, decimal_places=3)
    vat_registered: bool = False
    commission_vat_added: bool = False
    quoting: Literal[m.QUOTING_CHOICES] = m.QUOTING_FEE_INCLUSIVE  # type: ignore[valid-type]
    agency_fee_percent: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=3)
    mother_agency_name: Text(m.NAME_MAX) | None = None  # type: ignore[valid-type]
    mother_agency_share_percent: Decimal | None = Field(
        default=None, ge=0, le=100, decimal_places=3
    )
    self_billing: bool = False
    self_billing_start_date: dt.date | None = None
    self_billing_review_date: dt.date | None = None
    self_billing_vat_number: Text(m.VAT_NUMBER_MAX) | None = None  # type: ignore[valid-type]
    commission_rates: list[CommissionRateIn] = Field(
        default_factory=list,
        max_length=len(KIND_CODES),
        description="Percentages by kind of work that override the default commission.",
    )

    @field_validator("self_billing_vat_number")
    @classmethod
    def _agreement_vat(cls, value: str | None) -> str | None:
        return _normalised(validation.normalise_vat_number, value)

    @field_validator("commission_rates")
    @classmethod
    def _one_rate_per_kind(cls, value: list[CommissionRateIn]) -> list[CommissionRateIn]:
        if len({rate.kind_of_work for rate in value}) != len(value):
            raise ValueError("Give each kind of work at most one rate.")
        return value

    def to_input(self) -> AgencyInput:
        values = self.model_dump(exclude={"commission_rates"})
        rates = {rate.kind_of_work: rate.percent for rate in self.commission_rates}
        return AgencyInput(
            **_contact_values(values, set(self.model_fields_set)), commission_rates=rates
        )


class AgencyPatch(AgencyIn):
    """Only the members sent change; the others keep their values (``commission_rates``, when
    sent, replaces all of the agency's rates by kind of work)."""

    name: Text(m.NAME_MAX, min_length=1) = None  # type: ignore[valid-type]
    # Left out, it keeps its value; sent, it may not be null (the column never is): so the
    # type stays Decimal with a default pydantic never checks.
    default_commission_percent: Decimal = Field(  # type: ignore[assignment]
        default=None, ge=0, le=100, decimal_places=3
    )

    def merged(self, agency: m.Agency) -> AgencyInput:
        values = {name: getattr(agency, name) for name in AGENCY_FIELDS}
        values.update(self.model_dump(exclude_unset=True, exclude={"commission_rates"}))
        rates = agency.rates_by_kind
        if "commission_rates" in self.model_fields_set:
            rates = {rate.kind_of_work: rate.percent for rate in self.commission_rates}
        return AgencyInput(
            **_contact_values(values, set(self.model_fields_set)), commission_rates=rates
        )


def _normalised(parse: Any, value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(parse(value))
    except validation.InvalidValue as exc:
        raise ValueError(str(exc)) from exc


def _contact_values(values: dict[str, Any], sent: set[str]) -> dict[str, Any]:
    """*values* with the phone and a UK postcode in their stored form (both depend on the
    country, so they are read once the country is known), blanks as None."""
    values = {k: (v if v != "" else None) for k, v in values.items()}
    country = values.get("country") or "GB"
    if values.get("phone") and sent & {"phone", "country"}:
        values["phone"] = _checked(
            "phone", lambda text: validation.normalise_phone(text, country), values["phone"]
        )
    if values.get("postcode") and country == "GB" and sent & {"postcode", "country"}:
        values["postcode"] = _checked(
            "postcode", validation.normalise_uk_postcode, values["postcode"]
        )
    return values


def _checked(field: str, parse: Any, value: str) -> str:
    try:
        return str(parse(value))
    except validation.InvalidValue as exc:
        raise UserError(str(exc), field) from exc


@operation(
    "GET",
    "/clients",
    summary="List clients",
    tag="contacts",
    scope="contacts:read",
    query=ContactQuery,
    response=Page[Client],
)
def list_clients(query: ContactQuery) -> Page[Client]:
    statement = listing.clients(current_user.id, archived=query.archived, q=query.q)
    return paging.page(statement, m.Client, query, Client.model_validate)


@operation(
    "GET",
    "/clients/<client_id>",
    summary="One client",
    tag="contacts",
    scope="contacts:read",
    response=Client,
)
def get_client(client_id: str) -> Client:
    return Client.model_validate(owned_or_404(m.Client, client_id))


@operation(
    "POST",
    "/clients",
    summary="Add a client",
    tag="contacts",
    scope="contacts:write",
    body=ClientIn,
    response=Client,
    status=201,
    covers=("contacts.client_new",),
)
def create_client(body: ClientIn) -> Client:
    return Client.model_validate(services.create_client(current_user.id, body.to_input()))


@operation(
    "PATCH",
    "/clients/<client_id>",
    summary="Change a client",
    tag="contacts",
    scope="contacts:write",
    body=ClientPatch,
    response=Client,
    covers=("contacts.client_edit",),
    load=(m.Client, "client"),
)
def update_client(client: m.Client, body: ClientPatch) -> Client:
    """Only the members sent change."""
    return Client.model_validate(services.update_client(client, body.merged(client)))


@operation(
    "POST",
    "/clients/<client_id>/archive",
    summary="Archive a client",
    tag="contacts",
    scope="contacts:write",
    response=Client,
    covers=("contacts.client_archive",),
    load=(m.Client, "client"),
)
def archive_client(client: m.Client) -> Client:
    """An archived client leaves the lists and the forms' choices; its invoices stay."""
    services.archive(client)
    return Client.model_validate(client)


@operation(
    "POST",
    "/clients/<client_id>/unarchive",
    summary="Bring a client back from the archive",
    tag="contacts",
    scope="contacts:write",
    response=Client,
    covers=("contacts.client_unarchive",),
    load=(m.Client, "client"),
)
def unarchive_client(client: m.Client) -> Client:
    services.unarchive(client)
    return Client.model_validate(client)


@operation(
    "DELETE",
    "/clients/<client_id>",
    summary="Delete a client",
    tag="contacts",
    scope="contacts:write",
    status=204,
    covers=("contacts.client_delete",),
    load=(m.Client, "client"),
)
def delete_client(client: m.Client) -> Response:
    """Only a client nothing refers to: one with jobs, invoices or documents is refused with
    409 (archive it instead)."""
    return _delete(client)


@operation(
    "GET",
    "/agencies",
    summary="List agencies",
    tag="contacts",
    scope="contacts:read",
    query=ContactQuery,
    response=Page[Agency],
)
def list_agencies(query: ContactQuery) -> Page[Agency]:
    statement = listing.agencies(current_user.id, archived=query.archived, q=query.q)
    return paging.page(statement, m.Agency, query, Agency.model_validate)


@operation(
    "GET",
    "/agencies/<agency_id>",
    summary="One agency, with its commission rates",
    tag="contacts",
    scope="contacts:read",
    response=Agency,
)
def get_agency(agency_id: str) -> Agency:
    return Agency.model_validate(owned_or_404(m.Agency, agency_id))


@operation(
    "POST",
    "/agencies",
    summary="Add an agency",
    tag="contacts",
    scope="contacts:write",
    body=AgencyIn,
    response=Agency,
    status=201,
    covers=("contacts.agency_new",),
)
def create_agency(body: AgencyIn) -> Agency:
    return Agency.model_validate(services.create_agency(current_user.id, body.to_input()))


@operation(
    "PATCH",
    "/agencies/<agency_id>",
    summary="Change an agency",
    tag="contacts",
    scope="contacts:write",
    body=AgencyPatch,
    response=Agency,
    covers=("contacts.agency_edit",),
    load=(m.Agency, "agency"),
)
def update_agency(agency: m.Agency, body: AgencyPatch) -> Agency:
    """Only the members sent change; ``commission_rates``, when sent, replaces them all."""
    return Agency.model_validate(services.update_agency(agency, body.merged(agency)))


@operation(
    "POST",
    "/agencies/<agency_id>/archive",
    summary="Archive an agency",
    tag="contacts",
    scope="contacts:write",
    response=Agency,
    covers=("contacts.agency_archive",),
    load=(m.Agency, "agency"),
)
def archive_agency(agency: m.Agency) -> Agency:
    services.archive(agency)
    return Agency.model_validate(agency)


@operation(
    "POST",
    "/agencies/<agency_id>/unarchive",
    summary="Bring an agency back from the archive",
    tag="contacts",
    scope="contacts:write",
    response=Agency,
    covers=("contacts.agency_unarchive",),
    load=(m.Agency, "agency"),
)
def unarchive_agency(agency: m.Agency) -> Agency:
    services.unarchive(agency)
    return Agency.model_validate(agency)


@operation(
    "DELETE",
    "/agencies/<agency_id>",
    summary="Delete an agency",
    tag="contacts",
    scope="contacts:write",
    status=204,
    covers=("contacts.agency_delete",),
    load=(m.Agency, "agency"),
)
def delete_agency(agency: m.Agency) -> Response:
    """Only an agency nothing refers to: one with jobs or remittances is refused with 409
    (archive it instead)."""
    return _delete(agency)


def _delete(contact: m.Client | m.Agency) -> Response:
    services.delete(contact, actor_id=current_user.id)
    return Response(status=204)
