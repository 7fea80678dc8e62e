"""Business profile services: loading, saving sections, onboarding, the logo, numbering.

Services add and flush; the request transaction commits (docs/design-rules.md, rule 3).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from minimin.business.inputs import (
    SECTION_OF,
    BankInput,
    InvoiceSettingsInput,
    RatesInput,
    SectionInput,
    VatInput,
    WorkTypeInput,
)
from minimin.business.models import (
    DONE,
    FLAT_RATE,
    ONBOARDING_STEPS,
    SKIPPED,
    STEP_WORK_TYPE,
    VAT_SCHEMES,
    VAT_STAGGERS,
    WORK_TYPES,
    BusinessProfile,
)
from minimin.business.rules import InvalidValue, check_next_number
from minimin.core import audit
from minimin.core.money import DEFAULT_MAX_PENCE
from minimin.core.money.errors import MoneyError
from minimin.core.money.value import check_currency
from minimin.core.user_error import UserError
from minimin.extensions import db
from minimin.files.models import LOGO
from minimin.files.services import remove_file, store_upload

#: Fields each settings section may change; a section's form changes nothing else.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "work_type": ("work_type",),
    "details": (
        "business_name",
        "address_line1",
        "address_line2",
        "town",
        "postcode",
        "phone",
        "invoice_email",
        "website",
    ),
    "vat": (
        "vat_registered",
        "vat_number",
        "vat_registration_date",
        "vat_scheme",
        "flat_rate_percent",
        "flat_rate_first_year",
        "vat_stagger",
        "utr",
    ),
    "bank": (
        "bank_account_name",
        "bank_sort_code",
        "bank_account_number",
        "bank_iban",
        "bank_bic",
    ),
    "accountant": ("accountant_name", "accountant_firm", "accountant_email", "accountant_phone"),
    "invoices": (
        "invoice_prefix",
        "credit_note_prefix",
        "invoice_padding",
        "payment_terms_days",
        "invoice_footer",
        "payment_notes",
        "late_payment_text",
    ),
    "rates": ("day_rate_pence", "half_day_rate_pence", "hourly_rate_pence", "default_currency"),
}
BANK_FIELDS = SECTION_FIELDS["bank"]
#: The most a rate may be, in minor units (as the rates form allows).
RATE_MAX_PENCE = DEFAULT_MAX_PENCE
#: Sections whose values are secrets: changes are audited, values never logged.
SECRET_SECTIONS = ("bank",)

#: Callables ``(user_id) -> (highest issued invoice number, highest issued credit note number)``
#: registered by the invoicing feature; the numbering rules consult all of them.
_ISSUED_SOURCES = "minimin_issued_number_sources"


def get_profile(user_id: uuid.UUID) -> BusinessProfile | None:
    return db.session.scalar(sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id))


def new_profile(user_id: uuid.UUID) -> BusinessProfile:
    """An unsaved profile with the defaults, to render forms before anything is stored."""
    return BusinessProfile(
        user_id=user_id,
        onboarding_step=STEP_WORK_TYPE,
        invoice_prefix="INV-",
        credit_note_prefix="CN-",
        invoice_padding=4,
        next_invoice_number=1,
        next_credit_note_number=1,
        payment_terms_days=30,
        default_currency="GBP",
        vat_registered=False,
        flat_rate_first_year=False,
    )


def get_or_create_profile(user_id: uuid.UUID) -> BusinessProfile:
    """The user's profile, created (with defaults) on the first change. Call only when writing."""
    profile = get_profile(user_id)
    if profile is None:
        profile = new_profile(user_id)
        db.session.add(profile)
        db.session.flush()
    return profile


def update_section(profile: BusinessProfile, section: str, values: dict[str, Any]) -> list[str]:
    """Set the given *values* of one *section*; returns the names of the fields that changed.

    Only fields of that section are touched; unknown keys are a programming error.
    """
    allowed = SECTION_FIELDS[section]
    unknown = set(values) - set(allowed)
    if unknown:
        raise KeyError(f"fields {sorted(unknown)} do not belong to section {section!r}")
    changed = []
    for name, value in values.items():
        if getattr(profile, name) != value:
            setattr(profile, name, value)
            changed.append(name)
    if section in SECRET_SECTIONS and changed:
        audit.record(
            "business.bank_details_changed",
            user_id=profile.user_id,
            actor_id=profile.user_id,
            detail={"fields": sorted(changed)},
        )
    db.session.flush()
    return changed


# --------------------------------------------------------------------------- saving a section

_VAT_INTRODUCED = date(1973, 4, 1)
PREFIX_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/_.#")
_RATE_FIELDS = ("day_rate_pence", "half_day_rate_pence", "hourly_rate_pence")
#: The field a refusal of each rate is shown on (the form's and the API's name for it).
_RATE_NAMES = {name: name.removesuffix("_pence") for name in _RATE_FIELDS}


def _vat_refusals(data: VatInput) -> list[UserError]:
    found = []
    if data.vat_scheme and data.vat_scheme not in VAT_SCHEMES:
        found.append(UserError(_l("Choose one of the VAT schemes listed."), "vat_scheme"))
    if data.vat_stagger and data.vat_stagger not in VAT_STAGGERS:
        found.append(UserError(_l("Choose one of the VAT return periods listed."), "vat_stagger"))
    when = data.vat_registration_date
    if when and not _VAT_INTRODUCED <= when <= date.today().replace(year=date.today().year + 1):
        found.append(
            UserError(
                _l("Enter a registration date between 1 April 1973 and next year."),
                "vat_registration_date",
            )
        )
    percent = data.flat_rate_percent
    if percent is not None and not Decimal("0.01") <= percent <= Decimal("20"):
        found.append(
            UserError(
                _l("Enter your sector's flat rate percentage, like 14.5."), "flat_rate_percent"
            )
        )
    if not data.vat_registered:
        return found
    if not data.vat_number:
        found.append(
            UserError(
                _l(
                    "Enter your VAT number (GB followed by 9 digits), or untick "
                    "'I am registered for VAT'."
                ),
                "vat_number",
            )
        )
    if not data.vat_scheme:
        found.append(UserError(_l("Choose your VAT accounting scheme."), "vat_scheme"))
    if data.vat_scheme == FLAT_RATE and percent is None:
        found.append(
            UserError(
                _l(
                    "Enter your sector's flat rate percentage, like 14.5, or choose another scheme."
                ),
                "flat_rate_percent",
            )
        )
    return found


def _bank_refusals(data: BankInput) -> list[UserError]:
    """UK details need both sort code and account number, and a name to pay."""
    found = []
    has_uk = data.bank_sort_code or data.bank_account_number
    if has_uk and not data.bank_sort_code:
        found.append(
            UserError(
                _l("Enter the sort code that goes with the account number, like 12-34-56."),
                "bank_sort_code",
            )
        )
    if has_uk and not data.bank_account_number:
        found.append(
            UserError(
                _l("Enter the account number that goes with the sort code, like 12345678."),
                "bank_account_number",
            )
        )
    filled = any(getattr(data, name) for name in BANK_FIELDS)
    if filled and not data.bank_account_name:
        found.append(
            UserError(
                _l("Enter the name on the account, as your clients should write it."),
                "bank_account_name",
            )
        )
    return found


def _invoice_refusals(data: InvoiceSettingsInput) -> list[UserError]:
    found = [
        UserError(_l("Use only letters, digits and - / _ . # in a number prefix, like INV-."), name)
        for name in ("invoice_prefix", "credit_note_prefix")
        if not set(getattr(data, name)) <= PREFIX_CHARS
    ]
    if not 0 <= data.invoice_padding <= 10:
        found.append(
            UserError(
                _l("Enter a number from %(min)s to %(max)s.", min=0, max=10), "invoice_padding"
            )
        )
    if not 0 <= data.payment_terms_days <= 365:
        found.append(
            UserError(
                _l("Enter a number from %(min)s to %(max)s.", min=0, max=365), "payment_terms_days"
            )
        )
    return found


def _rates_refusals(data: RatesInput) -> list[UserError]:
    found = []
    try:
        check_currency(data.default_currency)
    except MoneyError:
        found.append(
            UserError(_l("Choose a currency from the list, like GBP."), "default_currency")
        )
    for name in _RATE_FIELDS:
        pence = getattr(data, name)
        if pence is not None and not 0 <= pence <= RATE_MAX_PENCE:
            found.append(UserError(_l("Enter an amount of 0 or more."), _RATE_NAMES[name]))
    return found


def refusals(data: SectionInput) -> list[UserError]:
    """Every reason *data* cannot be saved, each naming its field (empty when it can). The
    page shows them all beside their fields; the services refuse with the first."""
    if isinstance(data, WorkTypeInput):
        if data.work_type not in WORK_TYPES:
            return [UserError(_l("Choose how you work: agency, freelance or both."), "work_type")]
        return []
    if isinstance(data, VatInput):
        return _vat_refusals(data)
    if isinstance(data, BankInput):
        return _bank_refusals(data)
    if isinstance(data, InvoiceSettingsInput):
        return _invoice_refusals(data)
    if isinstance(data, RatesInput):
        return _rates_refusals(data)
    return []


def number_refusals(profile: BusinessProfile, data: InvoiceSettingsInput) -> list[UserError]:
    """A next number may be raised freely but never set at or below one already issued."""
    issued_invoice, issued_credit = highest_issued_numbers(profile.user_id)
    requested = (
        ("next_invoice_number", data.next_invoice_number, issued_invoice),
        ("next_credit_note_number", data.next_credit_note_number, issued_credit),
    )
    found = []
    for name, number, issued in requested:
        if number is None or number == getattr(profile, name):
            continue
        try:
            check_next_number(number, issued)
        except InvalidValue:
            found.append(
                UserError(
                    _l(
                        "The next number must be higher than %(n)s, the highest number already "
                        "issued. Numbers may be raised but never reused.",
                        n=issued,
                    ),
                    name,
                    code=f"number_{'positive' if number < 1 else 'below_issued'}",
                )
            )
    return found


def save_section(owner_id: uuid.UUID, data: SectionInput) -> BusinessProfile:
    """Save one section of *owner_id*'s profile (made with the defaults on the first change);
    :class:`UserError` naming the field when it cannot be saved, and nothing changes."""
    found = refusals(data)
    if found:
        raise found[0]
    profile = get_or_create_profile(owner_id)
    section = SECTION_OF[type(data)]
    if isinstance(data, InvoiceSettingsInput):
        found = number_refusals(profile, data)
        if found:
            raise found[0]
        if data.next_invoice_number is not None:
            profile.next_invoice_number = data.next_invoice_number
        if data.next_credit_note_number is not None:
            profile.next_credit_note_number = data.next_credit_note_number
    update_section(
        profile, section, {name: getattr(data, name) for name in SECTION_FIELDS[section]}
    )
    return profile


def save_setup_step(owner_id: uuid.UUID, data: SectionInput) -> str:
    """A step of the guided setup: its section saved, then the next step (or DONE)."""
    profile = save_section(owner_id, data)
    return advance_onboarding(profile, SECTION_OF[type(data)])


def clear_bank_details(profile: BusinessProfile) -> None:
    update_section(profile, "bank", dict.fromkeys(BANK_FIELDS))


def record_bank_reveal(profile: BusinessProfile) -> None:
    """The owner asked to see the bank details in clear: that is worth a security-log line."""
    audit.record(
        "business.bank_details_revealed", user_id=profile.user_id, actor_id=profile.user_id
    )


# --------------------------------------------------------------------------- onboarding


def advance_onboarding(profile: BusinessProfile, completed_step: str) -> str:
    """Mark *completed_step* done and return the next step (or DONE)."""
    if profile.onboarding_finished:
        return profile.onboarding_step
    index = ONBOARDING_STEPS.index(completed_step)
    current = (
        ONBOARDING_STEPS.index(profile.onboarding_step)
        if profile.onboarding_step in ONBOARDING_STEPS
        else 0
    )
    following = max(index + 1, current)
    profile.onboarding_step = (
        ONBOARDING_STEPS[following] if following < len(ONBOARDING_STEPS) else DONE
    )
    db.session.flush()
    return profile.onboarding_step


def skip_onboarding(profile: BusinessProfile) -> None:
    if not profile.onboarding_finished:
        profile.onboarding_step = SKIPPED
        db.session.flush()


def needs_onboarding(user_id: uuid.UUID) -> bool:
    profile = get_profile(user_id)
    return profile is None or not profile.onboarding_finished


# --------------------------------------------------------------------------- logo


def replace_logo(profile: BusinessProfile, stream: BinaryIO, filename: str | None) -> None:
    """Validate and store a new logo; the old one is removed once the change has committed."""
    stored = store_upload(profile.user_id, stream, filename, LOGO)
    old = profile.logo
    profile.logo = stored
    profile.logo_file_id = stored.id
    db.session.flush()
    if old is not None:
        remove_file(old)


def remove_logo(profile: BusinessProfile) -> bool:
    old = profile.logo
    if old is None:
        return False
    profile.logo = None
    profile.logo_file_id = None
    db.session.flush()
    remove_file(old)
    return True


# --------------------------------------------------------------------------- numbering


def register_issued_number_source(
    app: Flask, source: Callable[[uuid.UUID], tuple[int, int]]
) -> None:
    """Let the invoicing feature tell us the highest invoice and credit-note numbers issued."""
    app.extensions.setdefault(_ISSUED_SOURCES, []).append(source)


def highest_issued_numbers(user_id: uuid.UUID) -> tuple[int, int]:
    invoices = credit_notes = 0
    for source in current_app.extensions.get(_ISSUED_SOURCES, []):
        inv, cn = source(user_id)
        invoices, credit_notes = max(invoices, inv), max(credit_notes, cn)
    return invoices, credit_notes


def set_next_invoice_number(profile: BusinessProfile, n: int, highest_issued: int) -> None:
    """Set the next invoice number: raising is free, going to or below *highest_issued* is not.

    Raises :class:`~minimin.business.rules.InvalidValue` (``number_positive`` or
    ``number_below_issued``).
    """
    check_next_number(n, highest_issued)
    profile.next_invoice_number = n
    db.session.flush()


def set_next_credit_note_number(profile: BusinessProfile, n: int, highest_issued: int) -> None:
    check_next_number(n, highest_issued)
    profile.next_credit_note_number = n
    db.session.flush()


__all__ = [
    "DONE",
    "SKIPPED",
    "InvalidValue",
    "advance_onboarding",
    "clear_bank_details",
    "get_or_create_profile",
    "get_profile",
    "highest_issued_numbers",
    "needs_onboarding",
    "new_profile",
    "record_bank_reveal",
    "refusals",
    "register_issued_number_source",
    "remove_logo",
    "replace_logo",
    "save_section",
    "save_setup_step",
    "set_next_credit_note_number",
    "set_next_invoice_number",
    "skip_onboarding",
    "update_section",
]
