"""Banking services: accounts, statement imports, categories, rules and reconciliation.

Services add and flush; the request (or the import task) commits. Reconciliation records
invoice payments through :func:`minimin.invoices.services.record_payment`, so an invoice's
balance and status (part paid, paid) stay right, and creates expenses through
:func:`minimin.expenses.services.create_expense` (idempotent on the transaction id).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking import reconcile, rules
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
    CATEGORY_BY_USER,
    DONE,
    FAILED,
    IGNORED,
    MATCH_EXPENSE,
    MATCH_INVOICE,
    MATCH_JOB,
    MATCH_KINDS,
    PART,
    PENDING,
    QUEUED,
    RECONCILED,
    RUNNING,
    UNRECONCILED,
    BankAccount,
    BankMatch,
    BankTransaction,
    CategoryRule,
    ImportJob,
    RejectedSuggestion,
)
from minimin.core.db import utcnow
from minimin.core.storage import storage
from minimin.core.uploads import CleanFile
from minimin.extensions import db

log = logging.getLogger(__name__)

#: Rows inserted per statement (executemany batches).
BATCH = 5000
MAX_RULES = 200


class BankingError(ValueError):
    def __init__(self, message: Any, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


# --------------------------------------------------------------------------- accounts


def _clean_last_four(value: str | None) -> str | None:
    digits = (value or "").strip()
    if not digits:
        return None
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        raise BankingError(
            _l("Enter exactly the last four digits of the account number."), "last_four"
        )
    return digits


def create_account(
    user_id: uuid.UUID, *, name: str, last_four: str | None, currency: str = "GBP"
) -> BankAccount:
    account = BankAccount(
        user_id=user_id, name=name.strip(), last_four=_clean_last_four(last_four), currency=currency
    )
    db.session.add(account)
    db.session.flush()
    return account


def update_account(account: BankAccount, *, name: str, last_four: str | None) -> BankAccount:
    account.name = name.strip()
    account.last_four = _clean_last_four(last_four)
    db.session.flush()
    return account


def delete_account(account: BankAccount) -> None:
    """Delete an account with its transactions; refused once any of them is reconciled."""
    matched = db.session.scalar(
        sa.select(sa.func.count(BankMatch.id))
        .join(BankTransaction, BankMatch.transaction_id == BankTransaction.id)
        .where(BankTransaction.bank_account_id == account.id)
    )
    if matched:
        raise BankingError(
            _l(
                "Transactions of this account are matched to invoices or expenses: "
                "undo those matches first."
            )
        )
    from minimin.files.models import StoredFile
    from minimin.files.services import remove_file

    file_ids = db.session.scalars(
        sa.select(ImportJob.file_id).where(
            ImportJob.bank_account_id == account.id, ImportJob.file_id.is_not(None)
        )
    ).all()
    db.session.execute(
        sa.delete(BankTransaction).where(BankTransaction.bank_account_id == account.id)
    )
    db.session.execute(sa.delete(ImportJob).where(ImportJob.bank_account_id == account.id))
    # The kept statements go too (their bytes once the deletion has committed).
    for file_id in file_ids:
        stored = db.session.get(StoredFile, file_id)
        if stored is not None and stored.user_id == account.user_id:
            remove_file(stored)
    db.session.delete(account)
    db.session.flush()


# --------------------------------------------------------------------------- imports


def statement_kind(data: bytes) -> str:
    return "ofx" if ofx_import.looks_like_ofx(data) else "csv"


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
        raise BankingError(_l("This import has already started."))
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


def _load_rules(user_id: uuid.UUID) -> list[rules.CompiledRule]:
    found = db.session.scalars(
        sa.select(CategoryRule)
        .where(CategoryRule.user_id == user_id, CategoryRule.active.is_(True))
        .order_by(CategoryRule.position, CategoryRule.created_at)
    ).all()
    return rules.compile_rules(rule_spec(r) for r in found)


def rule_spec(rule: CategoryRule) -> rules.RuleSpec:
    return rules.RuleSpec(
        id=rule.id,
        match_kind=rule.match_kind,
        pattern=rule.pattern,
        direction=rule.direction,
        min_pence=rule.min_pence,
        max_pence=rule.max_pence,
        category=rule.category,
        client_id=rule.client_id,
        agency_id=rule.agency_id,
    )


def parse_statement(job: ImportJob, data: bytes) -> tuple[list[ParsedTransaction], str | None]:
    if job.kind == "ofx":
        return ofx_import.parse(data)
    return csv_import.parse(data, job.options or {}), None


def run_import(job_id: uuid.UUID, *, commit: Any = None) -> ImportJob | None:
    """Run an import job: parse every row, then add the new transactions in batches.

    All or nothing: a file with any bad row adds nothing (the job lists the errors), and a
    failure while adding removes what this job had added. Safe to run twice: a finished job
    is left alone, and rows already present (same fingerprint) are skipped.
    ``commit`` (the task passes one) is called after each batch so progress is visible."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status in (DONE, FAILED, PENDING):
        return job
    account = db.session.get(BankAccount, job.bank_account_id)
    if account is None:
        return None
    job.status = RUNNING
    job.started_at = utcnow()
    job.errors = None
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
        job = db.session.get(ImportJob, job_id)
        assert job is not None
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
        "created_at": now,
        "updated_at": now,
    }
    writer = _BulkWriter(shared)
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
        writer.add(
            (
                uuid.uuid4(),
                row.posted_on,
                row.amount_pence,
                row.description,
                row.counterparty,
                row.reference,
                row.fitid,
                row.fingerprint,
                payee_key(row.counterparty, row.description),
                rule.category if rule else None,
                CATEGORY_BY_RULE if rule and rule.category else None,
                rule.client_id if rule else None,
                rule.agency_id if rule else None,
            )
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
    go through each column's bind processor, without per-row statement construction."""

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
    )

    def __init__(self, shared: dict[str, Any]):
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

    def __len__(self) -> int:
        return len(self.pending)

    def add(self, values: tuple[Any, ...]) -> None:
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
        count = len(self.pending)
        # The session's connection changes after each batch commits.
        db.session.connection().exec_driver_sql(self.sql, self.pending)
        self.pending = []
        return count


# --------------------------------------------------------------------------- categories


def set_category(
    txn: BankTransaction,
    *,
    category: str | None,
    client_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
) -> None:
    if category is not None and category not in rules.ALL_CATEGORIES:
        raise BankingError(_l("Choose a category from the list."), "category")
    txn.category = category
    txn.category_source = CATEGORY_BY_USER if category else None
    txn.client_id = client_id
    txn.agency_id = agency_id
    db.session.flush()


def learned_categories(user_id: uuid.UUID, keys: Iterable[str] | None = None) -> dict[str, str]:
    """Category suggestions learned from the user's own choices: the most frequent category
    the user gave each payee (restricted to *keys* when given)."""
    query = sa.select(BankTransaction.payee_key, BankTransaction.category).where(
        BankTransaction.user_id == user_id,
        BankTransaction.category_source == CATEGORY_BY_USER,
        BankTransaction.category.is_not(None),
    )
    if keys is not None:
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        query = query.where(BankTransaction.payee_key.in_(wanted))
    query = query.order_by(BankTransaction.updated_at, BankTransaction.id)
    return rules.learn((k, c) for k, c in db.session.execute(query))


def save_rule(user_id: uuid.UUID, rule: CategoryRule | None = None, **fields: Any) -> CategoryRule:
    match_kind = fields.get("match_kind") or "contains"
    pattern = (fields.get("pattern") or "").strip()
    if match_kind not in ("contains", "regex", "any"):
        raise BankingError(_l("Choose how the rule matches."), "match_kind")
    if match_kind == "regex":
        try:
            rules.compile_pattern(pattern)
        except rules.RuleError as exc:
            raise BankingError(exc.message, "pattern") from exc
    elif match_kind == "contains" and not pattern:
        raise BankingError(_l("Enter the text the description contains."), "pattern")
    if len(pattern) > rules.PATTERN_MAX:
        raise BankingError(_l("Use at most %(max)d characters.", max=rules.PATTERN_MAX), "pattern")
    min_pence, max_pence = fields.get("min_pence"), fields.get("max_pence")
    if match_kind == "any" and min_pence is None and max_pence is None:
        raise BankingError(_l("A rule without text needs an amount range."), "min_amount")
    if min_pence is not None and max_pence is not None and min_pence > max_pence:
        raise BankingError(_l("The lowest amount is more than the highest."), "max_amount")
    category = fields.get("category") or None
    if category is not None and category not in rules.ALL_CATEGORIES:
        raise BankingError(_l("Choose a category from the list."), "category")
    if not (category or fields.get("client_id") or fields.get("agency_id")):
        raise BankingError(
            _l("Choose a category, a client or an agency for the rule to set."), "category"
        )
    if rule is None:
        count = db.session.scalar(
            sa.select(sa.func.count(CategoryRule.id)).where(CategoryRule.user_id == user_id)
        )
        if count and count >= MAX_RULES:
            raise BankingError(_l("You have %(n)d rules, the most allowed.", n=MAX_RULES))
        rule = CategoryRule(user_id=user_id, position=(count or 0) + 1)
        db.session.add(rule)
    rule.match_kind = match_kind
    rule.pattern = pattern
    rule.direction = fields.get("direction") or "any"
    rule.min_pence, rule.max_pence = min_pence, max_pence
    rule.category = category
    rule.client_id = fields.get("client_id")
    rule.agency_id = fields.get("agency_id")
    db.session.flush()
    return rule


def apply_rules(user_id: uuid.UUID) -> int:
    """Apply the rules to transactions without a category (never overriding the user's own
    choices); returns how many were categorised."""
    compiled = _load_rules(user_id)
    if not compiled:
        return 0
    count = 0
    txns = db.session.scalars(
        sa.select(BankTransaction).where(
            BankTransaction.user_id == user_id, BankTransaction.category.is_(None)
        )
    )
    for txn in txns:
        rule = rules.first_match(compiled, txn.description, txn.counterparty, txn.amount_pence)
        if rule is None:
            continue
        txn.category = rule.category
        txn.category_source = CATEGORY_BY_RULE if rule.category else None
        txn.client_id = txn.client_id or rule.client_id
        txn.agency_id = txn.agency_id or rule.agency_id
        count += 1
    db.session.flush()
    return count


# --------------------------------------------------------------------------- reconciliation


def _open_plain(user_id: uuid.UUID) -> list[reconcile.Txn]:
    """Every open transaction of the user as plain records (no ORM objects: fast for 10,000)."""
    t = BankTransaction
    rows = db.session.execute(
        sa.select(
            t.id,
            t.posted_on,
            t.amount_pence,
            t.reconciled_pence,
            t.description,
            t.counterparty,
            t.reference,
            t.currency,
        ).where(t.user_id == user_id, t.reconciliation.in_((UNRECONCILED, PART)))
    )
    return [
        reconcile.Txn(
            id=r.id,
            posted_on=r.posted_on,
            amount_pence=r.amount_pence,
            open_pence=max(abs(r.amount_pence) - r.reconciled_pence, 0),
            description=r.description,
            counterparty=r.counterparty,
            reference=r.reference,
            currency=r.currency,
        )
        for r in rows
    ]


def as_txn(txn: BankTransaction) -> reconcile.Txn:
    return reconcile.Txn(
        id=txn.id,
        posted_on=txn.posted_on,
        amount_pence=txn.amount_pence,
        open_pence=txn.open_pence,
        description=txn.description,
        counterparty=txn.counterparty,
        reference=txn.reference,
        currency=txn.currency,
    )


def open_invoices(user_id: uuid.UUID) -> list[reconcile.OpenInvoice]:
    from minimin.invoices.models import OPEN_STATUSES, Invoice

    rows = db.session.execute(
        sa.select(
            Invoice.id,
            Invoice.number,
            Invoice.customer_name,
            Invoice.total_pence,
            Invoice.paid_pence,
            Invoice.credited_pence,
            Invoice.issue_date,
            Invoice.currency,
        ).where(Invoice.user_id == user_id, Invoice.status.in_(OPEN_STATUSES))
    )
    return [
        reconcile.OpenInvoice(
            id=r.id,
            number=r.number or "",
            customer_name=r.customer_name or "",
            outstanding_pence=max(r.total_pence - r.paid_pence - r.credited_pence, 0),
            issue_date=r.issue_date,
            currency=r.currency,
        )
        for r in rows
    ]


def expected_agency_payments(user_id: uuid.UUID) -> list[reconcile.ExpectedPayment]:
    """Agency jobs done or booked, not cancelled or paid, not already matched to a deposit,
    with the net the agency should pay (as computed by the jobs feature)."""
    from minimin.contacts.models import Agency
    from minimin.jobs.models import CANCELLED, ENQUIRY, PAID, Job

    matched = sa.select(BankMatch.target_id).where(
        BankMatch.user_id == user_id, BankMatch.kind == MATCH_JOB
    )
    rows = db.session.execute(
        sa.select(Job.id, Job.title, Job.net_pence, Job.starts_on, Job.currency, Agency.name)
        .join(Agency, Agency.id == Job.agency_id)
        .where(
            Job.user_id == user_id,
            Job.agency_id.is_not(None),
            Job.status.not_in((CANCELLED, PAID, ENQUIRY)),
            Job.net_pence.is_not(None),
            Job.id.not_in(matched),
        )
    )
    return [
        reconcile.ExpectedPayment(
            job_id=r.id,
            title=r.title,
            agency_name=r.name or "",
            net_pence=r.net_pence or 0,
            job_date=r.starts_on,
            currency=r.currency,
        )
        for r in rows
    ]


def open_expenses(user_id: uuid.UUID) -> list[reconcile.OpenExpense]:
    """Expenses not yet matched to a bank transaction (nor created from one)."""
    from minimin.expenses.models import BANK, Expense

    matched = sa.select(BankMatch.target_id).where(
        BankMatch.user_id == user_id, BankMatch.kind == MATCH_EXPENSE
    )
    rows = db.session.execute(
        sa.select(
            Expense.id,
            Expense.date,
            Expense.amount_pence,
            Expense.supplier,
            Expense.description,
            Expense.currency,
        ).where(Expense.user_id == user_id, Expense.id.not_in(matched), Expense.source != BANK)
    )
    return [
        reconcile.OpenExpense(
            id=r.id,
            day=r.date,
            amount_pence=r.amount_pence,
            supplier=r.supplier or "",
            description=r.description or "",
            currency=r.currency,
        )
        for r in rows
    ]


def rejected_for(user_id: uuid.UUID) -> set[tuple[uuid.UUID, str, uuid.UUID]]:
    return {
        (r.transaction_id, r.kind, r.target_id)
        for r in db.session.execute(
            sa.select(
                RejectedSuggestion.transaction_id,
                RejectedSuggestion.kind,
                RejectedSuggestion.target_id,
            ).where(RejectedSuggestion.user_id == user_id)
        )
    }


def suggestions(
    user_id: uuid.UUID, transactions: Sequence[BankTransaction] | None = None
) -> dict[uuid.UUID, list[reconcile.Suggestion]]:
    """Ranked reconciliation suggestions for the user's open transactions (or *transactions*)."""
    if transactions is None:
        plain = _open_plain(user_id)
    else:
        plain = [as_txn(t) for t in transactions if t.reconciliation in (UNRECONCILED, PART)]
    if not plain:
        return {}
    incoming = any(t.amount_pence > 0 for t in plain)
    outgoing = any(t.amount_pence < 0 for t in plain)
    return reconcile.suggest(
        plain,
        open_invoices(user_id) if incoming else (),
        expected_agency_payments(user_id) if incoming else (),
        open_expenses(user_id) if outgoing else (),
        rejected=rejected_for(user_id),
    )


@dataclass(frozen=True)
class Allocation:
    kind: str
    target_id: uuid.UUID
    amount_pence: int
    reason: str = ""


def _refresh_state(txn: BankTransaction) -> None:
    total = sum(m.amount_pence for m in txn.matches)
    txn.reconciled_pence = total
    if total == 0:
        txn.reconciliation = UNRECONCILED
    elif total >= abs(txn.amount_pence):
        txn.reconciliation = RECONCILED
    else:
        txn.reconciliation = PART


def accept(txn: BankTransaction, allocations: Sequence[Allocation]) -> list[BankMatch]:
    """Match *txn* to one or more targets (a split when several). Invoice allocations record
    a payment on the invoice (which becomes part paid or paid); agency-job allocations mark the
    expected payment as received; expense allocations link the expense. Nothing is kept when
    any allocation is refused."""
    from minimin.expenses.models import Expense
    from minimin.invoices import services as invoice_services
    from minimin.invoices.models import METHOD_BANK, Invoice
    from minimin.jobs import services as job_services
    from minimin.jobs.models import Job

    if txn.reconciliation == IGNORED:
        raise BankingError(_l("This transaction is ignored; include it again first."))
    if not allocations:
        raise BankingError(_l("Choose what the transaction pays."))
    total = sum(a.amount_pence for a in allocations)
    if any(a.amount_pence <= 0 for a in allocations):
        raise BankingError(_l("Each amount must be more than zero."), "amount")
    if total > txn.open_pence:
        raise BankingError(
            _l(
                "The amounts add up to more than the %(open)s still to match.",
                open=_pounds(txn.open_pence, txn.currency),
            ),
            "amount",
        )
    seen = set()
    created = []
    for alloc in allocations:
        if alloc.kind not in MATCH_KINDS:
            raise BankingError(_l("Unknown kind of match."))
        if (alloc.kind, alloc.target_id) in seen:
            raise BankingError(_l("The same item is chosen twice."))
        seen.add((alloc.kind, alloc.target_id))
        match = BankMatch(
            user_id=txn.user_id,
            transaction_id=txn.id,
            kind=alloc.kind,
            target_id=alloc.target_id,
            amount_pence=alloc.amount_pence,
            reason=alloc.reason[:300],
        )
        if alloc.kind == MATCH_INVOICE:
            if txn.amount_pence <= 0:
                raise BankingError(_l("Only money coming in can pay an invoice."))
            invoice = db.session.get(Invoice, alloc.target_id)
            if invoice is None or invoice.user_id != txn.user_id:
                raise BankingError(_l("That invoice was not found."))
            if invoice.currency != txn.currency:
                raise BankingError(_l("The invoice is in another currency."))
            try:
                payment = invoice_services.record_payment(
                    invoice,
                    amount_pence=alloc.amount_pence,
                    paid_on=txn.posted_on,
                    method=METHOD_BANK,
                    reference=(txn.reference or txn.description)[:100] or None,
                )
            except invoice_services.InvoiceError as exc:
                raise BankingError(
                    _l("Invoice %(n)s: %(e)s", n=invoice.number or "", e=str(exc))
                ) from exc
            match.payment_id = payment.id
        elif alloc.kind == MATCH_JOB:
            job = db.session.get(Job, alloc.target_id)
            if job is None or job.user_id != txn.user_id or job.agency_id is None:
                raise BankingError(_l("That job was not found."))
            with contextlib.suppress(job_services.JobError):
                job_services.mark_paid(txn.user_id, [job.id])
        elif alloc.kind == MATCH_EXPENSE:
            expense = db.session.get(Expense, alloc.target_id)
            if expense is None or expense.user_id != txn.user_id:
                raise BankingError(_l("That expense was not found."))
            if txn.amount_pence >= 0:
                raise BankingError(_l("Only money going out can pay an expense."))
        db.session.add(match)
        created.append(match)
    db.session.flush()
    db.session.expire(txn, ["matches"])
    _refresh_state(txn)
    db.session.flush()
    return created


def record_match(
    txn: BankTransaction, *, kind: str, target_id: uuid.UUID, amount_pence: int, reason: str = ""
) -> BankMatch:
    """Link part or all of *txn* to something another feature owns (an agency remittance)."""
    return accept(txn, [Allocation(kind, target_id, amount_pence, reason)])[0]


def undo_match(match: BankMatch) -> None:
    """Remove a match; an invoice payment recorded by it is deleted (the invoice reopens)."""
    from minimin.invoices import services as invoice_services
    from minimin.invoices.models import Payment

    txn = match.transaction
    if match.payment_id is not None:
        payment = db.session.get(Payment, match.payment_id)
        if payment is not None:
            try:
                invoice_services.delete_payment(payment)
            except invoice_services.InvoiceError as exc:
                raise BankingError(exc.args[0] if exc.args else str(exc)) from exc
    db.session.delete(match)
    db.session.flush()
    db.session.expire(txn, ["matches"])
    _refresh_state(txn)
    db.session.flush()


def reject(txn: BankTransaction, kind: str, target_id: uuid.UUID) -> None:
    if kind not in MATCH_KINDS:
        raise BankingError(_l("Unknown kind of match."))
    exists = db.session.scalar(
        sa.select(RejectedSuggestion.id).where(
            RejectedSuggestion.transaction_id == txn.id,
            RejectedSuggestion.kind == kind,
            RejectedSuggestion.target_id == target_id,
        )
    )
    if exists is None:
        db.session.add(
            RejectedSuggestion(
                user_id=txn.user_id, transaction_id=txn.id, kind=kind, target_id=target_id
            )
        )
        db.session.flush()


def set_ignored(txn: BankTransaction, ignored: bool) -> None:
    if ignored:
        if txn.matches:
            raise BankingError(_l("Undo the matches of this transaction before ignoring it."))
        txn.reconciliation = IGNORED
    else:
        txn.reconciliation = UNRECONCILED
        _refresh_state(txn)
    db.session.flush()


def expense_from_transaction(txn: BankTransaction, *, category: str | None = None) -> Any:
    """Create (once) the expense an outgoing transaction paid for, and match it."""
    from minimin.expenses import services as expense_services
    from minimin.expenses.categories import CATEGORIES

    if txn.amount_pence >= 0:
        raise BankingError(_l("Only money going out can be an expense."))
    codes = {c.code for c in CATEGORIES}
    chosen = category or (txn.category if txn.category in codes else None) or "other"
    if chosen not in codes:
        raise BankingError(_l("Choose an expense category."), "category")
    amount = txn.open_pence
    if amount <= 0:
        raise BankingError(_l("This transaction is already fully matched."))
    try:
        expense = expense_services.create_expense(
            txn.user_id,
            date=txn.posted_on,
            amount_pence=amount,
            currency=txn.currency,
            supplier=(txn.counterparty or txn.description)[:200],
            description=txn.description[:500] or txn.counterparty[:500],
            category=chosen,
            payment_method="bank_transfer",
            source="bank",
            external_ref=str(txn.id),
        )
    except expense_services.ExpenseError as exc:
        raise BankingError(exc.args[0] if exc.args else str(exc)) from exc
    already = any(m.kind == MATCH_EXPENSE and m.target_id == expense.id for m in txn.matches)
    if not already:
        accept(
            txn,
            [
                Allocation(
                    MATCH_EXPENSE, expense.id, amount, str(_l("created from this transaction"))
                )
            ],
        )
    if txn.category is None:
        txn.category = chosen
        txn.category_source = CATEGORY_BY_USER
        db.session.flush()
    return expense


def _pounds(pence: int, currency: str) -> str:
    from minimin.core.money import Money, format_money

    return format_money(Money.from_pence(pence, currency))


# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class AccountSummary:
    account_id: uuid.UUID
    currency: str
    count: int
    money_in_pence: int
    money_out_pence: int


def unreconciled_summary(user_id: uuid.UUID) -> dict[uuid.UUID, AccountSummary]:
    """Per account: how many transactions are open, and their open money in and out."""
    open_part = sa.func.abs(BankTransaction.amount_pence) - BankTransaction.reconciled_pence
    rows = db.session.execute(
        sa.select(
            BankTransaction.bank_account_id,
            BankTransaction.currency,
            sa.func.count(BankTransaction.id),
            sa.func.coalesce(
                sa.func.sum(sa.case((BankTransaction.amount_pence > 0, open_part), else_=0)), 0
            ),
            sa.func.coalesce(
                sa.func.sum(sa.case((BankTransaction.amount_pence < 0, open_part), else_=0)), 0
            ),
        )
        .where(
            BankTransaction.user_id == user_id,
            BankTransaction.reconciliation.in_((UNRECONCILED, PART)),
        )
        .group_by(BankTransaction.bank_account_id, BankTransaction.currency)
    )
    return {r[0]: AccountSummary(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows}


def unreconciled_page(
    user_id: uuid.UUID,
    *,
    account_id: uuid.UUID | None = None,
    direction: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[BankTransaction], int]:
    query = sa.select(BankTransaction).where(
        BankTransaction.user_id == user_id, BankTransaction.reconciliation.in_((UNRECONCILED, PART))
    )
    if account_id is not None:
        query = query.where(BankTransaction.bank_account_id == account_id)
    if direction == "in":
        query = query.where(BankTransaction.amount_pence > 0)
    elif direction == "out":
        query = query.where(BankTransaction.amount_pence < 0)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(BankTransaction.posted_on.desc(), BankTransaction.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), int(total)
