"""Clients (who the user invoices directly) and agencies (who book the user and pay net).

Public API used by jobs and invoices:

* :class:`Client` — ``is_business`` tells whether late-payment compensation applies.
* :class:`Agency` — :meth:`Agency.commission_rate_for` gives the commission percentage for a
  kind of work (codes in :mod:`minimin.contacts.kinds`), falling back to the default percentage.

Percentages are ``Decimal`` percent values (``Decimal("15")`` is 15 %), stored as
``Numeric(6, 3)`` and validated to 0–100 by the forms and services.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.contacts.kinds import KIND_CODE_MAX
from minimin.core import changes
from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db

NAME_MAX = 200
CONTACT_NAME_MAX = 200
EMAIL_MAX = 254
PHONE_MAX = 40
ADDRESS_LINE_MAX = 200
TOWN_MAX = 100
POSTCODE_MAX = 16
VAT_NUMBER_MAX = 20
NOTES_MAX = 5000
PAYMENT_TERMS_MAX = 365

PERCENT = sa.Numeric(6, 3)

CLIENT_COMPANY = "company"
CLIENT_INDIVIDUAL = "individual"
CLIENT_KINDS = (CLIENT_COMPANY, CLIENT_INDIVIDUAL)

QUOTING_FEE_PLUS_AGENCY_FEE = "fee_plus_agency_fee"
QUOTING_FEE_INCLUSIVE = "fee_inclusive"
QUOTING_CHOICES = (QUOTING_FEE_INCLUSIVE, QUOTING_FEE_PLUS_AGENCY_FEE)


class ContactDetails:
    """Columns shared by clients and agencies."""

    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    contact_name: Mapped[str | None] = mapped_column(sa.String(CONTACT_NAME_MAX))
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX))
    phone: Mapped[str | None] = mapped_column(sa.String(PHONE_MAX))
    address_line1: Mapped[str | None] = mapped_column(sa.String(ADDRESS_LINE_MAX))
    address_line2: Mapped[str | None] = mapped_column(sa.String(ADDRESS_LINE_MAX))
    town: Mapped[str | None] = mapped_column(sa.String(TOWN_MAX))
    postcode: Mapped[str | None] = mapped_column(sa.String(POSTCODE_MAX))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str] = mapped_column(sa.String(2), default="GB")
    #: Compact form with country prefix, e.g. ``GB980780684``.
    vat_number: Mapped[str | None] = mapped_column(sa.String(VAT_NUMBER_MAX))
    #: Days; ``None`` means "use the business profile's default terms".
    payment_terms_days: Mapped[int | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(sa.Text)
    archived_at: Mapped[datetime | None] = mapped_column()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def address_lines(self) -> list[str]:
        """The postal address as printed on an invoice, one line each, blanks left out."""
        from minimin.contacts.countries import country_name

        lines = [self.address_line1, self.address_line2, self.town, self.postcode]
        result = [line for line in lines if line]
        if self.country and self.country != "GB":
            result.append(country_name(self.country))
        return result


class Client(UUIDPrimaryKey, Timestamps, UserOwned, ContactDetails, db.Model):  # type: ignore[name-defined]
    """A company or person the user invoices directly."""

    __tablename__ = "client"
    __table_args__ = (
        sa.Index("ix_client_user_id_name", "user_id", "name"),
        sa.Index("ix_client_user_id_created_at", "user_id", "created_at"),
        sa.Index("ix_client_user_id_payment_terms_days", "user_id", "payment_terms_days"),
        sa.CheckConstraint("kind IN ('company', 'individual')", name="kind_known"),
        sa.CheckConstraint(
            "payment_terms_days IS NULL OR (payment_terms_days >= 0 "
            f"AND payment_terms_days <= {PAYMENT_TERMS_MAX})",
            name="payment_terms_range",
        ),
    )

    #: ``company`` or ``individual``: the Late Payment Act applies business to business only.
    kind: Mapped[str] = mapped_column(sa.String(16), default=CLIENT_COMPANY)

    @property
    def is_business(self) -> bool:
        return self.kind == CLIENT_COMPANY


class Agency(UUIDPrimaryKey, Timestamps, UserOwned, ContactDetails, db.Model):  # type: ignore[name-defined]
    """An agency that books the user, collects the fee and pays the user net of commission.

    ``contact_name`` is the booker.
    """

    __tablename__ = "agency"
    __table_args__ = (
        sa.Index("ix_agency_user_id_name", "user_id", "name"),
        sa.Index("ix_agency_user_id_created_at", "user_id", "created_at"),
        sa.Index("ix_agency_user_id_payment_terms_days", "user_id", "payment_terms_days"),
        sa.Index("ix_agency_self_billing_review_date", "self_billing_review_date"),
        sa.CheckConstraint(
            "quoting IN ('fee_plus_agency_fee', 'fee_inclusive')", name="quoting_known"
        ),
        sa.CheckConstraint(
            "default_commission_percent >= 0 AND default_commission_percent <= 100",
            name="default_commission_range",
        ),
        sa.CheckConstraint(
            "agency_fee_percent IS NULL OR (agency_fee_percent >= 0 AND agency_fee_percent <= 100)",
            name="agency_fee_range",
        ),
        sa.CheckConstraint(
            "mother_agency_share_percent IS NULL OR "
            "(mother_agency_share_percent >= 0 AND mother_agency_share_percent <= 100)",
            name="mother_share_range",
        ),
        sa.CheckConstraint(
            "payment_terms_days IS NULL OR (payment_terms_days >= 0 "
            f"AND payment_terms_days <= {PAYMENT_TERMS_MAX})",
            name="payment_terms_range",
        ),
    )

    #: The agency is VAT-registered: its commission carries VAT.
    vat_registered: Mapped[bool] = mapped_column(default=False)
    #: Commission terms.
    default_commission_percent: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("0"))
    #: VAT is added to the commission (normally when the agency is VAT-registered).
    commission_vat_added: Mapped[bool] = mapped_column(default=False)
    quoting: Mapped[str] = mapped_column(sa.String(24), default=QUOTING_FEE_INCLUSIVE)
    #: With "fee + agency fee" quoting: the agency fee added on top of the fee, in percent.
    agency_fee_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    #: Optional mother-agency split: her share of the commission, in percent.
    mother_agency_name: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    mother_agency_share_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    #: Self-billing agreement (VAT Notice 700/62).
    self_billing: Mapped[bool] = mapped_column(default=False)
    self_billing_start_date: Mapped[date | None] = mapped_column(sa.Date)
    self_billing_review_date: Mapped[date | None] = mapped_column(sa.Date)
    #: The agency's VAT number as recorded on the agreement.
    self_billing_vat_number: Mapped[str | None] = mapped_column(sa.String(VAT_NUMBER_MAX))
    #: The review date the user was last reminded about (so each review date reminds once).
    self_billing_reminded_for: Mapped[date | None] = mapped_column(sa.Date)
    self_billing_reminded_at: Mapped[datetime | None] = mapped_column()

    commission_rates: Mapped[list[AgencyCommissionRate]] = relationship(
        back_populates="agency",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="AgencyCommissionRate.kind_of_work",
        passive_deletes=True,
    )

    def commission_rate_for(self, kind_of_work: str | None) -> Decimal:
        """The commission percentage for *kind_of_work*, else the agency's default."""
        if kind_of_work:
            for rate in self.commission_rates:
                if rate.kind_of_work == kind_of_work:
                    return Decimal(rate.percent)
        return Decimal(self.default_commission_percent or 0)

    @property
    def rates_by_kind(self) -> dict[str, Decimal]:
        return {rate.kind_of_work: Decimal(rate.percent) for rate in self.commission_rates}

    @property
    def self_billing_review_due(self) -> bool:
        from minimin.core.dates import uk_today

        return bool(
            self.self_billing
            and self.self_billing_review_date
            and self.self_billing_review_date <= uk_today()
        )


class AgencyCommissionRate(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """An agency's commission percentage for one kind of work (overrides its default)."""

    __tablename__ = "agency_commission_rate"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "kind_of_work"),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
    )

    agency_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True
    )
    kind_of_work: Mapped[str] = mapped_column(sa.String(KIND_CODE_MAX))
    percent: Mapped[Decimal] = mapped_column(PERCENT)

    agency: Mapped[Agency] = relationship(back_populates="commission_rates")


#: Tables that belong to a contact and go with it: not "references" that block a delete.
OWNED_CHILD_TABLES = frozenset({"agency_commission_rate"})

#: Lists of the user's clients and agencies (a form's choices) are kept until one changes.
CONTACTS_CHANGED = "contacts"
changes.track(Client, CONTACTS_CHANGED)
changes.track(Agency, CONTACTS_CHANGED)
