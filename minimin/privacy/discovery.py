"""Which tables hold a user's data, found by introspecting the models' metadata.

Nothing here lists feature tables by name, so a table added later is covered the moment its
model is imported: a table with a ``user_id`` column is *user-owned*; a table without one whose
foreign key leads to a user-owned table (an email's attachments, say) is a *child* and belongs
to the owner of its parent row. Export, deletion and the admin counts all use these lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from minimin.extensions import db

USER_TABLE = "user"

#: Columns never exported: secrets that prove identity, useless to their owner and dangerous
#: in a downloaded file. Matched on the end of the column name.
SECRET_SUFFIXES = ("password_hash", "token_hash")
#: Named secret columns: an email still waiting to be sent is kept sealed with its live links
#: (reset, verification, payment); the log's redacted copy is what its owner gets.
SECRET_COLUMNS = frozenset({("outbound_email", "sealed")})

#: Columns whose value is a key in :mod:`minimin.core.storage` (a file to export and delete).
STORAGE_KEY_NAMES = ("storage_key", "pdf_key", "file_key")
#: Columns ending in ``_key`` that are NOT storage keys. A new ``*_key`` column must be added to
#: one list or the other (tests/unit/privacy/test_discovery.py fails until it is).
NOT_STORAGE_KEYS = (
    "email_key",
    "payee_key",
    "secret_key",
    "public_key",
    "period_key",
    # journal_total's job (or nil UUID) the agency debtor totals are kept per.
    "job_key",
)


def metadata() -> sa.MetaData:
    return db.Model.metadata


def is_secret(column: sa.Column[object]) -> bool:
    table = getattr(column, "table", None)
    named = (getattr(table, "name", None), column.name) in SECRET_COLUMNS
    return named or column.name.endswith(SECRET_SUFFIXES)


def is_storage_key(column: sa.Column[object]) -> bool:
    return column.name in STORAGE_KEY_NAMES or column.name.endswith("_file_key")


def user_owned_tables() -> list[sa.Table]:
    """Every table with a ``user_id`` column, sorted by name."""
    return sorted(
        (t for t in metadata().tables.values() if "user_id" in t.c and t.name != USER_TABLE),
        key=lambda t: t.name,
    )


@dataclass(frozen=True)
class ChildLink:
    """A table without ``user_id`` whose rows belong to the owner of a parent row."""

    table: sa.Table
    column: sa.Column[object]  # the foreign key column in *table*
    parent: sa.Table
    parent_column: sa.Column[object]


def child_tables() -> list[ChildLink]:
    """Tables reachable only through a foreign key to a user-owned (or child) table."""
    owned = {t.name for t in user_owned_tables()}
    links: list[ChildLink] = []
    found = True
    while found:
        found = False
        known = owned | {link.table.name for link in links}
        for table in sorted(metadata().tables.values(), key=lambda t: t.name):
            if table.name in known or table.name == USER_TABLE:
                continue
            for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
                if fk.column.table.name in known:
                    links.append(ChildLink(table, fk.parent, fk.column.table, fk.column))
                    found = True
                    break
    return links


def personal_tables() -> list[sa.Table]:
    """User-owned and child tables together."""
    return user_owned_tables() + [link.table for link in child_tables()]


def rows_of_user(table: sa.Table, user_id: uuid.UUID) -> sa.Select[tuple[object, ...]]:
    """A SELECT of *table*'s rows that belong to *user_id* (a child table goes by its parent)."""
    return sa.select(table).where(owner_condition(table, user_id))


def owner_condition(table: sa.Table, user_id: uuid.UUID) -> sa.ColumnElement[bool]:
    if "user_id" in table.c:
        return table.c.user_id == user_id
    for link in child_tables():
        if link.table is table:
            parent_ids = sa.select(link.parent_column).where(owner_condition(link.parent, user_id))
            return link.column.in_(parent_ids)
    raise LookupError(f"table {table.name} does not belong to a user")


def deletion_order() -> list[sa.Table]:
    """Personal tables, dependents first, so explicit deletes never break a foreign key."""
    wanted = {t.name for t in personal_tables()}
    ordered = [t for t in metadata().sorted_tables if t.name in wanted]
    return list(reversed(ordered))


def cyclic_foreign_keys() -> list[sa.ForeignKeyConstraint]:
    """Foreign keys that a plain ordering cannot satisfy (self references and cycles): these
    columns are set to NULL before rows are deleted."""
    wanted = {t.name for t in personal_tables()}
    tables = [metadata().tables[name] for name in sorted(wanted)]
    result: list[sa.ForeignKeyConstraint] = []
    for table in tables:
        for fkc in table.foreign_key_constraints:
            if fkc.referred_table is table:
                result.append(fkc)
    for _table, fkcs in sa.schema.sort_tables_and_constraints(tables):
        if _table is None:
            result.extend(fkc for fkc in fkcs if fkc not in result)
    return result


def storage_key_columns(tables: Iterable[sa.Table] | None = None) -> list[sa.Column[object]]:
    return [
        column
        for table in (tables if tables is not None else personal_tables())
        for column in table.columns
        if is_storage_key(column)
    ]
