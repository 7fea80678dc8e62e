"""Starting a statement import: keep the uploaded file, inspect a CSV's columns, confirm the
column mapping and queue the background job.

An OFX/QFX file is queued at once; a CSV file waits for the user to confirm its mapping. The
import itself (parsing every row and adding the transactions) is
:mod:`minimin.banking.services.import_run`, run by the task in :mod:`minimin.banking.tasks`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from minimin.banking.importers import StatementError, StatementErrors, csv_import, ofx_import
from minimin.banking.importers.detect import DATE_ORDERS
from minimin.banking.inputs import ColumnsInput, StatementInput
from minimin.banking.models import PENDING, QUEUED, BankAccount, ImportJob
from minimin.banking.services.errors import BankingError
from minimin.core.storage import storage
from minimin.core.uploads import CleanFile
from minimin.core.user_error import CONFLICT
from minimin.extensions import db


def statement_kind(data: bytes) -> str:
    return "ofx" if ofx_import.looks_like_ofx(data) else "csv"


#: Files up to this many rows are read through when their columns are chosen, so their
#: errors are shown then; a larger one is checked by the background job (its status says).
INLINE_CHECK_ROWS = 5_000
COLUMN_FIELDS = (
    "date",
    "description",
    "amount",
    "money_in",
    "money_out",
    "counterparty",
    "reference",
)


def upload_statement(account: BankAccount, data: StatementInput) -> tuple[ImportJob, Any]:
    """The user's statement for *account*: kept, and its import started (:func:`start_import`).
    Raises :class:`StatementErrors` when the file cannot be read at all (nothing is kept)."""
    return start_import(account, data.data, data.filename)


def import_if_known(job: ImportJob, inspection: Any) -> bool:
    """Queue a pending CSV import at once when its columns are known (a bank layout Minimin
    recognises, or the columns confirmed for the account before) and its date order is known
    (the dates read one way only, or the order was confirmed with the columns); False when the
    user must still choose them."""
    if job.status != PENDING or inspection is None:
        return False
    if inspection.date_order_needed and inspection.date_order is None:
        return False
    account = db.session.get(BankAccount, job.bank_account_id)
    if inspection.preset is None and (account is None or account.csv_mapping is None):
        return False
    confirm_mapping(job, inspection.options(), remember=False)
    return True


def choose_columns(job: ImportJob, data: ColumnsInput, inspection: Any = None) -> None:
    """The columns the user chose for a pending CSV import: checked (a small file row by row,
    raising :class:`StatementErrors` with each bad row), then the import is queued.
    *inspection* is the job's (:func:`inspect_job`) when the caller has it already."""
    if job.status != PENDING:
        raise BankingError(_l("This import has already started."), code=CONFLICT)
    if inspection is None:
        inspection = inspect_job(job)
    if data.date_order is not None and data.date_order not in DATE_ORDERS:
        raise BankingError(_l("Choose a date order."), "date_order")
    if data.date_order is None and inspection.date_order_needed:
        raise BankingError(
            _l("The dates read both ways (such as 03/04/2025): choose the date order."),
            "date_order",
        )
    mapping: dict[str, Any] = dict(inspection.mapping)
    for name in COLUMN_FIELDS:
        mapping[name] = getattr(data, name)
    if mapping["amount"] is not None:
        mapping["money_in"] = mapping["money_out"] = None
    mapping["date_order"] = data.date_order or inspection.date_order
    options = inspection.options()
    options["mapping"] = mapping
    if inspection.rows <= INLINE_CHECK_ROWS:
        csv_import.parse(read_statement(job), options)
    confirm_mapping(job, options, remember=data.remember)


def start_import(account: BankAccount, data: bytes, filename: str | None) -> tuple[ImportJob, Any]:
    """Keep the uploaded statement and create its import job.

    An OFX/QFX file is queued at once. A CSV file is inspected: the job waits (``pending``)
    for the user to confirm the column mapping, and the :class:`Inspection` is returned.
    Raises :class:`StatementErrors` when the file cannot be read at all (nothing is kept)."""
    from minimin.files.services import store_clean

    kind = statement_kind(data)
    inspection = None
    if kind == "csv":
        try:
            inspection = csv_import.inspect(data, account.csv_mapping)
        except StatementError as exc:
            raise StatementErrors([exc]) from exc
    content_type = "application/x-ofx" if kind == "ofx" else "text/csv"
    stored = store_clean(
        account.user_id, CleanFile(data=data, content_type=content_type), filename, "document"
    )
    label = (filename or "statement").replace("\\", "/").rsplit("/", 1)[-1]
    label = rules_safe_label(label)
    stored.filename = label
    job = ImportJob(
        user_id=account.user_id,
        bank_account_id=account.id,
        file_id=stored.id,
        filename=label,
        kind=kind,
        status=PENDING if kind == "csv" else QUEUED,
        options=inspection.options() if inspection else None,
        rows_total=inspection.rows if inspection else 0,
    )
    db.session.add(job)
    db.session.flush()
    if kind == "ofx":
        queue_import(job)
    return job, inspection


def rules_safe_label(label: str) -> str:
    from minimin.banking.importers import clean_text

    return clean_text(label, 120) or "statement"


def inspect_job(job: ImportJob) -> Any:
    """The CSV inspection of a job's stored file (for the mapping page)."""
    data = read_statement(job)
    account = db.session.get(BankAccount, job.bank_account_id)
    return csv_import.inspect(data, account.csv_mapping if account else None)


def read_statement(job: ImportJob) -> bytes:
    from minimin.files.models import StoredFile

    stored = db.session.get(StoredFile, job.file_id) if job.file_id else None
    if stored is None:
        raise StatementErrors(
            [StatementError(_l("The uploaded statement is no longer available."))]
        )
    return storage().read(stored.storage_key)


def confirm_mapping(job: ImportJob, options: dict[str, Any], *, remember: bool = True) -> None:
    """Queue a pending CSV import with the user's column mapping (remembered for the account
    when *remember*)."""
    if job.status != PENDING:
        raise BankingError(_l("This import has already started."), code=CONFLICT)
    job.options = options
    job.status = QUEUED
    if remember:
        account = db.session.get(BankAccount, job.bank_account_id)
        if account is not None:
            account.csv_mapping = {
                "signature": csv_import.header_signature(options.get("header") or []),
                "mapping": options.get("mapping"),
            }
    db.session.flush()
    queue_import(job)


def queue_import(job: ImportJob) -> None:
    from minimin.banking.tasks import import_statement
    from minimin.core.tasks import enqueue

    enqueue(import_statement, str(job.id))
