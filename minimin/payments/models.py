"""The user's Stripe connection and the webhook events already processed."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.crypto import EncryptedString
from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db


class StripeAccount(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One per user: a restricted secret key and the webhook signing secret, both encrypted."""

    __tablename__ = "stripe_account"
    __table_args__ = (sa.UniqueConstraint("user_id", name="uq_stripe_account_user_id"),)

    #: Masked in the privacy export (rk_live_…1234): a secret granting access to the account.
    secret_key: Mapped[str] = mapped_column(EncryptedString, info={"minimin_export": "mask"})
    webhook_secret: Mapped[str] = mapped_column(EncryptedString, info={"minimin_export": "mask"})
    #: The opaque part of this user's webhook URL (/payments/stripe/webhook/<id>).
    webhook_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=uuid.uuid4)
    key_hint: Mapped[str] = mapped_column(sa.String(16))
    enabled: Mapped[bool] = mapped_column(default=True)


class StripeEvent(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """A webhook event processed once: the event id, unique per user's Stripe connection,
    makes redelivery a no-op. Unique per user, not globally: an id one user's endpoint
    received (or made up and signed with their own secret) must not block another's."""

    __tablename__ = "stripe_event"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "event_id", name="uq_stripe_event_user_id_event_id"),
    )

    event_id: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="SET NULL"), index=True
    )
    amount_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    outcome: Mapped[str] = mapped_column(sa.String(200), default="")
