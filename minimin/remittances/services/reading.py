"""Remittance PDFs read in the background (a :class:`RemittanceImport` per upload).

The upload stores the PDF (already checked by :func:`minimin.core.uploads.validate_pdf`), adds
an import row in ``reading`` and enqueues :func:`minimin.remittances.tasks.read_remittance_pdf`;
the page the user is sent to shows "reading…" until the job has finished. The job reads the PDF
in a limited child process (:mod:`minimin.remittances.parsers.sandbox`) and then:

* every line read: the draft remittance is created and the import points at it;
* something read, something doubtful: what was read is kept on the import to prefill the form;
* nothing read (the reader failed, ran out of time or memory, or found neither lines nor a
  date, reference or total): the import is ``unreadable`` and the PDF is deleted: a file we
  cannot read is not kept.

A user may start :data:`IMPORTS_PER_HOUR` PDF imports an hour and have :data:`IMPORTS_AT_ONCE`
reading at once. The count is kept in the database, not in Redis, so that it holds in embedded
mode and when Redis is away.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.db import utcnow
from minimin.core.storage import storage
from minimin.core.uploads import CleanFile
from minimin.extensions import db
from minimin.remittances.inputs import ImportInput, LineInput, RemittanceInput
from minimin.remittances.models import KINDS, READ, READING, UNREADABLE, RemittanceImport
from minimin.remittances.parsers.common import (
    ParsedRemittance,
    ParseProblem,
    RemittanceParseError,
)
from minimin.remittances.parsers.sandbox import (
    ReaderFailed,
    from_json,
    problem_to_json,
    read_pdf_limited,
    to_json,
)
from minimin.remittances.services.drafts import create_remittance, owned_agency
from minimin.remittances.services.errors import RemittanceError

log = logging.getLogger(__name__)

IMPORTS_PER_HOUR = 20
IMPORTS_AT_ONCE = 2
#: A reading import older than this was lost (its worker died past every retry): it is shown
#: as unreadable rather than "reading" for ever.
LOST_AFTER = dt.timedelta(minutes=15)
#: The code of the refusal past the rate limit (the API answers it with 429).
RATE_LIMITED = "rate_limited"


def input_from_parsed(
    parsed: ParsedRemittance,
    agency_id: uuid.UUID | None,
    kind: str,
    file_id: uuid.UUID | None,
    date: dt.date | None = None,
) -> RemittanceInput:
    """What a parsed document says, as the input of :func:`create_remittance` (*date* when the
    document states none)."""
    day = parsed.date or date
    if day is None:
        raise RemittanceError(_l("Enter the date of the remittance."), "date")
    return RemittanceInput(
        agency_id=agency_id,  # type: ignore[arg-type]  # create_remittance refuses None
        date=day,
        kind=kind,
        reference=parsed.reference,
        agency_invoice_number=parsed.agency_invoice_number,
        total_net_pence=parsed.total_net_pence,
        lines=tuple(LineInput(**vars(line)) for line in parsed.lines),
        source_file_id=file_id,
    )


def _check_rate(user_id: uuid.UUID) -> None:
    since = utcnow() - dt.timedelta(hours=1)
    recent, reading = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(RemittanceImport.status == READING),
        ).where(RemittanceImport.user_id == user_id, RemittanceImport.created_at >= since)
    ).one()
    if reading >= IMPORTS_AT_ONCE:
        raise RemittanceError(
            _l(
                "%(n)d PDFs are still being read. Wait until they are done, then import the "
                "next one.",
                n=reading,
            ),
            "file",
            code=RATE_LIMITED,
        )
    if recent >= IMPORTS_PER_HOUR:
        raise RemittanceError(
            _l(
                "You have imported %(n)d PDFs in the last hour, the most at once. Please try "
                "again later, or enter the remittance by hand.",
                n=recent,
            ),
            "file",
            code=RATE_LIMITED,
        )


def start_pdf_import(
    user_id: uuid.UUID, data: ImportInput, clean: CleanFile, filename: str | None
) -> RemittanceImport:
    """Store the PDF and add its import row; the caller enqueues the reading job after commit.

    Raises :class:`RemittanceError` for an agency that is not the user's, an unknown kind or
    past the rate limit, and :class:`~minimin.core.uploads.UploadError` when the file cannot
    be stored (nothing added).
    """
    from minimin.files.models import DOCUMENT
    from minimin.files.services import store_clean

    _check_import(user_id, data)
    _check_rate(user_id)
    stored = store_clean(user_id, clean, filename, DOCUMENT)
    job = RemittanceImport(
        user_id=user_id,
        agency_id=data.agency_id,
        kind=data.kind,
        status=READING,
        file_id=stored.id,
    )
    db.session.add(job)
    db.session.flush()
    return job


def _check_import(user_id: uuid.UUID, data: ImportInput) -> None:
    if data.kind not in KINDS:
        raise RemittanceError(_l("Choose the kind of document."), "kind")
    if data.agency_id is not None:
        owned_agency(user_id, data.agency_id)


def record_csv_import(
    user_id: uuid.UUID, data: ImportInput, parsed: ParsedRemittance
) -> RemittanceImport:
    """A CSV remittance, read at once: its draft remittance and an import row that says so
    (``read``, as a PDF whose every line was read), so that a program follows either kind of
    file the same way. Raises :class:`RemittanceError` (nothing added)."""
    _check_import(user_id, data)
    remittance = create_remittance(
        user_id, input_from_parsed(parsed, data.agency_id, data.kind, None, data.date)
    )
    job = RemittanceImport(
        user_id=user_id,
        agency_id=data.agency_id,
        kind=data.kind,
        status=READ,
        remittance_id=remittance.id,
        result={"lines": len(parsed.lines)},
        finished_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def read_import(import_id: uuid.UUID) -> RemittanceImport | None:
    """Read one import's PDF and record the outcome. Safe to run twice: only a ``reading``
    import is read, and its row is locked while it is."""
    job = db.session.get(RemittanceImport, import_id, with_for_update=True)
    if job is None or job.status != READING:
        return job
    stored = _stored_file(job)
    parsed: ParsedRemittance | None = None
    problems: list[ParseProblem] = []
    if stored is not None:
        try:
            parsed = read_pdf_limited(storage().read(stored.storage_key))
        except RemittanceParseError as exc:
            problems = exc.problems
        except (ReaderFailed, OSError) as exc:
            log.warning("remittance import %s could not be read: %s", import_id, exc)
    if parsed is None or _nothing_read(parsed):
        _give_up(job, stored, problems + (parsed.problems if parsed else []))
    else:
        _keep(job, parsed)
    job.finished_at = utcnow()
    db.session.flush()
    return job


def _nothing_read(parsed: ParsedRemittance) -> bool:
    return not (
        parsed.lines
        or parsed.date
        or parsed.reference
        or parsed.agency_invoice_number
        or parsed.total_net_pence is not None
    )


def _stored_file(job: RemittanceImport) -> Any:
    from minimin.files.models import StoredFile

    return db.session.get(StoredFile, job.file_id) if job.file_id else None


def _give_up(job: RemittanceImport, stored: Any, problems: list[ParseProblem]) -> None:
    from minimin.files.services import remove_file

    if stored is not None:
        remove_file(stored)
    job.file_id = None
    job.status = UNREADABLE
    job.result = {"problems": [problem_to_json(p) for p in problems]}


def _keep(job: RemittanceImport, parsed: ParsedRemittance) -> None:
    job.status = READ
    if parsed.ok:
        try:
            with db.session.begin_nested():
                data = input_from_parsed(parsed, job.agency_id, job.kind, job.file_id)
                remittance = create_remittance(job.user_id, data)
        except RemittanceError as exc:
            parsed.add_problem(exc.message)
        else:
            job.remittance_id = remittance.id
            job.result = {"lines": len(parsed.lines)}
            return
    job.result = to_json(parsed)


def is_lost(job: RemittanceImport) -> bool:
    return job.status == READING and utcnow() - job.created_at > LOST_AFTER


def problems_of(job: RemittanceImport) -> list[ParseProblem]:
    """The problems recorded on an import, to show in the reader's language."""
    result = job.result or {}
    return from_json({"lines": [], "problems": result.get("problems", [])}).problems


def parsed_of(job: RemittanceImport) -> ParsedRemittance:
    """What was read, to prefill the form (an import that is read but not created). An
    import whose remittance was made keeps only its count of lines: when that remittance has
    been deleted since, nothing is left to prefill."""
    result = job.result or {"lines": []}
    if not isinstance(result.get("lines"), list):
        return ParsedRemittance()
    return from_json(result)
