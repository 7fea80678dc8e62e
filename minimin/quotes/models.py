"""A quote: what a job was offered at, as sent (the lines are a snapshot: editing the job later
does not change an offer already made), and the client's link to accept it.

The link's token is stored only as its SHA-256 (core/crypto.py ``hash_token``): a copy of the
database cannot accept anyone's quote. A quote is ``sent`` until the client accepts it
(``accepted``) or the user withdraws it (``withdrawn``); after ``expires_on`` it can no longer
be accepted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db
from minimin.jobs.models import Job

SENT = "sent"
ACCEPTED = "accepted"
WITHDRAWN = "withdrawn"
STATUSES = (SENT, ACCEPTED, WITHDRAWN)
STATUS_LABELS = {SENT: _l("Sent"), ACCEPTED: _l("Accepted"), WITHDRAWN: _l("Withdrawn")}
EMAIL_MAX = 320
MESSAGE_MAX = 2000


class Quote(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "quote"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status_known"
        ),
        sa.CheckConstraint("total_pence >= 0", name="total_positive"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("job.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=SENT)
    sent_to: Mapped[str] = mapped_column(sa.String(EMAIL_MAX))
    message: Mapped[str | None] = mapped_column(sa.Text)
    expires_on: Mapped[dt.date] = mapped_column(sa.Date)
    currency: Mapped[str] = mapped_column(sa.String(3), default="GBP")
    total_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The offer as sent: [{"description", "quantity", "unit_pence", "amount_pence"}, ...].
    lines_snapshot: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    accepted_at: Mapped[dt.datetime | None] = mapped_column()

    job: Mapped[Job] = relationship()

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    def can_be_accepted(self, today: dt.date) -> bool:
        return self.status == SENT and today <= self.expires_on
