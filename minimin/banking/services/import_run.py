"""Running a statement import (the background job): parse every row, then add the new
transactions in batches, categorised by the user's rules as they go in.

All or nothing, and safe to run twice, even at once (see :func:`run_import`). Rows are
written with the driver's executemany, or on PostgreSQL by COPY into a temporary table
(:class:`_BulkWriter`), because an import of a large statement must not build one ORM object
or one INSERT statement per row. Each batch's lines are posted to the journal in the same
transaction, in few entries: the bank side of each day's lines of the batch in one statement
batch entry (Dr the bank account, Cr suspense; the lines carry its id), and an entry of its
own only for a line the user's rules categorised (Dr suspense, Cr the category):
docs/ledger.md, "Bank line".
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking import rules
from minimin.banking.importers import (
    MAX_ERRORS,
    ParsedTransaction,
    StatementError,
    StatementErrors,
    assign_fingerprints,
    csv_import,
    ofx_import,
    payee_key,
)
from minimin.banking.models import (
    CATEGORY_BY_RULE,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    UNRECONCILED,
    BankAccount,
    BankTransaction,
    ImportJob,
)
from minimin.banking.services.categories import _load_rules
from minimin.banking.services.imports import read_statement
from minimin.core import locks
from minimin.core.db import utcnow
from minimin.extensions import db
from minimin.ledger.posting import COPY_ESCAPES, copy_into, sequential_ids
from minimin.ledger.rules.banking import BankLine
from minimin.ledger.sources.banking import forget_import, post_imported

log = logging.getLogger(__name__)

#: Rows inserted per statement (executemany batches).
BATCH = 5000
#: The temporary table a batch is copied into on PostgreSQL.
_STAGING = "bank_import_staging"


def parse_statement(job: ImportJob, data: bytes) -> tuple[list[ParsedTransaction], str | None]:
    if job.kind == "ofx":
        return ofx_import.parse(data)
    return csv_import.parse(data, job.options or {}), None


def run_import(job_id: uuid.UUID, *, commit: Any = None) -> ImportJob | None:
    """Run an import job: parse every row, then add the new transactions in batches.

    All or nothing: a file with any bad row adds nothing (the job lists the errors), and a
    failure while adding removes what this job had added. Safe to run twice, even at once: a
    run holds the job (:func:`minimin.core.locks.exclusive`, which a killed worker frees at
    once), so a second copy (a redelivered task) while one runs changes nothing; a finished job
    is left alone; a job left running by a worker that died is run again, and rows already
    present (same fingerprint) are skipped.
    ``commit`` (the task passes one) is called after each batch so progress is visible."""
    with locks.exclusive(job_id) as held:
        job = db.session.get(ImportJob, job_id, populate_existing=True)
        if not held or job is None or job.status not in (QUEUED, RUNNING):
            return job
        job.status = RUNNING
        job.started_at = utcnow()
        job.errors = None
        return _run(job, commit)


def _run(job: ImportJob, commit: Any) -> ImportJob | None:
    job_id = job.id
    account = db.session.get(BankAccount, job.bank_account_id)
    if account is None:
        return None
    _commit(commit)
    try:
        rows, currency = parse_statement(job, read_statement(job))
        if currency and currency != account.currency:
            raise StatementErrors(
                [
                    StatementError(
                        _l(
                            "The statement is in %(found)s but the account is in %(expected)s.",
                            found=currency,
                            expected=account.currency,
                        )
                    )
                ]
            )
    except StatementErrors as exc:
        job.status = FAILED
        job.errors = [e.as_dict() for e in exc.errors[:MAX_ERRORS]]
        if exc.more:
            job.errors.append(
                {
                    "row": None,
                    "column": None,
                    "message": str(_l("and %(n)d more problems", n=exc.more)),
                }
            )
        job.finished_at = utcnow()
        _commit(commit)
        return job
    assign_fingerprints(str(account.id), rows)
    job.rows_total = len(rows)
    job.rows_done = 0
    _commit(commit)
    try:
        added = _insert(job, account, rows, commit)
    except Exception:
        log.exception("statement import %s failed while adding rows", job.id)
        db.session.rollback()
        reloaded = db.session.get(ImportJob, job_id)
        assert reloaded is not None
        job = reloaded
        forget_import(db.session(), job.id)
        db.session.execute(
            sa.delete(BankTransaction).where(BankTransaction.import_job_id == job.id)
        )
        job.status = FAILED
        job.added = 0
        job.errors = [
            {
                "row": None,
                "column": None,
                "message": str(
                    _l("The import could not be saved; nothing was added. Please try again.")
                ),
            }
        ]
        job.finished_at = utcnow()
        _commit(commit)
        return job
    job.added = added
    job.duplicates = len(rows) - added
    job.rows_done = len(rows)
    job.status = DONE
    job.finished_at = utcnow()
    _commit(commit)
    return job


def _commit(commit: Any) -> None:
    if commit is not None:
        commit()
    else:
        db.session.flush()


def _insert(
    job: ImportJob, account: BankAccount, rows: list[ParsedTransaction], commit: Any
) -> int:
    first = min(r.posted_on for r in rows)
    last = max(r.posted_on for r in rows)
    existing = set(
        db.session.scalars(
            sa.select(BankTransaction.fingerprint).where(
                BankTransaction.bank_account_id == account.id,
                BankTransaction.posted_on >= first,
                BankTransaction.posted_on <= last,
            )
        )
    )
    compiled = _load_rules(account.user_id)
    now = utcnow()
    shared = {
        "user_id": account.user_id,
        "bank_account_id": account.id,
        "import_job_id": job.id,
        "currency": account.currency,
        "reconciliation": UNRECONCILED,
        "reconciled_pence": 0,
        "contacts_by_user": False,
        "created_at": now,
        "updated_at": now,
    }
    # Ascending ids: each row (and its journal entry) lands at the end of the indexes.
    ids = sequential_ids()
    writer = _BulkWriter(shared, account.user_id, ids)
    added = 0
    fresh = set()
    for index, row in enumerate(rows, start=1):
        if row.fingerprint in existing or row.fingerprint in fresh:
            continue
        fresh.add(row.fingerprint)
        rule = (
            rules.first_match(compiled, row.description, row.counterparty, row.amount_pence)
            if compiled
            else None
        )
        category = rule.category if rule else None
        client_id = rule.client_id if rule else None
        agency_id = rule.agency_id if rule else None
        txn_id = next(ids)
        batch_id = writer.batch_of(row.posted_on)
        writer.add(
            (
                txn_id,
                row.posted_on,
                row.amount_pence,
                row.description,
                row.counterparty,
                row.reference,
                row.fitid,
                row.fingerprint,
                payee_key(row.counterparty, row.description),
                category,
                CATEGORY_BY_RULE if category else None,
                client_id,
                agency_id,
                batch_id,
            ),
            BankLine(
                id=txn_id,
                bank_account_id=account.id,
                posted_on=row.posted_on,
                amount_pence=row.amount_pence,
                currency=account.currency,
                description=row.counterparty or row.description,
                category=category,
                client_id=client_id,
                agency_id=agency_id,
                batch_id=batch_id,
            ),
        )
        if len(writer) >= BATCH:
            added += writer.flush()
            job.rows_done = index
            _commit(commit)
    added += writer.flush()
    return added


class _BulkWriter:
    """Adds statement rows with the driver's executemany: the INSERT is compiled once (with
    ON CONFLICT DO NOTHING, so a concurrent import of the same rows is harmless) and values
    go through each column's bind processor, without per-row statement construction. Each
    batch's lines are posted to the journal (in bulk too) in the same transaction."""

    ROW_COLUMNS = (
        "id",
        "posted_on",
        "amount_pence",
        "description",
        "counterparty",
        "reference",
        "fitid",
        "fingerprint",
        "payee_key",
        "category",
        "category_source",
        "client_id",
        "agency_id",
        "ledger_batch_id",
    )

    def __init__(self, shared: dict[str, Any], user_id: uuid.UUID, ids: Iterator[uuid.UUID]):
        self.user_id = user_id
        self.ids = ids
        self.lines: list[BankLine] = []
        #: The statement batch entry of each day of the pending lines (a fresh id per day of
        #: each batch: the batch's entries are posted with it).
        self.batches: dict[dt.date, uuid.UUID] = {}
        table = BankTransaction.__table__
        dialect = db.session.connection().dialect
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(table).on_conflict_do_nothing(
                constraint="uq_bank_transaction_account_fingerprint"
            )
        elif dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(table).on_conflict_do_nothing()
        else:  # pragma: no cover - the two supported databases
            statement = sa.insert(table)
        keys = [*self.ROW_COLUMNS, *shared]
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        self.sql = str(compiled)
        identity = lambda value: value  # noqa: E731

        def processor(name: str) -> Any:
            column = table.c[name]
            return column.type.dialect_impl(dialect).bind_processor(dialect) or identity

        self.processors = {name: processor(name) for name in keys}
        self.shared = {name: self.processors[name](value) for name, value in shared.items()}
        self.positional = compiled.positional
        order = list(compiled.positiontup or []) if compiled.positional else keys
        index = {name: i for i, name in enumerate(self.ROW_COLUMNS)}
        # Per output position: (row value index, processor) or (None, processed constant).
        self.plan = [
            (index[name], self.processors[name]) if name in index else (None, self.shared[name])
            for name in order
        ]
        self.order = order
        self.pending: list[Any] = []
        # PostgreSQL: the rows are copied into a temporary table (COPY) and added from there
        # by one INSERT ... SELECT, instead of one INSERT executed per row.
        self.copy = dialect.name == "postgresql"
        # Names from the model only (no input reaches this SQL); values are bound.
        self.copy_sql = (
            f"INSERT INTO {table.name} ({', '.join(keys)}) "  # noqa: S608
            f"SELECT {', '.join(self.ROW_COLUMNS)}, {', '.join(':' + k for k in shared)} "
            f"FROM {_STAGING} ON CONFLICT ON CONSTRAINT "
            "uq_bank_transaction_account_fingerprint DO NOTHING"
        )

    def __len__(self) -> int:
        return len(self.pending)

    def batch_of(self, day: dt.date) -> uuid.UUID:
        """The id of the statement batch entry for the pending lines of *day*."""
        batch_id = self.batches.get(day)
        if batch_id is None:
            batch_id = self.batches[day] = next(self.ids)
        return batch_id

    def add(self, values: tuple[Any, ...], line: BankLine) -> None:
        self.lines.append(line)
        if self.copy:
            self.pending.append(_copy_line(values))
            return
        row = [
            const_or_proc if i is None else const_or_proc(values[i])
            for i, const_or_proc in self.plan
        ]
        self.pending.append(
            tuple(row) if self.positional else dict(zip(self.order, row, strict=True))
        )

    def flush(self) -> int:
        if not self.pending:
            return 0
        # The session's connection changes after each batch commits.
        connection = db.session.connection()
        if self.copy:
            result = self._copy(connection)
        else:
            result = connection.exec_driver_sql(self.sql, self.pending)
        lines, self.pending, self.lines = self.lines, [], []
        self.batches = {}
        if result.rowcount != len(lines):
            # A concurrent import added some of these rows first: post only ours.
            ours = set(
                db.session.scalars(
                    sa.select(BankTransaction.id).where(
                        BankTransaction.id.in_([line.id for line in lines])
                    )
                )
            )
            lines = [line for line in lines if line.id in ours]
        post_imported(db.session(), self.user_id, lines)
        return len(lines)

    def _copy(self, connection: Any) -> Any:
        """COPY the pending rows into a temporary table (the statement's columns only, no
        constraints), then add them with one INSERT ... SELECT that skips rows already there;
        the table goes at the end of the statement."""
        columns = ", ".join(self.ROW_COLUMNS)
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {_STAGING} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {BankTransaction.__tablename__} WITH NO DATA"
        )
        copy_into(connection, _STAGING, self.ROW_COLUMNS, self.pending, formatted=True)
        result = connection.execute(sa.text(self.copy_sql), self.shared)
        connection.exec_driver_sql(f"DROP TABLE {_STAGING}")
        return result


#: COPY's NULL.
NULL = "\\N"


def _text(value: str | None) -> str:
    """A text value as COPY text: ``\\N`` for NULL, escapes only where needed."""
    if value is None:
        return NULL
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(COPY_ESCAPES)
    return value


def _copy_line(values: tuple[Any, ...]) -> str:
    """One statement row (in the order of ``ROW_COLUMNS``) as a line of COPY text, in one
    f-string. The statement's own texts are escaped only when one of them holds a character
    COPY reads specially (rare: the importers keep one line of text per cell); ids are 32 hex
    digits, which PostgreSQL reads as a UUID without its hyphens (cheaper than ``str()``)."""
    (
        txn_id,
        posted_on,
        amount,
        description,
        counterparty,
        reference,
        fitid,
        fingerprint,
        payee,
        category,
        category_source,
        client_id,
        agency_id,
        batch_id,
    ) = values
    texts = f"{description}{counterparty}{reference}{fitid}{payee}"
    if "\\" in texts or "\t" in texts or "\n" in texts or "\r" in texts:
        description, counterparty, reference, fitid, payee = (
            _text(description),
            _text(counterparty),
            _text(reference),
            _text(fitid),
            _text(payee),
        )
    elif fitid is None:
        fitid = NULL
    rule = (
        f"{NULL if category is None else _text(category)}\t"
        f"{NULL if category_source is None else category_source}\t"
        f"{NULL if client_id is None else client_id.hex}\t"
        f"{NULL if agency_id is None else agency_id.hex}"
    )
    return (
        f"{txn_id.hex}\t{posted_on.isoformat()}\t{amount}\t{description}\t{counterparty}\t"
        f"{reference}\t{fitid}\t{fingerprint}\t{payee}\t{rule}\t{batch_id.hex}\n"
    )
