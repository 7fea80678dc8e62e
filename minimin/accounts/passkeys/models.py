"""Passkey tables (a user's credentials, the second-factor preference, ceremonies in
progress) and the few lookups of a user's passkeys that every ceremony and page shares."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db

NAME_MAX = 60
#: Credential ids are at most 1023 bytes (WebAuthn level 3): 1364 characters of base64url.
CREDENTIAL_ID_MAX = 1400


class Passkey(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One WebAuthn credential of a user."""

    __tablename__ = "passkey"

    #: base64url (no padding) of the credential id, as browsers send it.
    credential_id: Mapped[str] = mapped_column(sa.String(CREDENTIAL_ID_MAX), unique=True)
    #: COSE-encoded public key.
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[list[str] | None] = mapped_column(sa.JSON)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    backed_up: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()


class PasskeyPreference(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """Whether a password alone is enough to sign in (off) or a passkey must follow it (on)."""

    __tablename__ = "passkey_preference"
    __table_args__ = (sa.UniqueConstraint("user_id"),)

    require_after_password: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PasskeyChallenge(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    """A ceremony in progress: its challenge, bound to one browser session, used once."""

    __tablename__ = "passkey_challenge"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    challenge: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))
    name: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    next_url: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def _passkey_count(user_id: uuid.UUID) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Passkey).where(Passkey.user_id == user_id)
        )
        or 0
    )


def _preference(user_id: uuid.UUID) -> PasskeyPreference | None:
    return db.session.scalar(
        sa.select(PasskeyPreference).where(PasskeyPreference.user_id == user_id)
    )


def _user_passkeys(user_id: uuid.UUID) -> list[Passkey]:
    return list(
        db.session.scalars(
            sa.select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at)
        )
    )
