"""The user account, its server-side sessions and its emailed tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import Timestamps, UUIDPrimaryKey, utcnow
from minimin.extensions import db

EMAIL_MAX = 254
NAME_MAX = 200


class User(UUIDPrimaryKey, Timestamps, UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "user"

    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX))
    # NFKC + casefold of the address: the uniqueness key, so "Ann@X.com" and "ann@x.com" (or
    # full-width look-alikes) cannot be two accounts.
    email_key: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()
    is_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    theme: Mapped[str | None] = mapped_column(sa.String(8))

    # What the person confirmed and accepted at signup (policies.py names the versions).
    adult_confirmed_at: Mapped[datetime | None] = mapped_column()
    terms_version: Mapped[str | None] = mapped_column(sa.String(32))
    terms_accepted_at: Mapped[datetime | None] = mapped_column()
    privacy_version: Mapped[str | None] = mapped_column(sa.String(32))
    privacy_accepted_at: Mapped[datetime | None] = mapped_column()
    # Product news: off unless chosen; the time and the wording of the last choice are kept.
    news_consent: Mapped[bool] = mapped_column(default=False)
    news_consent_at: Mapped[datetime | None] = mapped_column()
    news_consent_version: Mapped[str | None] = mapped_column(sa.String(32))
    # A temporary lockout after too many failed sign-ins (see accounts.throttle).
    locked_until: Mapped[datetime | None] = mapped_column()

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class UserSession(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    """A signed-in browser. The cookie holds a random id; the row holds its hash."""

    __tablename__ = "user_session"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    ip_hash: Mapped[str | None] = mapped_column(sa.String(32))
    revoked_at: Mapped[datetime | None] = mapped_column()


class AccountToken(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    """A link emailed to the account's owner. Only the SHA-256 of the token is stored.

    Purposes: ``verify_email`` (48 h), ``reset_password`` (1 h), ``change_email`` (24 h, with
    ``new_email``), ``unsubscribe`` (one-click, not single-use). Acting tokens are single-use
    (``used_at``) and are deleted when the password or the email address changes.
    """

    __tablename__ = "account_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
