"""The admin area's own record: an account locked by an administrator."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db


class AccountLock(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """While this row exists, the account cannot be used: its sessions end at the next request.

    Holds the hashed id of the administrator, never their address.
    """

    __tablename__ = "admin_account_lock"
    __table_args__ = (sa.UniqueConstraint("user_id"),)

    locked_at: Mapped[datetime] = mapped_column(default=utcnow)
    admin_hash: Mapped[str] = mapped_column(sa.String(32))
