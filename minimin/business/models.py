"""The business profile: the data a sole trader sets up once and every invoice and report uses."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core import changes
from minimin.core.crypto import EncryptedString
from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db
from minimin.files.models import StoredFile

# Work types
AGENCY = "agency"
FREELANCE = "freelance"
BOTH = "both"
WORK_TYPES = {
    AGENCY: _l("Agency work: agencies book me and pay me"),
    FREELANCE: _l("Freelance work: I invoice my clients myself"),
    BOTH: _l("Both"),
}

# VAT schemes
STANDARD = "standard"
CASH_ACCOUNTING = "cash_accounting"
FLAT_RATE = "flat_rate"
FLAT_RATE_LCT = "flat_rate_lct"
VAT_SCHEMES = {
    STANDARD: _l("Standard accounting"),
    CASH_ACCOUNTING: _l("Cash accounting"),
    FLAT_RATE: _l("Flat Rate Scheme (your sector's percentage)"),
    FLAT_RATE_LCT: _l("Flat Rate Scheme as a limited cost trader (%(rate)s%%)", rate="16.5"),
}
FLAT_RATE_SCHEMES = (FLAT_RATE, FLAT_RATE_LCT)

# VAT return periods ("stagger"): quarters ending in March/June/September/December (1),
# April/July/October/January (2), May/August/November/February (3), or monthly returns.
VAT_STAGGERS = {
    "1": _l("Quarterly: periods ending March, June, September, December"),
    "2": _l("Quarterly: periods ending April, July, October, January"),
    "3": _l("Quarterly: periods ending May, August, November, February"),
    "monthly": _l("Monthly"),
}

# Onboarding steps, in order; DONE and SKIPPED end the guided setup.
STEP_WORK_TYPE = "work_type"
STEP_DETAILS = "details"
STEP_VAT = "vat"
DONE = "done"
SKIPPED = "skipped"
ONBOARDING_STEPS = (STEP_WORK_TYPE, STEP_DETAILS, STEP_VAT)


class BusinessProfile(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One per user. Bank details and the UTR are encrypted at rest (AES-GCM, key id stored)."""

    __tablename__ = "business_profile"
    __table_args__ = (sa.UniqueConstraint("user_id"),)

    onboarding_step: Mapped[str] = mapped_column(sa.String(16), default=STEP_WORK_TYPE)
    work_type: Mapped[str | None] = mapped_column(sa.String(16))

    # Business details
    business_name: Mapped[str | None] = mapped_column(sa.String(200))
    address_line1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line2: Mapped[str | None] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    postcode: Mapped[str | None] = mapped_column(sa.String(8))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    invoice_email: Mapped[str | None] = mapped_column(sa.String(254))
    website: Mapped[str | None] = mapped_column(sa.String(300))

    # VAT and tax
    vat_registered: Mapped[bool] = mapped_column(default=False)
    vat_number: Mapped[str | None] = mapped_column(sa.String(14))  # "GB" + 9 or 12 digits
    vat_registration_date: Mapped[date | None] = mapped_column(sa.Date)
    vat_scheme: Mapped[str | None] = mapped_column(sa.String(24))
    flat_rate_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    flat_rate_first_year: Mapped[bool] = mapped_column(default=False)
    vat_stagger: Mapped[str | None] = mapped_column(sa.String(8))
    utr: Mapped[str | None] = mapped_column(EncryptedString)

    # Bank details for invoices (all encrypted)
    bank_account_name: Mapped[str | None] = mapped_column(EncryptedString)
    bank_sort_code: Mapped[str | None] = mapped_column(EncryptedString)
    bank_account_number: Mapped[str | None] = mapped_column(EncryptedString)
    bank_iban: Mapped[str | None] = mapped_column(EncryptedString)
    bank_bic: Mapped[str | None] = mapped_column(EncryptedString)

    # Accountant
    accountant_name: Mapped[str | None] = mapped_column(sa.String(200))
    accountant_firm: Mapped[str | None] = mapped_column(sa.String(200))
    accountant_email: Mapped[str | None] = mapped_column(sa.String(254))
    accountant_phone: Mapped[str | None] = mapped_column(sa.String(20))

    # Logo
    logo_file_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL")
    )
    logo: Mapped[StoredFile | None] = relationship(lazy="joined")

    # Invoice defaults
    invoice_prefix: Mapped[str] = mapped_column(sa.String(20), default="INV-")
    credit_note_prefix: Mapped[str] = mapped_column(sa.String(20), default="CN-")
    invoice_padding: Mapped[int] = mapped_column(default=4)
    next_invoice_number: Mapped[int] = mapped_column(sa.BigInteger, default=1)
    next_credit_note_number: Mapped[int] = mapped_column(sa.BigInteger, default=1)
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    invoice_footer: Mapped[str | None] = mapped_column(sa.Text)
    payment_notes: Mapped[str | None] = mapped_column(sa.Text)
    late_payment_text: Mapped[str | None] = mapped_column(sa.Text)

    # Fee structures
    day_rate_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    half_day_rate_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    hourly_rate_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    default_currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")

    @property
    def onboarding_finished(self) -> bool:
        return self.onboarding_step in (DONE, SKIPPED)

    @property
    def has_bank_details(self) -> bool:
        return any(
            (
                self.bank_account_name,
                self.bank_sort_code,
                self.bank_account_number,
                self.bank_iban,
                self.bank_bic,
            )
        )

    @property
    def effective_flat_rate(self) -> Decimal | None:
        """The flat rate percentage to apply, or None when not on the Flat Rate Scheme."""
        from minimin.business.rules import effective_flat_rate

        if self.vat_scheme not in FLAT_RATE_SCHEMES:
            return None
        return effective_flat_rate(
            self.flat_rate_percent,
            limited_cost_trader=self.vat_scheme == FLAT_RATE_LCT,
            first_year=self.flat_rate_first_year,
        )

    def format_invoice_number(self, number: int) -> str:
        return f"{self.invoice_prefix}{number:0{self.invoice_padding}d}"

    def format_credit_note_number(self, number: int) -> str:
        return f"{self.credit_note_prefix}{number:0{self.invoice_padding}d}"


#: Figures that depend on the profile (whether fees carry VAT) are kept until it changes.
PROFILE_CHANGED = "business_profile"
changes.track(BusinessProfile, PROFILE_CHANGED)
