"""Owner-scoped loading (docs/design-rules.md, rule 4): the one way views load a user's object.

Anything that is not the caller's, does not exist, or is addressed by a malformed id answers 404:
the caller cannot tell "someone else's" from "no such thing".
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from minimin.extensions import db

T = TypeVar("T")


def parse_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def owned_or_404(model: type[T], object_id: Any, *, for_update: bool = False) -> T:
    """Load ``model`` row *object_id* belonging to the signed-in user, or abort with 404."""
    if not current_user.is_authenticated:
        abort(404)
    return owned_by_or_404(model, object_id, current_user.id, for_update=for_update)


def owned_by_or_404(
    model: type[T], object_id: Any, user_id: uuid.UUID, *, for_update: bool = False
) -> T:
    parsed = parse_uuid(object_id)
    if parsed is None:
        abort(404)
    query = sa.select(model).where(
        # Every owned model has id and user_id; T cannot say so.
        model.id == parsed,  # type: ignore[attr-defined]
        model.user_id == user_id,  # type: ignore[attr-defined]
    )
    if for_update:
        # OF the row itself: a relationship loaded by an outer join (an attachment's file)
        # would otherwise put the lock on the join's nullable side, which PostgreSQL refuses.
        query = query.with_for_update(of=model)
    obj = db.session.scalar(query)
    if obj is None:
        abort(404)
    return obj


def owned_query(model: type[T]) -> sa.Select[T]:
    """A SELECT of the signed-in user's rows of *model*, to refine with filters and order."""
    # Every owned model has user_id; T cannot say so.
    owner = model.user_id  # type: ignore[attr-defined]
    query: sa.Select[T] = sa.select(model).where(owner == current_user.id)
    return query
