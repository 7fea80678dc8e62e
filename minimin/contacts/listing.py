"""The clients and agencies as the JSON API lists them: current or archived, searched by name
(the caller orders and pages the statement)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from minimin.contacts.models import Agency, Client


def _contacts(model: Any, user_id: uuid.UUID, *, archived: bool, q: str | None) -> Any:
    statement = sa.select(model).where(model.user_id == user_id)
    statement = statement.where(
        model.archived_at.is_not(None) if archived else model.archived_at.is_(None)
    )
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(model.name.ilike(f"%{escaped}%", escape="\\"))
    return statement


def clients(user_id: uuid.UUID, *, archived: bool, q: str | None) -> sa.Select[tuple[Client]]:
    """The user's clients, archived ones or the others, whose name contains *q*."""
    statement: sa.Select[tuple[Client]] = _contacts(Client, user_id, archived=archived, q=q)
    return statement


def agencies(user_id: uuid.UUID, *, archived: bool, q: str | None) -> sa.Select[tuple[Agency]]:
    """The user's agencies as :func:`clients` selects them, with their commission rates
    loaded in one more statement (not one per agency)."""
    statement: sa.Select[tuple[Agency]] = _contacts(Agency, user_id, archived=archived, q=q)
    return statement.options(selectinload(Agency.commission_rates))
