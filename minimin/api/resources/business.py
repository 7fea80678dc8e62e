"""The business profile (read only: changing it stays on the settings pages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_login import current_user

from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import Money, Out
from minimin.business import services


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
    default_currency: str
    payment_terms_days: int
    invoice_prefix: str
    credit_note_prefix: str
    day_rate: Money | None
    half_day_rate: Money | None
    hourly_rate: Money | None


@operation(
    "GET",
    "/business",
    summary="The business profile",
    tag="business",
    scope="business:read",
    response=BusinessProfile,
)
def business_profile() -> BusinessProfile:
    """Name, address, VAT registration and invoice settings. Bank details and the UTR are
    never sent through the API."""
    profile = services.get_profile(current_user.id)
    if profile is None:
        raise ApiProblem(404, "The business profile has not been set up yet.")
    currency = profile.default_currency
    return BusinessProfile.model_validate(
        {
            **{
                name: getattr(profile, name)
                for name in BusinessProfile.model_fields
                if not name.endswith("rate")
            },
            "day_rate": Money.maybe(profile.day_rate_pence, currency),
            "half_day_rate": Money.maybe(profile.half_day_rate_pence, currency),
            "hourly_rate": Money.maybe(profile.hourly_rate_pence, currency),
        }
    )
