"""The SQL that keeps the journal's totals (``journal_total``, :mod:`minimin.ledger.totals`):
the triggers of each database, the migration's backfill, and the periods the totals are kept
by.

Plain SQL so that the migration creating the table runs the same statements as the models'
``create_all`` (:func:`create_statements`). Every line inserted (by the ORM, by ``executemany``
or by ``COPY``) is added to its row by the database in the same transaction, and the lines of
an entry deleted (a failed statement import) are taken back out before the entry goes: no
code path can write a line and leave its total behind.
"""

# ruff: noqa: S608 - the SQL is built from this module's constants, never from input
from __future__ import annotations

import datetime as dt
import uuid

from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH

#: The period of the open-item accounts' rows: all time.
ALL_TIME = dt.date(1, 1, 1)
#: The job key of a line of no job, and of every line not on an agency debtor account.
NO_JOB = uuid.UUID(int=0)
#: The day each month's second period starts.
SECOND_HALF = 6


def period_of(day: dt.date) -> dt.date:
    """The first day of the period *day* is in (the 1st or the 6th of its month)."""
    return day.replace(day=1 if day.day < SECOND_HALF else SECOND_HALF)


def period_end(start: dt.date) -> dt.date:
    """The last day of the period starting on *start*."""
    if start.day == 1:
        return start.replace(day=SECOND_HALF - 1)
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def periods_within(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The starts of the first and the last whole period inside *start*..*end*, or ``None``
    when the range holds none."""
    first = period_of(start)
    if first < start:
        first = period_end(first) + dt.timedelta(days=1)
    last = period_of(end)
    if period_end(last) > end:
        last = period_of(last - dt.timedelta(days=1))
    if first > last:
        return None
    return first, last


def is_open_item(account: str) -> bool:
    return account.startswith(accounts.DEBTOR_AGENCY_PREFIX) or account == accounts.AGENCY_CLEARING


# --------------------------------------------------------------------------- the triggers

_NIL = {
    "postgresql": "'00000000-0000-0000-0000-000000000000'::uuid",
    "sqlite": "'" + "0" * 32 + "'",
}
_ALL_TIME = {"postgresql": "DATE '0001-01-01'", "sqlite": "'0001-01-01'"}


def _is_agency_debtor(line: str) -> str:
    # substr, not LIKE: no "%" for the drivers to take for a placeholder.
    prefix = accounts.DEBTOR_AGENCY_PREFIX
    return f"substr({line}.account, 1, {len(prefix)}) = '{prefix}'"


def _open_item(line: str) -> str:
    return f"({_is_agency_debtor(line)} OR {line}.account = '{accounts.AGENCY_CLEARING}')"


def _period(line: str, dialect: str) -> str:
    """SQL: the period of a line (:func:`period_of`; :data:`ALL_TIME` on an open-item
    account)."""
    if dialect == "postgresql":
        cut = (
            f"{line}.date - (CAST(EXTRACT(DAY FROM {line}.date) AS integer) - CASE WHEN "
            f"EXTRACT(DAY FROM {line}.date) < {SECOND_HALF} THEN 1 ELSE {SECOND_HALF} END)"
        )
    else:
        cut = (
            f"substr({line}.date, 1, 8) || CASE WHEN CAST(substr({line}.date, 9, 2) AS INTEGER)"
            f" < {SECOND_HALF} THEN '01' ELSE '0{SECOND_HALF}' END"
        )
    return f"CASE WHEN {_open_item(line)} THEN {_ALL_TIME[dialect]} ELSE {cut} END"


def _job_key(line: str, dialect: str) -> str:
    nil = _NIL[dialect]
    return f"CASE WHEN {_is_agency_debtor(line)} THEN COALESCE({line}.job_id, {nil}) ELSE {nil} END"


def _sign(line: str) -> str:
    return (
        f"CASE WHEN {line}.amount_pence > 0 THEN 1 WHEN {line}.amount_pence < 0 THEN -1 ELSE 0 END"
    )


def _key_columns(line: str, kind: str, dialect: str) -> list[str]:
    """SQL, in the order of the unique key after ``user_id``: a line's key. An open item is
    kept on the accruals basis (its lines on both bases and on accruals only: what agencies
    owe is an accruals figure) whatever the kind of document and VAT code (""), so a job
    paid in full is one row at nil."""
    item = _open_item(line)
    return [
        f"{line}.account",
        _period(line, dialect),
        f"CASE WHEN {item} AND {line}.basis IN ('{BOTH}', '{ACCRUALS}') THEN '{ACCRUALS}' "
        f"ELSE {line}.basis END",
        f"{line}.currency",
        f"CASE WHEN {item} THEN '' ELSE {kind} END",
        f"CASE WHEN {item} THEN '' ELSE COALESCE({line}.vat_code, '') END",
        _job_key(line, dialect),
    ]


_KEY = ("account", "period_start", "basis", "currency", "source_kind", "vat_code", "job_key")


def _same_key(total: str, line: str, kind: str, dialect: str) -> str:
    """SQL: the line *line* (of an entry of source kind *kind*) belongs to row *total*."""
    pairs = zip(_KEY, _key_columns(line, kind, dialect), strict=True)
    return " AND ".join(
        [f"{line}.user_id = {total}.user_id"] + [f"{total}.{c} = {e}" for c, e in pairs]
    )


_LAST_DAY = {"postgresql": "DATE '9999-12-31'", "sqlite": "'9999-12-31'"}


def _period_bound(total: str, dialect: str) -> str:
    """SQL: a day after the last of row *total*'s period (the end of time for an open item):
    the lines of a period are searched between two days of the (user, account, date) index."""
    month_on = (
        f"{total}.period_start + 31"
        if dialect == "postgresql"
        else f"date({total}.period_start, '+31 days')"
    )
    return (
        f"CASE WHEN {total}.period_start = {_ALL_TIME[dialect]} THEN {_LAST_DAY[dialect]} "
        f"ELSE {month_on} END"
    )


def _first_date(total: str, since: str, dialect: str, other: str = "") -> str:
    """SQL: the earliest line of row *total* left once lines dated *since* or later go
    (*other*: a condition that leaves the going lines out, when they are still there). Read
    only when the row's earliest day is not before *since*, and from that day on: no line
    left is earlier."""
    return (
        f"CASE WHEN {total}.first_date < {since} THEN {total}.first_date ELSE ("
        "SELECT MIN(o.date) FROM journal_line o JOIN journal_entry oe ON oe.id = o.entry_id "
        f"WHERE {_same_key(total, 'o', 'oe.source_kind', dialect)}{other}"
        f" AND o.date >= {since} AND o.date < {_period_bound(total, dialect)}"
        ") END"
    )


#: The lines of the entry being deleted, still there in its BEFORE trigger, left out.
_NOT_OLD = " AND o.entry_id <> OLD.id"


def _upsert_tail(dialect: str) -> str:
    target = "journal_total" if dialect == "sqlite" else "t"
    return (
        f"ON CONFLICT (user_id, {', '.join(_KEY)}) DO UPDATE SET "
        f"amount_pence = {target}.amount_pence + excluded.amount_pence, "
        f"documents = {target}.documents + excluded.documents, "
        # A row whose lines all went has no earliest day: LEAST skips it, SQLite's MIN not.
        f"first_date = COALESCE({'LEAST' if dialect == 'postgresql' else 'MIN'}"
        f"({target}.first_date, excluded.first_date), excluded.first_date)"
    )


_COLUMNS = f"id, user_id, {', '.join(_KEY)}, amount_pence, documents, first_date"


def _postgresql() -> list[str]:
    keys = _key_columns("l", "e.source_kind", "postgresql")
    groups = ", ".join(str(n) for n in range(3, 3 + len(keys)))
    add = (
        "CREATE OR REPLACE FUNCTION journal_total_add() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  INSERT INTO journal_total AS t ({_COLUMNS})\n"
        f"  SELECT gen_random_uuid(), l.user_id, {', '.join(keys)},\n"
        f"    SUM(l.amount_pence), SUM({_sign('l')}), MIN(l.date)\n"
        "  FROM added_lines l JOIN journal_entry e ON e.id = l.entry_id\n"
        f"  GROUP BY l.user_id, {groups} ORDER BY l.user_id, {groups}\n"
        f"  {_upsert_tail('postgresql')};\n"
        "  RETURN NULL;\n"
        "END $$"
    )
    old_keys = _key_columns("l", "OLD.source_kind", "postgresql")
    named = ", ".join(f"{k} AS k{i}" for i, k in enumerate(old_keys))
    matched = " AND ".join(f"t.{c} = d.k{i}" for i, c in enumerate(_KEY))
    take = (
        "CREATE OR REPLACE FUNCTION journal_total_take() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  UPDATE journal_total AS t SET amount_pence = t.amount_pence - d.amount,\n"
        "    documents = t.documents - d.documents,\n"
        f"    first_date = {_first_date('t', 'OLD.date', 'postgresql', _NOT_OLD)}\n"
        f"  FROM (SELECT l.user_id, {named},\n"
        f"      SUM(l.amount_pence) AS amount, SUM({_sign('l')}) AS documents\n"
        "    FROM journal_line l WHERE l.entry_id = OLD.id\n"
        f"    GROUP BY l.user_id, {', '.join(f'k{i}' for i in range(len(_KEY)))}) d\n"
        f"  WHERE t.user_id = d.user_id AND {matched};\n"
        "  RETURN OLD;\n"
        "END $$"
    )
    keys_named = ", ".join(
        f"{k} AS k{i}" for i, k in enumerate(_key_columns("l", "e.source_kind", "postgresql"))
    )
    drop = (
        "CREATE OR REPLACE FUNCTION journal_total_drop() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  UPDATE journal_total AS t SET amount_pence = t.amount_pence - d.amount,\n"
        "    documents = t.documents - d.documents,\n"
        f"    first_date = {_first_date('t', 'd.first', 'postgresql')}\n"
        f"  FROM (SELECT l.user_id, {keys_named},\n"
        f"      SUM(l.amount_pence) AS amount, SUM({_sign('l')}) AS documents,\n"
        "      MIN(l.date) AS first\n"
        # Lines deleted with their entry have no entry left: the entry took them out.
        "    FROM dropped_lines l JOIN journal_entry e ON e.id = l.entry_id\n"
        f"    GROUP BY l.user_id, {', '.join(f'k{i}' for i in range(len(_KEY)))}) d\n"
        f"  WHERE t.user_id = d.user_id AND {matched};\n"
        "  RETURN NULL;\n"
        "END $$"
    )
    return [
        add,
        take,
        drop,
        "CREATE OR REPLACE TRIGGER journal_total_drop AFTER DELETE ON journal_line "
        "REFERENCING OLD TABLE AS dropped_lines FOR EACH STATEMENT "
        "EXECUTE FUNCTION journal_total_drop()",
        "CREATE OR REPLACE TRIGGER journal_total_add AFTER INSERT ON journal_line "
        "REFERENCING NEW TABLE AS added_lines FOR EACH STATEMENT "
        "EXECUTE FUNCTION journal_total_add()",
        "CREATE OR REPLACE TRIGGER journal_total_take BEFORE DELETE ON journal_entry "
        "FOR EACH ROW EXECUTE FUNCTION journal_total_take()",
    ]


def _sqlite() -> list[str]:
    keys = _key_columns(
        "NEW", "(SELECT e.source_kind FROM journal_entry e WHERE e.id = NEW.entry_id)", "sqlite"
    )
    add = (
        "CREATE TRIGGER IF NOT EXISTS journal_total_add AFTER INSERT ON journal_line BEGIN\n"
        f"  INSERT INTO journal_total ({_COLUMNS})\n"
        f"  SELECT lower(hex(randomblob(16))), NEW.user_id, {', '.join(keys)},\n"
        f"    NEW.amount_pence, {_sign('NEW')}, NEW.date WHERE true\n"
        f"  {_upsert_tail('sqlite')};\n"
        "END"
    )
    # The lines of the entry going that belong to the row being updated.
    its_lines = "FROM journal_line l WHERE l.entry_id = OLD.id AND " + _same_key(
        "journal_total", "l", "OLD.source_kind", "sqlite"
    )
    take = (
        "CREATE TRIGGER IF NOT EXISTS journal_total_take BEFORE DELETE ON journal_entry BEGIN\n"
        "  UPDATE journal_total SET\n"
        f"    amount_pence = amount_pence - (SELECT SUM(l.amount_pence) {its_lines}),\n"
        f"    documents = documents - (SELECT SUM({_sign('l')}) {its_lines}),\n"
        f"    first_date = {_first_date('journal_total', 'OLD.date', 'sqlite', _NOT_OLD)}\n"
        "  WHERE user_id = OLD.user_id\n"
        f"    AND EXISTS (SELECT 1 {its_lines});\n"
        "END"
    )
    kind = "(SELECT e.source_kind FROM journal_entry e WHERE e.id = OLD.entry_id)"
    drop = (
        "CREATE TRIGGER IF NOT EXISTS journal_total_drop AFTER DELETE ON journal_line\n"
        # Lines deleted with their entry have no entry left: the entry took them out.
        "WHEN EXISTS (SELECT 1 FROM journal_entry e WHERE e.id = OLD.entry_id) BEGIN\n"
        "  UPDATE journal_total SET amount_pence = amount_pence - OLD.amount_pence,\n"
        f"    documents = documents - {_sign('OLD')},\n"
        f"    first_date = {_first_date('journal_total', 'OLD.date', 'sqlite')}\n"
        f"  WHERE {_same_key('journal_total', 'OLD', kind, 'sqlite')};\n"
        "END"
    )
    return [add, take, drop]


def create_statements(dialect: str) -> list[str]:
    """The triggers that keep ``journal_total`` (PostgreSQL or SQLite)."""
    return _postgresql() if dialect == "postgresql" else _sqlite()


def drop_statements(dialect: str) -> list[str]:
    statements = [
        "DROP TRIGGER IF EXISTS journal_total_add ON journal_line",
        "DROP TRIGGER IF EXISTS journal_total_take ON journal_entry",
        "DROP TRIGGER IF EXISTS journal_total_drop ON journal_line",
        "DROP FUNCTION IF EXISTS journal_total_add()",
        "DROP FUNCTION IF EXISTS journal_total_take()",
        "DROP FUNCTION IF EXISTS journal_total_drop()",
    ]
    if dialect == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS journal_total_add",
            "DROP TRIGGER IF EXISTS journal_total_take",
            "DROP TRIGGER IF EXISTS journal_total_drop",
        ]
    return statements


def backfill_statement(dialect: str) -> str:
    """Every line already in the journal added to its row (the migration that creates the
    table)."""
    keys = _key_columns("l", "e.source_kind", dialect)
    uid = "gen_random_uuid()" if dialect == "postgresql" else "lower(hex(randomblob(16)))"
    groups = ", ".join(str(n) for n in range(3, 3 + len(keys)))
    return (
        f"INSERT INTO journal_total ({_COLUMNS}) "
        f"SELECT {uid}, l.user_id, {', '.join(keys)}, SUM(l.amount_pence), SUM({_sign('l')}), "
        "MIN(l.date) FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id "
        f"GROUP BY l.user_id, {groups}"
    )
