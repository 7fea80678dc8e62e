"""File storage: one ``Storage`` interface, a local-disk backend and an S3-compatible backend.

Rules (docs/design-rules.md; docs/security.md, "Uploads"):

* Files live outside ``static/`` and are served only through an owner-checked route.
* Keys are random; an uploaded file's name is **never** used as a path. A key given back to
  :meth:`Storage.open` is checked against the key pattern, so a key can never walk the disk.
* Local writes are atomic: data goes to a temporary file in the same folder tree, is flushed to
  disk and renamed into place. If anything fails (the disk is full, ``ENOSPC``), the temporary
  file is removed and the error propagates: no half-written file is ever visible under a key.
* A file saved during a database transaction is removed again if that transaction rolls back
  (:func:`save_in_transaction`), and a file whose row is deleted is removed only after the
  deletion has committed (:func:`delete_after_commit`). So no row points at a missing file and
  rolled-back uploads leave nothing behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from minimin.core.db import after_commit

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
#: ``ab/abcdef...``: two hex characters of fan-out, then 32 random hex characters.
KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


class StorageError(Exception):
    """The storage backend could not complete an operation."""


class FileMissing(StorageError):
    """No file is stored under that key."""


def new_key() -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise FileMissing("malformed storage key")
    return key


def _chunks(data: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start : start + CHUNK])
        return
    while True:
        chunk = data.read(CHUNK)
        if not chunk:
            return
        yield chunk


class Storage(ABC):
    """Where uploaded and generated files are kept, addressed by opaque random keys."""

    @abstractmethod
    def save(self, data: bytes | BinaryIO, content_type: str) -> str:
        """Store *data* and return its new key."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the file; :class:`FileMissing` if there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; removing a missing file is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()


class LocalStorage(Storage):
    """Files on the local disk under *root* (by default ``instance/files/``)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write_chunk(self, fd: int, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    def save(self, data: bytes | BinaryIO, content_type: str) -> str:
        self.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = new_key()
        final = self._path(key)
        temp = self.tmp / f"{secrets.token_hex(16)}.part"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                for chunk in _chunks(data):
                    self._write_chunk(fd, chunk)
                os.fsync(fd)
            finally:
                os.close(fd)
            final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.replace(temp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise FileMissing(key) from exc

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except FileMissing:
            return False

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise FileMissing(key) from exc


class S3Storage(Storage):
    """Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...) through boto3."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
        client: Any = None,
    ):
        if not bucket:
            raise StorageError("MINIMIN_S3_BUCKET must be set for S3 storage.")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=Config(
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                ),
            )
        self.client = client

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _is_missing(self, exc: Exception) -> bool:
        response = getattr(exc, "response", None) or {}
        code = str(response.get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def save(self, data: bytes | BinaryIO, content_type: str) -> str:
        key = new_key()
        body = data if isinstance(data, bytes) else b"".join(_chunks(data))
        self.client.put_object(
            Bucket=self.bucket, Key=self._object(key), Body=body, ContentType=content_type
        )
        return key

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if self._is_missing(exc):
                raise FileMissing(key) from exc
            raise StorageError(str(exc)) from exc
        return BytesIO(response["Body"].read())

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            head: dict[str, Any] = self.client.head_object(
                Bucket=self.bucket, Key=self._object(key)
            )
        except ClientError as exc:
            if self._is_missing(exc):
                return None
            raise StorageError(str(exc)) from exc
        return head

    def exists(self, key: str) -> bool:
        try:
            return self._head(key) is not None
        except FileMissing:
            return False

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileMissing(key)
        return int(head["ContentLength"])


def build_storage(settings: Any, instance_path: str | os.PathLike[str]) -> Storage:
    """The backend named by ``settings.storage_backend`` (``local`` or ``s3``)."""
    backend = settings.storage_backend
    if backend == "local":
        return LocalStorage(Path(instance_path) / "files")
    if backend == "s3":
        s3 = settings.s3
        return S3Storage(
            s3.get("bucket") or "",
            endpoint_url=s3.get("endpoint_url"),
            region=s3.get("region"),
            access_key_id=s3.get("access_key_id"),
            secret_access_key=s3.get("secret_access_key"),
        )
    raise StorageError(f"MINIMIN_STORAGE must be 'local' or 's3', not {backend!r}.")


def storage() -> Storage:
    """The application's storage, built once per app from its settings."""
    ext = current_app.extensions
    if "minimin_storage" not in ext:
        ext["minimin_storage"] = build_storage(
            current_app.config["MINIMIN_SETTINGS"], current_app.instance_path
        )
    backend: Storage = ext["minimin_storage"]
    return backend


# --------------------------------------------------------------------------- transactions

_NEW_FILES_KEY = "minimin_new_files"


def save_in_transaction(
    session: Session | scoped_session[Any],
    data: bytes | BinaryIO,
    content_type: str,
    backend: Storage | None = None,
) -> str:
    """Save a file whose row is about to be added in *session*'s transaction.

    If the transaction rolls back (bad input elsewhere, a failed commit), the file is removed,
    so a refused request leaves no orphan behind.
    """
    backend = backend or storage()
    real: Session = session() if isinstance(session, scoped_session) else session
    if not real.in_transaction():
        real.begin()  # so that a rollback of this unit of work is seen (and cleans up)
    key = backend.save(data, content_type)
    real.info.setdefault(_NEW_FILES_KEY, []).append((backend, key))
    return key


def delete_after_commit(
    session: Session | scoped_session[Any], key: str, backend: Storage | None = None
) -> None:
    """Remove the file once the deletion of its row has committed (kept if it rolls back)."""
    backend = backend or storage()

    def remove() -> None:
        try:
            backend.delete(key)
        except Exception:  # a leftover file is harmless; a failed response is not
            log.exception("could not remove stored file %s", key)

    after_commit(session, remove)


@event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    session.info.pop(_NEW_FILES_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _discard_new_files(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    for backend, key in session.info.pop(_NEW_FILES_KEY, []):
        try:
            backend.delete(key)
        except Exception:
            log.exception("could not remove file %s of a rolled-back transaction", key)
