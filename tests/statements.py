"""The SQL statements a piece of a test sends, as the database receives them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask

T = TypeVar("T")


def statements_of(app: Flask, fn: Callable[[], T]) -> tuple[T, list[str]]:
    """*fn()*'s result and the statements it sent through *app*'s engine, in order."""
    from minimin.extensions import db

    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        result = fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return result, seen
