"""Clients and agencies."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from flask_login import current_user
from pydantic import Field, field_validator

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.schemas import In, ListQuery, Out, Page, Text
from minimin.contacts import listing, services, validation
from minimin.contacts import models as m
from minimin.contacts.countries import COUNTRY_CODES
from minimin.core.tenancy import owned_or_404


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


class CommissionRate(Out):
    kind_of_work: str
    percent: Decimal


class Agency(ContactOut):
    vat_registered: bool
    default_commission_percent: Decimal
    commission_vat_added: bool
    quoting: str
    agency_fee_percent: Decimal | None
    self_billing: bool
    commission_rates: list[CommissionRate]


class ClientIn(In):
    name: Text(m.NAME_MAX, min_length=1)  # type: ignore[valid-type]
    kind: Literal["company", "individual"] = "company"
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

    def values(self) -> dict[str, Any]:
        values = self.model_dump()
        if values["phone"]:
            values["phone"] = _normalised(
                lambda text: validation.normalise_phone(text, self.country), values["phone"]
            )
        if values["postcode"] and self.country == "GB":
            values["postcode"] = _normalised(validation.normalise_uk_postcode, values["postcode"])
        return {k: (v if v != "" else None) for k, v in values.items()}


def _normalised(parse: Any, value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(parse(value))
    except validation.InvalidValue as exc:
        raise ValueError(str(exc)) from exc


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
    return Client.model_validate(services.create_client(current_user.id, body.values()))


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
