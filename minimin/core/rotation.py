"""Data key rotation: ``minimin rotate-keys``.

To rotate, an operator puts a new key first in ``MINIMIN_DATA_KEYS`` (``k2:...,k1:...``) and
restarts: from then on new values are written under ``k2`` and old ones still decrypt under
``k1``, so there is no downtime. ``minimin rotate-keys`` then rewrites every stored value that is
not yet under the current key; once it reports nothing left, the old key can be removed.

The walk finds every encrypted column (:class:`~minimin.core.crypto.EncryptedString`, the
bank details of :class:`~minimin.core.crypto.SealedSnapshot`, and the attachments of emails
waiting in the outbox, :class:`~minimin.core.mail.EncryptedBytes`) in the models' metadata,
reads the raw stored value (never the plaintext through the ORM), and re-encrypts it in
batches of primary-key order, committing each batch. Each update is conditional on the value
being unchanged since it was read, so a user editing the same row at the same moment keeps
their edit (that value is written under the current key anyway). Re-running is safe: values
already under the current key and bound to their place are left alone.

The same walk binds values written before the binding (``v1``, no associated data) to their
table, column and row, and encrypts the bank details of supplier snapshots stored in clear;
:func:`seal_column` does this for one column on a migration's connection.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from minimin.core.crypto import (
    LEGACY_PREFIX,
    PREFIX,
    EncryptedString,
    Keyring,
    PlacedType,
    keyring,
    place,
)
from minimin.core.mail import EncryptedBytes

#: Rows of a binary column (an email's PDF attachments, say) read at once, whatever the batch
#: size asked for: each holds a whole file.
BYTES_BATCH = 50


@dataclass(frozen=True)
class EncryptedColumn:
    table: sa.Table
    column: sa.Column[Any]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    @property
    def binary(self) -> bool:
        """Whether the column holds bytes (:class:`EncryptedBytes`) rather than text."""
        return isinstance(self.column.type, EncryptedBytes)

    def raw(self) -> sa.ColumnElement[Any]:
        """The column as stored, without the type's decryption."""
        return sa.type_coerce(self.column, sa.LargeBinary if self.binary else sa.Text)


def encrypted_columns(metadata: sa.MetaData) -> list[EncryptedColumn]:
    """Every column stored encrypted, in a stable order."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, PlacedType | EncryptedBytes):
                found.append(EncryptedColumn(table, column))
    return found


def _bytes_prefix(ring: Keyring) -> bytes:
    return f"{LEGACY_PREFIX}:{ring.current_id}:".encode("ascii")


def reseal_bytes(stored: bytes, ring: Keyring) -> bytes | None:
    """An :class:`EncryptedBytes` value as stored, under ``ring``'s current key (content written
    before encryption is encrypted); None when it already is.

    Its envelope is the ``v1`` one, bound to no place, as ``EncryptedBytes`` writes it."""
    raw = bytes(stored)
    if raw.startswith(_bytes_prefix(ring)):
        return None
    if raw.startswith(f"{LEGACY_PREFIX}:".encode("ascii")):
        encoded = ring.decrypt(raw.decode("ascii"))
    else:
        encoded = base64.b64encode(raw).decode("ascii")
    return ring.encrypt(encoded).encode("ascii")


def _candidates(target: EncryptedColumn, ring: Keyring) -> sa.ColumnElement[bool]:
    """The rows worth reading: for a plain encrypted column, those not yet current (SQL can
    tell from the prefix); a snapshot's bank details sit inside JSON, so every row."""
    raw = target.raw()
    condition: sa.ColumnElement[bool] = target.column.is_not(None)
    if target.binary:
        prefix = _bytes_prefix(ring)
        head = sa.func.substr(raw, 1, len(prefix), type_=sa.LargeBinary)
        condition = sa.and_(condition, head != sa.literal(prefix, sa.LargeBinary))
    elif isinstance(target.column.type, EncryptedString):
        condition = sa.and_(condition, raw.not_like(f"{PREFIX}:{ring.current_id}:%"))
    return condition


def _reseal_batch(
    conn: sa.Connection, target: EncryptedColumn, ring: Keyring, batch: Sequence[Any]
) -> int:
    table, column = target.table, target.column
    raw = target.raw()
    kind: Any = column.type
    done = 0
    for row in batch:
        new_value: str | bytes | None
        if target.binary:
            new_value = reseal_bytes(row.value, ring)
        else:
            new_value = kind.reseal(row.value, ring, place(table.name, column.name, row.id))
        if new_value is None:
            continue
        conn.execute(
            table.update()
            .where(table.c.id == row.id, raw == row.value)
            .values({column.name: sa.literal(new_value, raw.type)})
        )
        done += 1
    return done


def rotate_column(
    engine: sa.Engine, target: EncryptedColumn, ring: Keyring, *, batch_size: int = 500
) -> int:
    """Re-encrypt the values of one column not under ``ring``'s current key or not bound to
    their place; returns how many. Each batch is read and rewritten in its own transaction."""
    if target.binary:
        batch_size = min(batch_size, BYTES_BATCH)
    rotated = 0
    last: object | None = None
    while True:
        with engine.begin() as conn:
            batch = _read_batch(conn, target, ring, last, batch_size)
            rotated += _reseal_batch(conn, target, ring, batch)
        if len(batch) < batch_size:
            return rotated
        last = batch[-1].id


def _read_batch(
    conn: sa.Connection,
    target: EncryptedColumn,
    ring: Keyring,
    last: object | None,
    batch_size: int,
) -> Sequence[Any]:
    table = target.table
    if "id" not in table.c:
        raise ValueError(f"{target.name}: a value is bound to its row id, and there is none")
    query = (
        sa.select(table.c.id, target.raw().label("value"))
        .where(_candidates(target, ring))
        .order_by(table.c.id)
        .limit(batch_size)
    )
    if last is not None:
        query = query.where(table.c.id > last)
    return conn.execute(query).all()


def seal_column(conn: sa.Connection, table: sa.Table, column_name: str, ring: Keyring) -> int:
    """Bind, rotate or encrypt every value of one column on *conn* (a migration's
    ``op.get_bind()``, in its transaction); returns how many rows were rewritten.

    For the migration that turns ``invoice.supplier_snapshot`` and
    ``credit_note.supplier_snapshot`` into :class:`SealedSnapshot` columns: their bank details
    were stored in clear until then.
    """
    target = EncryptedColumn(table, table.c[column_name])
    done, last = 0, None
    while True:
        batch = _read_batch(conn, target, ring, last, 500)
        done += _reseal_batch(conn, target, ring, batch)
        if len(batch) < 500:
            return done
        last = batch[-1].id


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
