"""SQL helpers shared by the ledger's statements: grouping keys by year and month, and running
a statement."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from minimin.extensions import db


def _rows(statement: Any) -> list[Any]:
    return list(db.session.execute(statement))


def _year_key(column: Any) -> Any:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _month_key(column: Any) -> Any:
    return sa.cast(sa.extract("month", column), sa.Integer)
