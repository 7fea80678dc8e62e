"""What the AI features keep: the request log, assistant conversations and pricing contributions.

``ai_request`` and ``ai_message`` hold a ``user_id``: the export includes them, account
deletion removes them, and withdrawing a feature's consent deletes that feature's rows.
``ai_pricing_contribution`` deliberately holds no ``user_id``: only a keyed HMAC of it, so a
contributor counts once and their rows can be found again to delete them, while the table
itself names no one.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db

#: Features, as the privacy policy names them (and the consent purposes of minimin/privacy).
PRICING = "ai_pricing"
DOCUMENTS = "ai_documents"
ASSISTANT = "ai_assistant"
FEATURES = (PRICING, DOCUMENTS, ASSISTANT)


class AIRequest(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One request to an AI provider, as the user may see it: what was sent (already
    redacted), what came back, the tokens and the cost."""

    __tablename__ = "ai_request"
    __table_args__ = (
        sa.CheckConstraint(
            "feature IN ('ai_pricing', 'ai_documents', 'ai_assistant')", name="feature"
        ),
        sa.Index("ix_ai_request_user_feature_at", "user_id", "feature", "created_at"),
    )

    feature: Mapped[str] = mapped_column(sa.String(16))
    provider: Mapped[str] = mapped_column(sa.String(16))
    model: Mapped[str] = mapped_column(sa.String(64))
    sent: Mapped[str] = mapped_column(sa.Text)
    received: Mapped[str] = mapped_column(sa.Text, default="")
    #: ``ok``, or why the answer was not used (``unavailable``, ``malformed``).
    outcome: Mapped[str] = mapped_column(sa.String(16), default="ok")
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    #: In millionths of a US dollar (Anthropic bills in dollars per million tokens).
    cost_micro_usd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AIMessage(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """One turn of an assistant conversation (kept only with the assistant consent)."""

    __tablename__ = "ai_message"
    __table_args__ = (
        sa.CheckConstraint("role IN ('user', 'assistant')", name="role"),
        sa.Index("ix_ai_message_user_at", "user_id", "created_at"),
    )

    role: Mapped[str] = mapped_column(sa.String(16))
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PricingContribution(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    """One accepted fee, contributed anonymously: kind of work, basis, region and year only."""

    __tablename__ = "ai_pricing_contribution"
    __table_args__ = (
        sa.CheckConstraint("basis IN ('day', 'half_day', 'usage')", name="basis"),
        sa.CheckConstraint("day_rate_pence >= 0", name="day_rate_nonnegative"),
        sa.Index("ix_ai_pricing_contribution_kind_region", "kind_of_work", "region"),
    )

    #: HMAC (core.crypto.hmac_id, purpose "ai-pricing") of the user id: never the id itself.
    contributor: Mapped[str] = mapped_column(sa.String(32), index=True)
    kind_of_work: Mapped[str] = mapped_column(sa.String(40))
    basis: Mapped[str] = mapped_column(sa.String(16))
    region: Mapped[str] = mapped_column(sa.String(40))
    year: Mapped[int] = mapped_column()
    day_rate_pence: Mapped[int] = mapped_column(sa.BigInteger)
