"""Data key rotation: ``minimin rotate-keys``.

To rotate, an operator puts a new key first in ``MINIMIN_DATA_KEYS`` (``k2:...,k1:...``) and
restarts: from then on new values are written under ``k2`` and old ones still decrypt under
``k1``, so there is no downtime. ``minimin rotate-keys`` then rewrites every stored value that is
not yet under the current key; once it reports nothing left, the old key can be removed.

The walk finds every column of type :class:`~minimin.core.crypto.EncryptedString` in the models'
metadata, reads the raw envelopes (never the plaintext through the ORM), and re-encrypts them in
batches of primary-key order, committing each batch. Each update is conditional on the value
being unchanged since it was read, so a user editing the same row at the same moment keeps
their edit (that value is written under the current key anyway). Re-running is safe: values
already under the current key are not selected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from minimin.core.crypto import PREFIX, EncryptedString, Keyring, keyring


@dataclass(frozen=True)
class EncryptedColumn:
    table: sa.Table
    column: sa.Column[str]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def encrypted_columns(metadata: sa.MetaData) -> list[EncryptedColumn]:
    """Every column stored encrypted, in a stable order."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedString):
                found.append(EncryptedColumn(table, column))
    return found


def rotate_column(
    engine: sa.Engine, target: EncryptedColumn, ring: Keyring, *, batch_size: int = 500
) -> int:
    """Re-encrypt the values of one column not under ``ring``'s current key; returns how many.

    Each batch is read and rewritten in its own transaction.
    """
    table, column = target.table, target.column
    pk = list(table.primary_key.columns)
    if not pk:
        raise ValueError(f"{target.name}: a table without a primary key cannot be rotated")
    raw = sa.type_coerce(column, sa.Text)
    current = f"{PREFIX}:{ring.current_id}:%"
    key = sa.tuple_(*pk) if len(pk) > 1 else pk[0]
    rotated = 0
    last: tuple[object, ...] | None = None
    while True:
        query = (
            sa.select(*pk, raw.label("value"))
            .where(column.is_not(None), raw.not_like(current))
            .order_by(*pk)
            .limit(batch_size)
        )
        if last is not None:
            query = query.where(key > (sa.tuple_(*last) if len(pk) > 1 else last[0]))
        with engine.begin() as conn:
            batch = conn.execute(query).all()
            for row in batch:
                ids = tuple(row[: len(pk)])
                new_value = ring.encrypt(ring.decrypt(row.value))
                conn.execute(
                    table.update()
                    .where(*(c == v for c, v in zip(pk, ids, strict=True)), raw == row.value)
                    .values({column.name: sa.literal(new_value, sa.Text)})
                )
                rotated += 1
        if len(batch) < batch_size:
            return rotated
        last = tuple(batch[-1][: len(pk)])


def rotate_all(
    engine: sa.Engine,
    ring: Keyring,
    columns: Iterable[EncryptedColumn],
    *,
    batch_size: int = 500,
) -> dict[str, int]:
    """Rotate every column in *columns*; returns the number of values rewritten per column."""
    return {
        target.name: rotate_column(engine, target, ring, batch_size=batch_size)
        for target in columns
    }


@click.command("rotate-keys")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def rotate_keys_command(batch_size: int) -> None:
    """Re-encrypt stored secrets under the first key of MINIMIN_DATA_KEYS."""
    from minimin.extensions import db

    ring = keyring()
    columns = encrypted_columns(db.Model.metadata)
    if not columns:
        click.echo("No encrypted columns.")
        return
    results = rotate_all(db.engine, ring, columns, batch_size=batch_size)
    for name, count in results.items():
        click.echo(f"{name}: {count} {'value' if count == 1 else 'values'} re-encrypted")
    click.echo(f"All encrypted values are now under key {ring.current_id!r}.")
    current_app.logger.info("data keys rotated to %s: %s", ring.current_id, results)
