"""Storing and removing files: the row and the bytes change together or not at all.

The bytes are written first (atomically) and the row is added to the current transaction; if
the transaction rolls back the bytes are removed again (see
:func:`minimin.core.storage.save_in_transaction`).
A file whose row is deleted is removed only after the deletion commits. So no row ever points at
a missing file, and a failed write (a full disk) leaves neither a row nor a temporary file.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from minimin.core.storage import delete_after_commit, save_in_transaction
from minimin.core.uploads import (
    SIZE_LIMITS,
    CleanFile,
    UploadError,
    display_filename,
    read_limited,
    validate_upload,
)
from minimin.extensions import db
from minimin.files.models import PURPOSES, StoredFile

log = logging.getLogger(__name__)


def store_upload(
    user_id: uuid.UUID, stream: BinaryIO, filename: str | None, purpose: str
) -> StoredFile:
    """Validate an uploaded file for *purpose*, store it and add its row.

    Raises :class:`~minimin.core.uploads.UploadError` with a message for the user when the file
    is refused or cannot be stored.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown file purpose {purpose!r}")
    data = read_limited(stream, SIZE_LIMITS[purpose])
    clean = validate_upload(data, purpose)
    return store_clean(user_id, clean, filename, purpose)


def store_clean(
    user_id: uuid.UUID, clean: CleanFile, filename: str | None, purpose: str
) -> StoredFile:
    """Store an already validated (or generated) file and add its row."""
    label = display_filename(filename, fallback=purpose)
    stem = label.rsplit(".", 1)[0] if "." in label else label
    label = f"{stem[:110] or purpose}.{clean.extension}"
    try:
        key = save_in_transaction(db.session, clean.data, clean.content_type)
    except OSError as exc:
        log.error("could not store a %s upload: %s", purpose, exc)
        raise UploadError(
            _l(
                "The file could not be saved because the server's storage is unavailable or "
                "full. Nothing was changed; please try again later."
            ),
            503,
        ) from exc
    stored = StoredFile(
        user_id=user_id,
        storage_key=key,
        content_type=clean.content_type,
        size=len(clean.data),
        sha256=hashlib.sha256(clean.data).hexdigest(),
        filename=label,
        purpose=purpose,
        width=clean.width,
        height=clean.height,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def remove_file(stored: StoredFile) -> None:
    """Delete the row now and the bytes once the deletion has committed."""
    key = stored.storage_key
    db.session.delete(stored)
    db.session.flush()
    delete_after_commit(db.session, key)
