"""Field encryption (AES-256-GCM with key ids), token hashing and HMAC identifiers.

Nothing here is a home-made cipher: AES-GCM comes from ``cryptography``; tokens are
``secrets.token_urlsafe`` and stored as SHA-256 (they carry 256 bits of entropy, so a slow hash
adds nothing); admin-facing identifiers are HMAC-SHA256 under a key the admin area never sees.

An encrypted value is stored as ``v1:<key id>:<base64(nonce || ciphertext+tag)>`` so that keys can
rotate: the first configured key encrypts, every configured key decrypts, and
``minimin rotate-keys`` rewrites values still under an old key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from minimin.config import DataKey

PREFIX = "v1"
NONCE_BYTES = 12


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
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_id].encrypt(nonce, plaintext.encode(), context)
        return f"{PREFIX}:{self.current_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: bytes = b"") -> str:
        try:
            prefix, key_id, body = token.split(":", 2)
            raw = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise DecryptionError("malformed encrypted value") from exc
        aead = self._keys.get(key_id)
        if prefix != PREFIX or aead is None:
            raise DecryptionError(f"no key {key_id!r} configured")
        try:
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode()
        except InvalidTag as exc:
            raise DecryptionError("encrypted value failed authentication") from exc

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.split(":", 2)[1]

    def needs_rotation(self, token: str) -> bool:
        return self.key_id_of(token) != self.current_id


def keyring() -> Keyring:
    """The application's keyring, built once per app from its settings."""
    ext = current_app.extensions
    if "minimin_keyring" not in ext:
        ext["minimin_keyring"] = Keyring(current_app.config["MINIMIN_SETTINGS"].data_keys)
    ring: Keyring = ext["minimin_keyring"]
    return ring


class EncryptedString(sa.types.TypeDecorator[str]):
    """A text column stored encrypted with the application's data key.

    The column holds the ``v1:kid:...`` envelope; Python code only ever sees the plaintext.
    Encrypted columns cannot be searched or sorted in SQL, which is the point.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value)


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
