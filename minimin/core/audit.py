"""The audit trail: who did what, when, from where (hashed), for security logs and the admin log.

Rows hold no personal data in clear: the actor, the subject and the IP address are HMAC-hashed.
A row may also name the user it belongs to (``user_id``), so that the user can read their own
security log and the row is removed with their account.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.crypto import hmac_id
from minimin.core.db import UUIDPrimaryKey, utcnow
from minimin.extensions import db


class AuditEvent(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_event"

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor_hash: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    subject_hash: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    ip_hash: Mapped[str | None] = mapped_column(sa.String(32))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


def client_ip_hash() -> str | None:
    if not has_request_context() or not request.remote_addr:
        return None
    return hmac_id(request.remote_addr, "ip")


def record(
    action: str,
    *,
    user_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    subject: str | uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction (committed with the change it records)."""
    agent = request.user_agent.string[:200] if has_request_context() else None
    event = AuditEvent(
        action=action,
        user_id=user_id,
        actor_hash=hmac_id(actor_id) if actor_id else None,
        subject_hash=hmac_id(subject) if subject else None,
        ip_hash=client_ip_hash(),
        user_agent=agent,
        detail=detail,
    )
    db.session.add(event)
    return event
