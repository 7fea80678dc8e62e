"""Private calendar feeds: a named subscription link per calendar app, its token stored only as
a SHA-256 (``token_hash``, never exported), with optional filters (one agency, only confirmed
work). A revoked feed's link answers 404, as a wrong one does."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db

NAME_MAX = 100
#: Feeds one account may have at a time (one per phone, laptop, shared calendar...).
MAX_FEEDS = 10


class CalendarFeed(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "calendar_feed"

    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Only the jobs of this agency (and nothing that is not a job).
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True
    )
    #: Only booked work: confirmed, completed, invoiced or paid jobs.
    confirmed_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
