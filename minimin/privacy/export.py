"""The export of everything Minimin holds about one user (docs/privacy-export-schema.md).

The document is built from the models' metadata (:mod:`minimin.privacy.discovery`), not from a
list of features, so every table with a ``user_id`` (and every table hanging off one by a
foreign key) is in it. Values are made plain for JSON: amounts and other exact numbers as
strings, dates and times in ISO 8601, ids as strings, binary values as base64. Encrypted
columns are decrypted (the column type does it on the way out); password and token hashes are
left out.

A column can carry an export policy in its ``info`` dict: ``info={"minimin_export": "mask"}``
exports the column masked (``rk_live_…1234``): present, recognisable, useless to a thief. It is
for secrets that grant access to an outside account (the Stripe keys), which a leaked export file
must not hand over.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import uuid
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from minimin.core.db import utcnow
from minimin.core.storage import FileMissing, storage
from minimin.extensions import db
from minimin.privacy import discovery

log = logging.getLogger(__name__)

SCHEMA = "minimin-export"
VERSION = 1
#: How long a finished export can be downloaded.
KEEP_FOR = timedelta(days=7)
JSON_NAME = "minimin-export.json"


#: The ``info`` key of a column's export policy, and its values.
EXPORT_POLICY = "minimin_export"
MASK = "mask"
POLICIES = (MASK,)
#: A secret's readable prefix (``sk_live_``, ``rk_test_``, ``whsec_``) is kept when masked.
_SECRET_PREFIX = re.compile(r"^[a-z]{2,8}_(?:(?:live|test)_)?")
#: Secrets shorter than this keep no characters at all, only their prefix.
_MASK_MIN_LENGTH = 16
MASK_MARK = "\u2026"


def policy(column: sa.Column[Any]) -> str | None:
    value = column.info.get(EXPORT_POLICY)
    if value is not None and value not in POLICIES:
        raise ValueError(f"{column.table}.{column.name}: unknown export policy {value!r}")
    return value


def mask(value: Any) -> str | None:
    """A secret reduced to its prefix and last four characters: ``rk_live_…1234``."""
    if value is None:
        return None
    text = str(value)
    match = _SECRET_PREFIX.match(text)
    prefix = match.group(0) if match else ""
    rest = text[len(prefix) :]
    tail = rest[-4:] if len(text) >= _MASK_MIN_LENGTH and len(rest) > 8 else ""
    return f"{prefix}{MASK_MARK}{tail}"


def plain(value: Any) -> Any:
    """A JSON-ready form of a column value."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float):  # only JSON columns hold floats; kept as written
        return value
    return str(value)


def _row(table: sa.Table, row: sa.Row[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        if discovery.is_secret(column):
            continue
        value = row._mapping[column]
        if policy(column) == MASK:
            out[column.name] = mask(value)
        elif column.name.endswith("_pence") and isinstance(value, int):
            out[column.name] = str(value)  # money is never a JSON number
        else:
            out[column.name] = plain(value)
    return out


def exported_table_names() -> list[str]:
    """The tables an export reads (the account, then every personal table): the list the
    privacy policy names the exported and deleted data from (privacy/policy.py)."""
    return [discovery.USER_TABLE, *(t.name for t in discovery.personal_tables())]


def exported_columns(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns if not discovery.is_secret(c)]


def build_document(
    user_id: uuid.UUID, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """The whole export document for *user_id*."""
    user_table = discovery.metadata().tables[discovery.USER_TABLE]
    user_row = db.session.execute(sa.select(user_table).where(user_table.c.id == user_id)).one()
    tables = discovery.personal_tables()
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "user": _row(user_table, user_row),
        "tables": {},
    }
    for done, table in enumerate(sorted(tables, key=lambda t: t.name), start=1):
        query = discovery.rows_of_user(table, user_id)
        order = [c for c in (table.c.get("created_at"), table.c.get("id")) if c is not None]
        rows = db.session.execute(query.order_by(*order)).all()
        document["tables"][table.name] = [_row(table, r) for r in rows]
        if progress is not None:
            progress(done, len(tables))
    return document


def file_entries(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(storage key, path inside the ZIP) of every file the document refers to."""
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for table in discovery.personal_tables():
        key_columns = [c.name for c in table.columns if discovery.is_storage_key(c)]
        for row in document["tables"].get(table.name, []):
            for name in key_columns:
                key = row.get(name)
                if not key or key in seen:
                    continue
                seen.add(key)
                label = row.get("filename") if table.name == "stored_file" else None
                suffix = f"-{_safe_name(label)}" if label else _extension(row, name)
                entries.append((key, f"files/{table.name}/{row.get('id', key)}{suffix}"))
    return entries


def _extension(row: dict[str, Any], column: str) -> str:
    return ".pdf" if column.endswith("pdf_key") else ""


def _safe_name(label: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in label)
    return cleaned.strip(". ")[:120] or "file"


def build_zip(document: dict[str, Any]) -> bytes:
    """The ZIP: the JSON document and every file it refers to (``files`` lists them)."""
    buffer = io.BytesIO()
    entries = file_entries(document)
    missing: list[str] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, path in entries:
            try:
                archive.writestr(path, storage().read(key))
            except FileMissing:
                log.error("export: stored file %s is missing", key)
                missing.append(path)
        document = {
            **document,
            "files": [
                {"storage_key": key, "path": path, "missing": path in missing}
                for key, path in entries
            ],
        }
        archive.writestr(JSON_NAME, json.dumps(document, indent=2, ensure_ascii=False))
    return buffer.getvalue()


def read_json_from_zip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(JSON_NAME)


# ------------------------------------------------------------------------ export requests


def latest_exports(user_id: uuid.UUID, limit: int = 5) -> list[Any]:
    from minimin.privacy.models import ExportRequest

    return list(
        db.session.scalars(
            sa.select(ExportRequest)
            .where(ExportRequest.user_id == user_id)
            .order_by(ExportRequest.created_at.desc())
            .limit(limit)
        )
    )


def request_export(user_id: uuid.UUID) -> Any:
    """Add an export request and build it in the background once this transaction commits.

    An export already queued or running is returned instead of starting a second one.
    """
    from minimin.core import audit
    from minimin.core.tasks import enqueue
    from minimin.privacy import tasks
    from minimin.privacy.models import QUEUED, RUNNING, ExportRequest

    pending = db.session.scalar(
        sa.select(ExportRequest).where(
            ExportRequest.user_id == user_id, ExportRequest.status.in_((QUEUED, RUNNING))
        )
    )
    if pending is not None:
        return pending
    export = ExportRequest(user_id=user_id, status=QUEUED)
    db.session.add(export)
    db.session.flush()
    audit.record("privacy.export_requested", user_id=user_id, actor_id=user_id, subject=export.id)
    enqueue(tasks.build_export, str(export.id))
    return export


def run_export(export_id: uuid.UUID, commit: Callable[[], None]) -> Any:
    """Build one export, committing progress as it goes. Safe to run twice."""
    from minimin.core.storage import delete_after_commit
    from minimin.privacy.models import DONE, EXPIRED, FAILED, RUNNING, ExportRequest

    export = db.session.get(ExportRequest, export_id)
    if export is None or export.status in (DONE, EXPIRED):
        return export
    export.status = RUNNING
    export.steps_done = 0
    commit()
    running: ExportRequest = export

    def progress(done: int, total: int) -> None:
        running.steps_total = total + 1  # the last step writes the ZIP
        running.steps_done = done
        if done % 10 == 0:
            commit()

    try:
        document = build_document(export.user_id, progress)
        data = build_zip(document)
        key = storage().save(data, "application/zip")
    except Exception as exc:
        db.session.rollback()
        export = db.session.get(ExportRequest, export_id)
        if export is None:
            return None
        log.exception("export %s failed", export_id)
        export.status = FAILED
        export.error = type(exc).__name__[:200]
        export.finished_at = utcnow()
        commit()
        return export
    if export.storage_key:
        delete_after_commit(db.session, export.storage_key)
    export.storage_key = key
    export.size = len(data)
    export.status = DONE
    export.steps_done = export.steps_total
    export.finished_at = utcnow()
    export.expires_at = export.finished_at + KEEP_FOR
    commit()
    return export


def expire_exports() -> int:
    """Remove the ZIPs of exports older than :data:`KEEP_FOR`; returns how many expired."""
    from minimin.core.storage import delete_after_commit
    from minimin.privacy.models import DONE, EXPIRED, ExportRequest

    expired = list(
        db.session.scalars(
            sa.select(ExportRequest).where(
                ExportRequest.status == DONE, ExportRequest.expires_at <= utcnow()
            )
        )
    )
    for export in expired:
        if export.storage_key:
            delete_after_commit(db.session, export.storage_key)
        export.storage_key = None
        export.status = EXPIRED
    return len(expired)
