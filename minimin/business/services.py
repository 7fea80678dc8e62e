"""Business profile services: loading, saving sections, onboarding, the logo, numbering.

Services add and flush; the request transaction commits (docs/design-rules.md, rule 3).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import Flask, current_app

from minimin.business.models import (
    DONE,
    ONBOARDING_STEPS,
    SKIPPED,
    STEP_WORK_TYPE,
    BusinessProfile,
)
from minimin.business.rules import InvalidValue, check_next_number
from minimin.core import audit
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
    "register_issued_number_source",
    "remove_logo",
    "replace_logo",
    "set_next_credit_note_number",
    "set_next_invoice_number",
    "skip_onboarding",
    "update_section",
]
