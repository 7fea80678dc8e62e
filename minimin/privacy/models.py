"""Privacy records: export requests, the consent history and the file sweep after a deletion."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db

#: Export states.
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
EXPIRED = "expired"
EXPORT_STATES = (QUEUED, RUNNING, DONE, FAILED, EXPIRED)

#: Consent purposes.
AI = "ai"
COMMUNICATIONS = "communications"
#: The three AI features the privacy policy names, each with its own consent (minimin/ai).
AI_PRICING = "ai_pricing"
AI_DOCUMENTS = "ai_documents"
AI_ASSISTANT = "ai_assistant"
AI_FEATURES = (AI_PRICING, AI_DOCUMENTS, AI_ASSISTANT)
CONSENT_PURPOSES = (AI, COMMUNICATIONS, *AI_FEATURES)


class ExportRequest(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One export of everything held about a user, built in the background."""

    __tablename__ = "privacy_export"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status"
        ),
    )

    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    steps_total: Mapped[int] = mapped_column(default=0)
    steps_done: Mapped[int] = mapped_column(default=0)
    #: The ZIP (JSON + files) in core storage; removed when the export expires.
    storage_key: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.String(200))
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(index=True)

    @property
    def percent(self) -> int:
        if not self.steps_total:
            return 0
        return min(100, (100 * self.steps_done) // self.steps_total)

    def downloadable(self) -> bool:
        return (
            self.status == DONE
            and self.storage_key is not None
            and self.expires_at is not None
            and self.expires_at > utcnow()
        )


class ConsentRecord(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One choice about an optional use of data: given or withdrawn, when, and to what words.

    The history is kept (never updated); the latest row per purpose is the current choice.
    """

    __tablename__ = "consent_record"
    __table_args__ = (
        sa.CheckConstraint(
            "purpose IN ('ai', 'communications', 'ai_pricing', 'ai_documents', 'ai_assistant')",
            name="purpose",
        ),
        sa.Index("ix_consent_record_user_purpose_at", "user_id", "purpose", "created_at"),
    )

    purpose: Mapped[str] = mapped_column(sa.String(32))
    granted: Mapped[bool] = mapped_column()
    wording_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Only for a withdrawal of AI consent: whether the AI conversation logs were deleted.
    deleted_logs: Mapped[bool] = mapped_column(default=False)


class PendingFileDeletion(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    """A stored file whose rows are gone and whose bytes must go too.

    Written in the same transaction as the deletion of the rows, so a crash after the commit
    leaves the list behind, and the periodic sweep finishes the work. Holds no ``user_id``: it
    outlives the account, and names nothing but a random storage key.
    """

    __tablename__ = "pending_file_deletion"

    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
