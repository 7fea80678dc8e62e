"""Cursor pagination: newest first by creation time, the id breaking ties.

The cursor is opaque to the client (base64 of the last row's sort key); a page is read with a
keyset condition, so page 100 costs what page 1 costs and rows added meanwhile neither repeat
nor vanish from the pages still to come.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from minimin.api.problems import ApiProblem
from minimin.api.schemas import ListQuery, Page
from minimin.extensions import db

T = TypeVar("T")


def encode(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiProblem(
            422,
            errors=[{"field": "cursor", "code": "invalid", "detail": "Not a cursor of this list."}],
        ) from exc


def page(
    query: sa.Select[Any],
    model: Any,
    paging: ListQuery,
    convert: Callable[[Any], T],
    *,
    scalars: bool = True,
    at: str = "created_at",
    parameters: Mapping[str, Any] | None = None,
) -> Page[T]:
    """One page of *query* (already limited to the caller's rows and filtered) over *model*'s
    time column *at* and ``id``, each row made an item by *convert*; *parameters* are the
    values of the query's bound parameters (a statement built once, such as its owner's id)."""
    column = getattr(model, at)
    if paging.cursor:
        when, row_id = decode(paging.cursor)
        # Column comparisons (not a row value) so each value is bound with its column's type.
        query = query.where(sa.or_(column < when, sa.and_(column == when, model.id < row_id)))
    query = query.order_by(column.desc(), model.id.desc()).limit(paging.limit + 1)
    result = db.session.execute(query, dict(parameters or {}))
    rows: Sequence[Any] = result.scalars().all() if scalars else result.all()
    more = len(rows) > paging.limit
    rows = rows[: paging.limit]
    cursor = encode(getattr(rows[-1], at), rows[-1].id) if more and rows else None
    return Page[T](data=[convert(r) for r in rows], next_cursor=cursor)
