"""Personal access tokens of the JSON API and the answers kept for ``Idempotency-Key``.

A token is shown to its owner once; only its SHA-256 is stored (``token_hash``), with a short
prefix so the owner can tell their tokens apart. Scopes are ``area:read`` / ``area:write``
strings (:mod:`minimin.api.scopes`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey, utcnow
from minimin.extensions import db

NAME_MAX = 80
PREFIX_LENGTH = 8


class ApiToken(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "api_token"

    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters of the token, shown in the list (not enough to use it).
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    def is_live(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or utcnow())


class ApiIdempotentRequest(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    """The answer to a POST sent with an ``Idempotency-Key``, kept so that a retry with the same
    key gets the same answer instead of doing the thing twice."""

    __tablename__ = "api_idempotent_request"
    __table_args__ = (sa.UniqueConstraint("token_id", "key_digest"),)

    token_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("api_token.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the client's key (keys are the client's text: never stored as sent).
    key_digest: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 of method, path and body: the same key with another request is refused.
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
