"""The only module of the admin area that reads data: aggregates and HMAC-hashed ids.

Everything goes through SQL on the admin database views (:mod:`minimin.admin.views_sql`) or
through the table objects found by name in the metadata, never through a feature's models
(an import-linter contract in pyproject.toml enforces it). No function returns a name, an
address, an amount or any text a user wrote: counts, days and hashed ids only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from minimin.core.crypto import hmac_id
from minimin.core.db import utcnow
from minimin.extensions import db

DAY = "day"
WEEK = "week"


def _rows(sql: str, **params: Any) -> list[sa.Row[Any]]:
    return list(db.session.execute(sa.text(sql), params).all())


def _view_exists(name: str) -> bool:
    return name in set(sa.inspect(db.session.connection()).get_view_names())


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _bucket(day: date, period: str) -> date:
    return day - timedelta(days=day.weekday()) if period == WEEK else day


@dataclass
class Series:
    """Counts per day or week (oldest first), with the maximum for drawing bars."""

    title: str
    points: list[tuple[date, int]]

    @property
    def maximum(self) -> int:
        return max((v for _, v in self.points), default=0)

    @property
    def total(self) -> int:
        return sum(v for _, v in self.points)


def _periods(period: str, count: int) -> list[date]:
    today = utcnow().date()
    if period == WEEK:
        start = _bucket(today, WEEK)
        return [start - timedelta(weeks=i) for i in reversed(range(count))]
    return [today - timedelta(days=i) for i in reversed(range(count))]


def _series(title: str, view: str, column: str, period: str, count: int, where: str = "") -> Series:
    buckets = _periods(period, count)
    totals = dict.fromkeys(buckets, 0)
    if _view_exists(view):
        since = buckets[0]
        condition = f" AND {where}" if where else ""
        for row in _rows(
            f"SELECT day, SUM({column}) AS n FROM {view} "  # noqa: S608 - constant names
            f"WHERE day >= :since{condition} GROUP BY day",
            since=since,
        ):
            day = _as_date(row.day)
            if day is None:
                continue
            key = _bucket(day, period)
            if key in totals:
                totals[key] += int(row.n or 0)
    return Series(title, sorted(totals.items()))


def dashboard(period: str = DAY) -> dict[str, Any]:
    """Everything the dashboard shows."""
    count = 30 if period == DAY else 12
    facts = _rows(
        "SELECT COUNT(*) AS accounts, SUM(verified) AS verified FROM admin_account_facts"
    )[0]
    accounts = int(facts.accounts or 0)
    verified = int(facts.verified or 0)
    email_rows = _rows("SELECT status, SUM(emails) AS n FROM admin_daily_email GROUP BY status")
    email = {str(r.status): int(r.n or 0) for r in email_rows}
    storage = (
        _rows("SELECT SUM(files) AS files, SUM(bytes) AS bytes FROM admin_daily_storage")[0]
        if _view_exists("admin_daily_storage")
        else None
    )
    return {
        "accounts": accounts,
        "verified": verified,
        "verification_rate": (100 * verified // accounts) if accounts else 0,
        "series": [
            _series("signups", "admin_daily_signups", "signups", period, count),
            _series("active", "admin_daily_logins", "active", period, count),
            _series("invoices", "admin_daily_invoices", "issued", period, count),
            _series("imports", "admin_daily_imports", "imports", period, count),
            _series("ai", "admin_daily_ai", "requests", period, count),
            _series("emails_sent", "admin_daily_email", "emails", period, count, "status = 'sent'"),
            _series(
                "emails_failed", "admin_daily_email", "emails", period, count, "status = 'failed'"
            ),
            _series("events", "admin_daily_events", "events", period, count),
            _series("errors", "admin_daily_events", "events", period, count, "error = 1"),
            _series("storage_bytes", "admin_daily_storage", "bytes", period, count),
        ],
        "email": email,
        "email_delivery_rate": (
            100 * email.get("sent", 0) // sum(email.values()) if sum(email.values()) else None
        ),
        "files": int(storage.files or 0) if storage else 0,
        "storage_bytes": int(storage.bytes or 0) if storage else 0,
        "ai_available": _view_exists("admin_daily_ai"),
    }


# ------------------------------------------------------------------------------ accounts


@dataclass
class Account:
    hashed_id: str
    signup_day: date | None
    verified: bool
    admin: bool
    last_login_day: date | None


def _accounts() -> list[tuple[uuid.UUID, Account]]:
    rows = _rows(
        "SELECT id, signup_day, verified, admin, last_login_day FROM admin_account_facts "
        "ORDER BY signup_day DESC"
    )
    result = []
    for row in rows:
        uid = row.id if isinstance(row.id, uuid.UUID) else uuid.UUID(str(row.id))
        result.append(
            (
                uid,
                Account(
                    hashed_id=hmac_id(uid),
                    signup_day=_as_date(row.signup_day),
                    verified=bool(row.verified),
                    admin=bool(row.admin),
                    last_login_day=_as_date(row.last_login_day),
                ),
            )
        )
    return result


def accounts(limit: int = 200, offset: int = 0) -> list[Account]:
    return [a for _, a in _accounts()[offset : offset + limit]]


def resolve(hashed_id: str) -> uuid.UUID | None:
    """The account behind a hashed id (never shown; used to act on it), or None."""
    if not isinstance(hashed_id, str) or len(hashed_id) != 32:
        return None
    for uid, account in _accounts():
        if account.hashed_id == hashed_id:
            return uid
    return None


def account(hashed_id: str) -> Account | None:
    for _uid, item in _accounts():
        if item.hashed_id == hashed_id:
            return item
    return None


def row_counts(user_id: uuid.UUID) -> dict[str, int]:
    """How many rows the account has in each user-owned table (counts only, no contents)."""
    metadata = db.Model.metadata
    counts: dict[str, int] = {}
    for name, table in sorted(metadata.tables.items()):
        if "user_id" not in table.c or name == "user":
            continue
        counts[name] = int(
            db.session.scalar(
                sa.select(sa.func.count()).select_from(table).where(table.c.user_id == user_id)
            )
            or 0
        )
    return counts


def passkey_count(user_id: uuid.UUID) -> int:
    """How many passkeys an account has (the admin guard asks this of the admin)."""
    table = db.Model.metadata.tables.get("passkey")
    if table is None:
        return 0
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(table).where(table.c.user_id == user_id)
        )
        or 0
    )


def admin_log(limit: int = 200, offset: int = 0) -> list[sa.Row[Any]]:
    return _rows(
        "SELECT created_at, action, actor_hash, subject_hash FROM admin_log "
        "ORDER BY created_at DESC LIMIT :limit OFFSET :offset",
        limit=limit,
        offset=offset,
    )
