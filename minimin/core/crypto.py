"""Field encryption (AES-256-GCM with key ids), token hashing and HMAC identifiers.

Nothing here is a home-made cipher: AES-GCM comes from ``cryptography``; tokens are
``secrets.token_urlsafe`` and stored as SHA-256 (they carry 256 bits of entropy, so a slow hash
adds nothing); admin-facing identifiers are HMAC-SHA256 under a key the admin area never sees.

An encrypted value is stored as ``v2:<key id>:<base64(nonce || ciphertext+tag)>`` so that keys can
rotate: the first configured key encrypts, every configured key decrypts, and
``minimin rotate-keys`` rewrites values still under an old key.

A ``v2`` value is bound to its place: the AES-GCM associated data is ``<table>.<column>:<row
id>``, so a value copied into another row or another column fails authentication instead of
showing one person's bank details on another's invoice. The ORM supplies the place when it
writes (``_bind_places``, before each insert and update) and the SELECT supplies it when it
reads (``column_expression`` adds the row id to the selected value). ``v1`` values, written
before the binding, carry no associated data; they still decrypt, and ``minimin rotate-keys``
rewrites them as ``v2``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapper

from minimin.config import DataKey

#: Values bound to their table, column and row (associated data); the current format.
PREFIX = "v2"
#: Values from before the binding: no associated data. Still read; rewritten by rotate-keys.
LEGACY_PREFIX = "v1"
PREFIXES = (PREFIX, LEGACY_PREFIX)
NONCE_BYTES = 12
#: Separates the envelope from its place in what the SELECT returns (never in base64).
_PLACE_SEPARATOR = "\x1f"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


class Keyring:
    """The configured data keys; the first one encrypts."""

    def __init__(self, keys: Sequence[DataKey]):
        if not keys:
            raise ValueError("at least one data key is needed")
        self._keys = {k.key_id: AESGCM(k.key) for k in keys}
        self.current_id = keys[0].key_id

    def encrypt(self, plaintext: str, context: bytes = b"") -> str:
        """Seal *plaintext*; with a *context* (a place, see :func:`place`) as ``v2``, without
        one as the legacy ``v1`` (a value written outside the ORM, until rotate-keys)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_id].encrypt(nonce, plaintext.encode(), context)
        prefix = PREFIX if context else LEGACY_PREFIX
        return f"{prefix}:{self.current_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: bytes = b"") -> str:
        """Open *token*; a ``v2`` value only with the *context* it was sealed with."""
        try:
            prefix, key_id, body = token.split(":", 2)
            raw = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise DecryptionError("malformed encrypted value") from exc
        aead = self._keys.get(key_id)
        if prefix not in PREFIXES or aead is None:
            raise DecryptionError(f"no key {key_id!r} configured")
        if prefix == LEGACY_PREFIX:
            context = b""
        elif not context:
            raise DecryptionError("a bound value read without its place")
        try:
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode()
        except InvalidTag as exc:
            raise DecryptionError("encrypted value failed authentication") from exc

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.split(":", 2)[1]

    def needs_rotation(self, token: str) -> bool:
        return not token.startswith(f"{PREFIX}:{self.current_id}:")


def keyring() -> Keyring:
    """The application's keyring, built once per app from its settings."""
    ext = current_app.extensions
    if "minimin_keyring" not in ext:
        ext["minimin_keyring"] = Keyring(current_app.config["MINIMIN_SETTINGS"].data_keys)
    ring: Keyring = ext["minimin_keyring"]
    return ring


def place(table: str, column: str, row_id: Any) -> bytes:
    """The associated data binding a value to ``table.column`` of the row *row_id*."""
    return f"{table}.{column}:{uuid.UUID(str(row_id)).hex}".encode()


class BoundText(str):
    """Plaintext on its way to the database, with the place it is written to."""

    minimin_place: bytes

    def __new__(cls, value: str, where: bytes) -> BoundText:
        bound = super().__new__(cls, value)
        bound.minimin_place = where
        return bound


class BoundDict(dict[str, Any]):
    """A JSON object on its way to the database, with the place it is written to."""

    minimin_place: bytes


def _with_place(value: Any, where: bytes) -> Any:
    if isinstance(value, str):
        return BoundText(value, where)
    if isinstance(value, dict):
        bound = BoundDict(value)
        bound.minimin_place = where
        return bound
    return value


def _base_column(colexpr: Any) -> sa.Column[Any] | None:
    """The table column behind *colexpr* (itself, or the column an alias or label proxies)."""
    for candidate in getattr(colexpr, "proxy_set", ()):
        if isinstance(candidate, sa.Column) and isinstance(candidate.table, sa.Table):
            return candidate
    return None


class PlacedType(sa.types.TypeDecorator[Any]):
    """Shared by the encrypted types: the SELECT returns each value with its place."""

    impl = sa.Text
    cache_ok = True

    def column_expression(self, colexpr: Any) -> Any:
        base = _base_column(colexpr)
        source = getattr(colexpr, "table", None)
        if base is None or source is None or "id" not in source.c:
            return colexpr  # a legacy value still reads; a bound one refuses (no place)
        label = f"{_PLACE_SEPARATOR}{base.table.name}.{base.name}{_PLACE_SEPARATOR}"
        joined = (
            sa.cast(colexpr, sa.Text) + sa.literal(label, sa.Text) + sa.cast(source.c.id, sa.Text)
        )
        return sa.type_coerce(joined, self)

    @staticmethod
    def split_place(value: str) -> tuple[str, bytes]:
        """The stored text and its place, from what the SELECT returned."""
        if _PLACE_SEPARATOR not in value:
            return value, b""
        stored, name, row_id = value.rsplit(_PLACE_SEPARATOR, 2)
        table, column = name.split(".", 1)
        return stored, place(table, column, row_id)


class EncryptedString(PlacedType):
    """A text column stored encrypted with the application's data key, bound to its place.

    The column holds the ``v2:kid:...`` envelope; Python code only ever sees the plaintext.
    Encrypted columns cannot be searched or sorted in SQL, which is the point.
    """

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(str(value), getattr(value, "minimin_place", b""))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        stored, where = self.split_place(value)
        return keyring().decrypt(stored, where)

    @staticmethod
    def reseal(stored: str, ring: Keyring, where: bytes) -> str | None:
        """*stored* under the current key and bound to *where*; None when it already is."""
        if not ring.needs_rotation(stored):
            return None
        return ring.encrypt(ring.decrypt(stored, where), where)


class SealedSnapshot(PlacedType):
    """A JSON object stored as text whose ``bank`` member is encrypted, bound to its place.

    For the supplier snapshot of invoices and credit notes: the document keeps everything it
    printed, and the bank details in it are protected like the business profile's. Python
    code sees the plain object.
    """

    cache_ok = True

    SEALED_KEY = "bank"

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        data = dict(value)
        secret = data.get(self.SEALED_KEY)
        if secret is not None:
            where = getattr(value, "minimin_place", b"")
            data[self.SEALED_KEY] = keyring().encrypt(json.dumps(secret), where)
        return json.dumps(data)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        stored, where = self.split_place(value)
        data = json.loads(stored)
        if not isinstance(data, dict):
            return None  # JSON null: how a JSON column stored None before this type
        secret = data.get(self.SEALED_KEY)
        if isinstance(secret, str):
            data[self.SEALED_KEY] = json.loads(keyring().decrypt(secret, where))
        return data

    @classmethod
    def reseal(cls, stored: str, ring: Keyring, where: bytes) -> str | None:
        """*stored* with its bank details under the current key and bound to *where* (clear
        ones, from before they were encrypted, are encrypted); None when nothing changes."""
        data = json.loads(stored)
        secret = data.get(cls.SEALED_KEY) if isinstance(data, dict) else None
        if secret is None:
            return None
        if isinstance(secret, str):
            if not ring.needs_rotation(secret):
                return None
            secret = json.loads(ring.decrypt(secret, where))
        data[cls.SEALED_KEY] = ring.encrypt(json.dumps(secret), where)
        return json.dumps(data)


_PLACED: weakref.WeakKeyDictionary[Mapper[Any], list[tuple[str, str, str]]] = (
    weakref.WeakKeyDictionary()
)


def _placed_attributes(mapper: Mapper[Any]) -> list[tuple[str, str, str]]:
    """(attribute key, table, column) of *mapper*'s encrypted columns, found once."""
    cached = _PLACED.get(mapper)
    if cached is None:
        cached = []
        for prop in mapper.column_attrs:
            for column in prop.columns:
                if isinstance(column.type, PlacedType) and isinstance(column.table, sa.Table):
                    cached.append((prop.key, column.table.name, column.name))
        _PLACED[mapper] = cached
    return cached


def _bind_places(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    """Give each encrypted value being written the place it is written to."""
    attributes = _placed_attributes(mapper)
    if not attributes:
        return
    if getattr(target, "id", None) is None:
        target.id = uuid.uuid4()  # the id is part of the place, so it is chosen now
    state = sa.inspect(target)
    inserting = state.key is None
    for key, table, column in attributes:
        if not inserting and not state.attrs[key].history.has_changes():
            continue
        value = getattr(target, key)
        if value is not None:
            setattr(target, key, _with_place(value, place(table, column, target.id)))


event.listen(Mapper, "before_insert", _bind_places)
event.listen(Mapper, "before_update", _bind_places)


def new_token(nbytes: int = 32) -> str:
    """A random, URL-safe token for links and API access (show it once, store its hash)."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """The stored form of a token. Tokens are high-entropy, so SHA-256 is sufficient."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hmac_id(value: Any, purpose: str = "user") -> str:
    """A stable pseudonymous identifier for *value* (e.g. a user id for the admin area).

    The purpose separates domains: a hashed user id cannot be matched with a hashed IP.
    """
    key = current_app.config["MINIMIN_SETTINGS"].hmac_key.encode()
    message = f"{purpose}:{value}".encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
