"""SQL helpers shared by the ledger's statements: sterling conversion of group totals, the VAT
share of a payment computed in the database, grouping keys (by year and month) and running a
statement."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import FunctionType
from typing import Any

import sqlalchemy as sa

from minimin.extensions import db
from minimin.reports.ledger.periods import GBP


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _to_gbp(amount: Any, currency: str, rate: Any) -> int | None:
    """Sterling pence of a group total, or ``None`` when no rate is known."""
    amount = Decimal(amount or 0)
    if currency == GBP:
        return _half_up(amount)
    if rate is None or Decimal(rate) <= 0:
        return None
    return _half_up(amount / Decimal(rate))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _vat_share(amount: Any, vat: Any, total: Any) -> Any:
    """SQL: ``round_half_up(amount × vat ÷ total)`` in integers, 0 when the total is 0."""
    if _dialect() == "postgresql":
        numerator = sa.cast(amount, sa.Numeric) * 2 * vat + total
        share = sa.func.div(numerator, sa.cast(total, sa.Numeric) * 2)
    else:
        share = (amount * 2 * vat + total) // (total * 2)
    return sa.case((total > 0, share), else_=0)


def _apply(keys: list[Any], column: Any) -> list[Any]:
    """Grouping keys: a plain function is applied to the query's date *column* (month keys);
    anything else is a column used as it is."""
    return [k(column) if isinstance(k, FunctionType) else k for k in keys]


def _rows(statement: Any) -> list[Any]:
    return list(db.session.execute(statement))


def _year_key(column: Any) -> Any:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _month_key(column: Any) -> Any:
    return sa.cast(sa.extract("month", column), sa.Integer)
