"""The rules that join an agency's fields together, and what an agency input stores.

Both front doors reach them through the services (the page form also asks for every refusal at
once, to show each beside its field). Values in, refusals and values out: no session, no
request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from minimin.contacts.inputs import AGENCY_FIELDS, AgencyInput
from minimin.contacts.kinds import KIND_CODES
from minimin.contacts.models import CLIENT_KINDS, QUOTING_CHOICES, QUOTING_FEE_PLUS_AGENCY_FEE
from minimin.core.user_error import UserError

PERCENT_FIELDS = ("default_commission_percent", "agency_fee_percent", "mother_agency_share_percent")


def _percent_ok(value: Decimal | None) -> bool:
    return value is None or Decimal(0) <= Decimal(value) <= Decimal(100)


def client_refusals(kind: str) -> list[UserError]:
    if kind not in CLIENT_KINDS:
        return [UserError(_l("Choose whether the client is a business."), "kind")]
    return []


def _percent_refusals(data: AgencyInput) -> list[UserError]:
    found = [
        UserError(_l("Enter a percentage from 0 to 100."), name)
        for name in PERCENT_FIELDS
        if not _percent_ok(getattr(data, name))
    ]
    for code, percent in data.commission_rates.items():
        if code not in KIND_CODES:
            found.append(UserError(_l("Choose a kind of work from the list."), "commission_rates"))
        elif not _percent_ok(percent):
            found.append(UserError(_l("Enter a percentage from 0 to 100."), "commission_rates"))
    return found


def _agreement_refusals(data: AgencyInput) -> list[UserError]:
    if not data.self_billing:
        return []
    start, review = data.self_billing_start_date, data.self_billing_review_date
    if start is None:
        return [
            UserError(
                _l("Enter the date the self-billing agreement started."), "self_billing_start_date"
            )
        ]
    if review is not None and review <= start:
        return [
            UserError(
                _l("The review date must be after the start date."), "self_billing_review_date"
            )
        ]
    return []


def agency_refusals(data: AgencyInput) -> list[UserError]:
    """Every reason *data* cannot be saved, each naming its field (empty when it can)."""
    found = _percent_refusals(data)
    if data.quoting not in QUOTING_CHOICES:
        found.append(UserError(_l("Choose how this agency quotes fees."), "quoting"))
    if data.vat_registered and not data.vat_number:
        found.append(
            UserError(
                _l("Enter the agency's VAT number, or untick \u201cVAT-registered\u201d."),
                "vat_number",
            )
        )
    if data.commission_vat_added and not data.vat_registered:
        found.append(
            UserError(
                _l(
                    "An agency that is not VAT-registered cannot add VAT to its commission: "
                    "tick \u201cVAT-registered\u201d or untick this."
                ),
                "commission_vat_added",
            )
        )
    if data.quoting == QUOTING_FEE_PLUS_AGENCY_FEE and data.agency_fee_percent is None:
        found.append(
            UserError(
                _l("Enter the agency fee percentage added on top of the fee, for example 20."),
                "agency_fee_percent",
            )
        )
    has_mother = bool(data.mother_agency_name)
    has_share = data.mother_agency_share_percent is not None
    if has_mother and not has_share:
        found.append(
            UserError(
                _l("Enter the mother agency's share of the commission, for example 50."),
                "mother_agency_share_percent",
            )
        )
    if has_share and not has_mother:
        found.append(
            UserError(
                _l("Enter the mother agency's name, or clear her share."), "mother_agency_name"
            )
        )
    return found + _agreement_refusals(data)


def agency_columns(data: AgencyInput) -> dict[str, Any]:
    """The agency's stored values for *data*: terms that do not apply are left empty (an agency
    fee without "fee + agency fee" quoting, dates without self-billing), a missing review date
    is a year after the start, and the agreement's VAT number defaults to the agency's."""
    values = {name: getattr(data, name) for name in AGENCY_FIELDS}
    if data.quoting != QUOTING_FEE_PLUS_AGENCY_FEE:
        values["agency_fee_percent"] = None
    if not data.mother_agency_name:
        values["mother_agency_name"] = values["mother_agency_share_percent"] = None
    start = data.self_billing_start_date if data.self_billing else None
    review = data.self_billing_review_date if data.self_billing else None
    if start and review is None:
        review = start + relativedelta(months=12)
    values["self_billing_start_date"] = start
    values["self_billing_review_date"] = review
    values["self_billing_vat_number"] = (
        (data.self_billing_vat_number or data.vat_number) if start else None
    )
    return values
