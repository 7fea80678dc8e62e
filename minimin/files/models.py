"""The row that stands for one stored file (its bytes live in :mod:`minimin.core.storage`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db

#: What a file is for; decides its size limit and accepted types.
LOGO = "logo"
RECEIPT = "receipt"
DOCUMENT = "document"
PURPOSES = (LOGO, RECEIPT, DOCUMENT)


class StoredFile(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One file of one user. ``storage_key`` is random; ``filename`` is only a label."""

    __tablename__ = "stored_file"

    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(255))
    purpose: Mapped[str] = mapped_column(sa.String(32), index=True)
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
