"""Database views for the admin statistics: aggregates and ids only, no personal columns.

The admin area reads these views and nothing else of the users' tables (besides the
``passkey`` count that guards admin access and per-account row counts). They are plain SQL
so that an Alembic migration can create them:
``for sql in create_statements(dialect): op.execute(sql)``
(and :func:`drop_statements` in the downgrade). :func:`ensure_views` creates them on a live
database (``minimin create-admin`` calls it; tests call it in a fixture).
"""

from __future__ import annotations

import sqlalchemy as sa

#: Per dialect: the expression that cuts a timestamp column to its UTC day (a DATE / ISO text).
_DAY = {
    "postgresql": "CAST(date_trunc('day', {col}) AS date)",
    "sqlite": "date({col})",
}

#: name -> SELECT body, with {day:col} placeholders filled per dialect. No view exposes a name,
#: an address, an email, an amount or any text written by a user.
_VIEWS: dict[str, str] = {
    # One row per account: its opaque id (hashed by the admin before display) and flags.
    "admin_account_facts": (
        "SELECT id, {day:created_at} AS signup_day, "
        "CASE WHEN email_verified_at IS NULL THEN 0 ELSE 1 END AS verified, "
        "CASE WHEN is_admin THEN 1 ELSE 0 END AS admin, "
        '{day:last_login_at} AS last_login_day FROM "user"'
    ),
    "admin_daily_signups": (
        "SELECT {day:created_at} AS day, COUNT(*) AS signups, "
        "SUM(CASE WHEN email_verified_at IS NULL THEN 0 ELSE 1 END) AS verified "
        'FROM "user" GROUP BY {day:created_at}'
    ),
    "admin_daily_active": (
        "SELECT {day:last_seen_at} AS day, COUNT(DISTINCT user_id) AS active "
        "FROM user_session GROUP BY {day:last_seen_at}"
    ),
    "admin_daily_logins": (
        "SELECT {day:created_at} AS day, COUNT(DISTINCT user_id) AS active "
        "FROM audit_event WHERE action IN ('login.succeeded', 'login.passkey', "
        "'login.second_factor') GROUP BY {day:created_at}"
    ),
    "admin_daily_invoices": (
        "SELECT {day:issued_at} AS day, COUNT(*) AS issued FROM invoice "
        "WHERE issued_at IS NOT NULL GROUP BY {day:issued_at}"
    ),
    "admin_daily_imports": (
        "SELECT {day:created_at} AS day, COUNT(*) AS imports, "
        "SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed "
        "FROM bank_import_job GROUP BY {day:created_at}"
    ),
    "admin_daily_email": (
        "SELECT {day:created_at} AS day, status, COUNT(*) AS emails "
        "FROM outbound_email GROUP BY {day:created_at}, status"
    ),
    "admin_daily_events": (
        "SELECT {day:created_at} AS day, "
        "CASE WHEN action LIKE '%failed' OR action LIKE '%.denied' OR action LIKE '%locked' "
        "THEN 1 ELSE 0 END AS error, COUNT(*) AS events "
        "FROM audit_event GROUP BY {day:created_at}, "
        "CASE WHEN action LIKE '%failed' OR action LIKE '%.denied' OR action LIKE '%locked' "
        "THEN 1 ELSE 0 END"
    ),
    "admin_daily_storage": (
        "SELECT {day:created_at} AS day, COUNT(*) AS files, SUM(size) AS bytes "
        "FROM stored_file GROUP BY {day:created_at}"
    ),
    # The admin log: admin actions only, with hashed actor and subject.
    "admin_log": (
        "SELECT id, created_at, action, actor_hash, subject_hash FROM audit_event "
        "WHERE action LIKE 'admin.%'"
    ),
}

#: Tables a view reads: a view is created only when its tables exist (AI tables come later).
_NEEDS: dict[str, tuple[str, ...]] = {
    "admin_daily_invoices": ("invoice",),
    "admin_daily_imports": ("bank_import_job",),
    "admin_daily_storage": ("stored_file",),
}

VIEW_NAMES = tuple(_VIEWS)


def _render(body: str, dialect: str) -> str:
    day = _DAY.get(dialect, _DAY["postgresql"])
    out = body
    while "{day:" in out:
        start = out.index("{day:")
        end = out.index("}", start)
        col = out[start + 5 : end]
        out = out[:start] + day.format(col=col) + out[end + 1 :]
    return out


def create_statements(dialect: str, tables: set[str] | None = None) -> list[str]:
    """``CREATE VIEW`` statements for *dialect* (``postgresql`` or ``sqlite``)."""
    statements = []
    for name, body in _VIEWS.items():
        if tables is not None and not set(_NEEDS.get(name, ())) <= tables:
            continue
        sql = _render(body, dialect)
        if dialect == "postgresql":
            statements.append(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        else:
            statements.append(f"DROP VIEW IF EXISTS {name}")
            statements.append(f"CREATE VIEW {name} AS {sql}")
    return statements


def drop_statements() -> list[str]:
    return [f"DROP VIEW IF EXISTS {name}" for name in reversed(VIEW_NAMES)]


def ensure_views(connection: sa.Connection) -> None:
    """Create (or replace) the views on *connection* for the tables that exist."""
    tables = set(sa.inspect(connection).get_table_names())
    for sql in create_statements(connection.dialect.name, tables):
        connection.execute(sa.text(sql))
