"""The accountant export: one ZIP per tax year with CSVs of every record, every invoice and
credit note PDF, every receipt, the tax-year report and a README explaining each file.

Built in the background (``minimin.reports.build_export``) into a temporary file, one member
at a time: rows are read from the database in batches and files are copied from storage in
chunks, so memory stays flat however large the account. The finished ZIP goes to storage;
the job row keeps its key and the progress the status page shows.

"Share with my accountant" emails the accountant on the business profile a link that works
for 7 days and opens only this export (the token is stored hashed; every share and download
is in the audit log).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from minimin.accounts.models import User
from minimin.banking.models import BankAccount, BankTransaction
from minimin.business.models import BusinessProfile
from minimin.core import csvsafe
from minimin.core.audit import record as audit
from minimin.core.crypto import hash_token, new_token
from minimin.core.dates import TaxYear, uk_today
from minimin.core.db import utcnow
from minimin.core.mail import queue_email
from minimin.core.storage import StorageError, storage
from minimin.core.user_error import CONFLICT, UserError
from minimin.expenses.models import Expense, ExpenseReceipt, Journey
from minimin.extensions import db
from minimin.files.models import StoredFile
from minimin.invoices.models import DRAFT, CreditNote, Invoice, Payment, Refund
from minimin.jobs.models import Job
from minimin.ledger import export as journal
from minimin.remittances.models import AgencyIncome, Remittance
from minimin.reports.inputs import ExportInput
from minimin.reports.tax_models import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    ExportJob,
    ExportShare,
)

log = logging.getLogger(__name__)

SHARE_DAYS = 7
BATCH = 500
#: Oldest exports kept per user (older ZIPs are deleted from storage).
KEEP_EXPORTS = 5


class ExportError(UserError):
    """An export that cannot be made."""


# --------------------------------------------------------------------------- starting


#: How many tax years back an export may be made: the records a sole trader keeps (five
#: years after the filing deadline) and the current year.
YEARS_OFFERED = 7


def offered_years(today: dt.date) -> list[TaxYear]:
    """The tax years an export may be made of, the current one first."""
    current = TaxYear.containing(today)
    return [current - n for n in range(YEARS_OFFERED)]


def exports_since(user_id: uuid.UUID, since: dt.datetime) -> int:
    """How many exports the user has started since *since* (each reads a whole year)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ExportJob)
            .where(ExportJob.user_id == user_id, ExportJob.created_at >= since)
        )
        or 0
    )


def start_export(user_id: uuid.UUID, data: ExportInput) -> ExportJob:
    """Queue an export of one of the :func:`offered_years`; the build starts after the request
    commits."""
    from minimin.core.tasks import enqueue
    from minimin.reports.export_tasks import build_export

    if data.tax_year not in offered_years(uk_today()):
        raise ExportError(_l("Choose one of the tax years offered."), "tax_year")
    job = ExportJob(user_id=user_id, tax_year=data.tax_year.start_year, status=QUEUED)
    db.session.add(job)
    db.session.flush()
    enqueue(build_export, str(job.id))
    return job


# --------------------------------------------------------------------------- the CSVs


@dataclass(frozen=True)
class CsvSpec:
    name: str
    description: str
    header: tuple[str, ...]
    rows: Callable[[uuid.UUID, dt.date, dt.date], Iterator[tuple[Any, ...]]]


def _stream(statement: Any) -> Iterator[tuple[Any, ...]]:
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    for row in result:
        yield tuple(row)


def _pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}{whole}.{part:02d}"


def _money_row(row: tuple[Any, ...], money_columns: set[int]) -> tuple[Any, ...]:
    return tuple(_pounds(v) if i in money_columns else v for i, v in enumerate(row))


def _jobs(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            Job.id,
            Job.title,
            Job.status,
            Job.starts_on,
            Job.ends_on,
            Job.currency,
            Job.gross_pence,
            Job.commission_pence,
            Job.vat_on_commission_pence,
            Job.net_pence,
            Job.location,
            Job.kind_of_work,
        )
        .where(
            Job.user_id == user_id,
            sa.func.coalesce(Job.starts_on, Job.ends_on) >= start,
            sa.func.coalesce(Job.starts_on, Job.ends_on) <= end,
        )
        .order_by(Job.starts_on, Job.id)
    )
    for row in _stream(statement):
        yield _money_row(row, {6, 7, 8, 9})


def _invoices(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            Invoice.number,
            Invoice.status,
            Invoice.issue_date,
            Invoice.tax_point,
            Invoice.due_date,
            Invoice.customer_name,
            Invoice.currency,
            Invoice.exchange_rate,
            Invoice.net_pence,
            Invoice.vat_pence,
            Invoice.total_pence,
            Invoice.vat_gbp_pence,
            Invoice.paid_pence,
            Invoice.credited_pence,
        )
        .where(
            Invoice.user_id == user_id,
            Invoice.status != DRAFT,
            Invoice.issue_date >= start,
            Invoice.issue_date <= end,
        )
        .order_by(Invoice.sequence)
    )
    for row in _stream(statement):
        yield _money_row(row, {8, 9, 10, 11, 12, 13})


def _credit_notes(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            CreditNote.number,
            Invoice.number,
            CreditNote.issue_date,
            CreditNote.reason,
            CreditNote.currency,
            CreditNote.net_pence,
            CreditNote.vat_pence,
            CreditNote.total_pence,
        )
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(
            CreditNote.user_id == user_id,
            CreditNote.issue_date >= start,
            CreditNote.issue_date <= end,
        )
        .order_by(CreditNote.sequence)
    )
    for row in _stream(statement):
        yield _money_row(row, {5, 6, 7})


def _payments(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            Payment.paid_on,
            Invoice.number,
            Invoice.customer_name,
            Payment.currency,
            Payment.amount_pence,
            Payment.method,
            Payment.reference,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.user_id == user_id, Payment.paid_on >= start, Payment.paid_on <= end)
        .order_by(Payment.paid_on, Payment.id)
    )
    for row in _stream(statement):
        yield _money_row(row, {4})


def _refunds(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            Refund.refunded_on,
            Invoice.number,
            CreditNote.number,
            Invoice.customer_name,
            Refund.currency,
            Refund.amount_pence,
            Refund.method,
            Refund.note,
        )
        .join(Invoice, Invoice.id == Refund.invoice_id)
        .outerjoin(CreditNote, CreditNote.id == Refund.credit_note_id)
        .where(Refund.user_id == user_id, Refund.refunded_on >= start, Refund.refunded_on <= end)
        .order_by(Refund.refunded_on, Refund.id)
    )
    for row in _stream(statement):
        yield _money_row(row, {5})


def _agency_income(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            AgencyIncome.received_on,
            Remittance.reference,
            Remittance.kind,
            AgencyIncome.currency,
            AgencyIncome.gross_fee_pence,
            AgencyIncome.expenses_pence,
            AgencyIncome.output_vat_pence,
            AgencyIncome.commission_pence,
            AgencyIncome.commission_vat_pence,
            AgencyIncome.net_pence,
        )
        .join(Remittance, Remittance.id == AgencyIncome.remittance_id)
        .where(
            AgencyIncome.user_id == user_id,
            AgencyIncome.received_on >= start,
            AgencyIncome.received_on <= end,
        )
        .order_by(AgencyIncome.received_on, AgencyIncome.id)
    )
    for row in _stream(statement):
        yield _money_row(row, {4, 5, 6, 7, 8, 9})


def _expenses(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            Expense.date,
            Expense.supplier,
            Expense.description,
            Expense.category,
            Expense.currency,
            Expense.amount_pence,
            Expense.vat_pence,
            Expense.reclaimable_vat_pence,
            Expense.business_percent,
            Expense.business_pence,
            Expense.allowable_pence,
            Expense.payment_method,
            Expense.source,
            Expense.id,
        )
        .where(Expense.user_id == user_id, Expense.date >= start, Expense.date <= end)
        .order_by(Expense.date, Expense.id)
    )
    for row in _stream(statement):
        yield _money_row(row, {5, 6, 7, 9, 10})


def _mileage(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            Journey.date,
            Journey.origin,
            Journey.destination,
            Journey.purpose,
            Journey.miles,
            Journey.vehicle,
        )
        .where(Journey.user_id == user_id, Journey.date >= start, Journey.date <= end)
        .order_by(Journey.date, Journey.id)
    )
    yield from _stream(statement)


def _bank(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    statement = (
        sa.select(
            BankTransaction.posted_on,
            BankAccount.name,
            BankTransaction.description,
            BankTransaction.counterparty,
            BankTransaction.reference,
            BankTransaction.currency,
            BankTransaction.amount_pence,
            BankTransaction.category,
            BankTransaction.reconciliation,
        )
        .join(BankAccount, BankAccount.id == BankTransaction.bank_account_id)
        .where(
            BankTransaction.user_id == user_id,
            BankTransaction.posted_on >= start,
            BankTransaction.posted_on <= end,
        )
        .order_by(BankTransaction.posted_on, BankTransaction.id)
    )
    for row in _stream(statement):
        yield _money_row(row, {6})


def _journal(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    return journal.journal_rows(db.session(), user_id, start, end)


def _trial_balance(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
    return journal.trial_balance_rows(db.session(), user_id, end)


def _general_ledger(
    basis: str,
) -> Callable[[uuid.UUID, dt.date, dt.date], Iterator[tuple[Any, ...]]]:
    def rows(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[tuple[Any, ...]]:
        return journal.general_ledger_rows(db.session(), user_id, start, end, basis)

    return rows


CSVS: tuple[CsvSpec, ...] = (
    CsvSpec(
        "jobs.csv",
        "Jobs starting in the tax year: status, dates, gross fee, agency commission, VAT on "
        "commission and the net expected.",
        (
            "id",
            "title",
            "status",
            "starts_on",
            "ends_on",
            "currency",
            "gross",
            "commission",
            "vat_on_commission",
            "net",
            "location",
            "kind_of_work",
        ),
        _jobs,
    ),
    CsvSpec(
        "invoices.csv",
        "Invoices issued in the tax year (drafts left out): dates, customer, currency, net, "
        "VAT, total, VAT in sterling, amounts paid and credited.",
        (
            "number",
            "status",
            "issue_date",
            "tax_point",
            "due_date",
            "customer",
            "currency",
            "units_per_gbp",
            "net",
            "vat",
            "total",
            "vat_gbp",
            "paid",
            "credited",
        ),
        _invoices,
    ),
    CsvSpec(
        "credit_notes.csv",
        "Credit notes issued in the tax year, with the invoice each one credits.",
        ("number", "invoice_number", "issue_date", "reason", "currency", "net", "vat", "total"),
        _credit_notes,
    ),
    CsvSpec(
        "payments.csv",
        "Payments received against invoices in the tax year (the cash basis income).",
        ("paid_on", "invoice_number", "customer", "currency", "amount", "method", "reference"),
        _payments,
    ),
    CsvSpec(
        "refunds.csv",
        "Money paid back to customers in the tax year against credit notes (on the cash basis "
        "it reduces income on the day it was paid back).",
        (
            "refunded_on",
            "invoice_number",
            "credit_note_number",
            "customer",
            "currency",
            "amount",
            "method",
            "note",
        ),
        _refunds,
    ),
    CsvSpec(
        "agency_income.csv",
        "Income paid through agencies (posted remittances and self-billed statements) "
        "received in the tax year: gross fee (turnover), expenses reimbursed, output VAT, "
        "commission and VAT on it (an expense), and the net paid.",
        (
            "received_on",
            "remittance_reference",
            "kind",
            "currency",
            "gross_fee",
            "expenses_reimbursed",
            "output_vat",
            "commission",
            "commission_vat",
            "net_paid",
        ),
        _agency_income,
    ),
    CsvSpec(
        "expenses.csv",
        "Expenses dated in the tax year: amount paid (VAT included), VAT, VAT reclaimed, "
        "business share, the allowable part, category (SA103F box) and receipt folder id.",
        (
            "date",
            "supplier",
            "description",
            "category",
            "currency",
            "amount",
            "vat",
            "vat_reclaimed",
            "business_percent",
            "business_amount",
            "allowable",
            "payment_method",
            "source",
            "id",
        ),
        _expenses,
    ),
    CsvSpec(
        "mileage.csv",
        "Business journeys in the tax year (simplified expenses: 45p/25p a mile for cars and "
        "vans, 24p for motorcycles).",
        ("date", "from", "to", "purpose", "miles", "vehicle"),
        _mileage,
    ),
    CsvSpec(
        "bank_transactions.csv",
        "Bank statement lines dated in the tax year, with the category and whether each was "
        "reconciled.",
        (
            "posted_on",
            "account",
            "description",
            "counterparty",
            "reference",
            "currency",
            "amount",
            "category",
            "reconciliation",
        ),
        _bank,
    ),
    CsvSpec(
        "journal.csv",
        "The double-entry journal behind every figure: each line dated in the tax year, with "
        "its entry, the document that posted it (kind, id, version; a correction is a reversal "
        "of the entry it replaces), the account, debit and credit, and the basis it counts on "
        "(both, accruals only or cash only).",
        journal.JOURNAL_HEADER,
        _journal,
    ),
    CsvSpec(
        "trial_balance.csv",
        "Every account's balance at the end of the tax year, as a debit or a credit, on the "
        "accruals basis and on the cash basis, with the totals (debits equal credits).",
        journal.TRIAL_BALANCE_HEADER,
        _trial_balance,
    ),
    CsvSpec(
        "general_ledger_accruals.csv",
        "Each sterling account's lines in the tax year on the accruals basis: the balance "
        "brought forward, every line with the running balance, the balance carried forward.",
        journal.GENERAL_LEDGER_HEADER,
        _general_ledger("accruals"),
    ),
    CsvSpec(
        "general_ledger_cash.csv",
        "The same general ledger on the cash basis (income counted when paid).",
        journal.GENERAL_LEDGER_HEADER,
        _general_ledger("cash"),
    ),
)


# --------------------------------------------------------------------------- documents


def _documents(user_id: uuid.UUID, start: dt.date, end: dt.date) -> list[tuple[str, str]]:
    """(archive name, storage key) of every invoice and credit note PDF and every receipt of
    the year. Only keys and names are loaded, never the files."""
    docs: list[tuple[str, str]] = []
    for number, key in db.session.execute(
        sa.select(Invoice.number, Invoice.pdf_key).where(
            Invoice.user_id == user_id,
            Invoice.pdf_key.is_not(None),
            Invoice.issue_date >= start,
            Invoice.issue_date <= end,
        )
    ):
        if key is not None:  # the query asks only for invoices with a PDF
            docs.append((f"invoices/{_safe_name(number or 'invoice')}.pdf", key))
    for number, key in db.session.execute(
        sa.select(CreditNote.number, CreditNote.pdf_key).where(
            CreditNote.user_id == user_id,
            CreditNote.pdf_key.is_not(None),
            CreditNote.issue_date >= start,
            CreditNote.issue_date <= end,
        )
    ):
        if key is not None:  # the query asks only for credit notes with a PDF
            docs.append((f"credit_notes/{_safe_name(number)}.pdf", key))
    for expense_id, day, file_id, filename, key in db.session.execute(
        sa.select(
            Expense.id, Expense.date, StoredFile.id, StoredFile.filename, StoredFile.storage_key
        )
        .join(ExpenseReceipt, ExpenseReceipt.expense_id == Expense.id)
        .join(StoredFile, StoredFile.id == ExpenseReceipt.file_id)
        .where(Expense.user_id == user_id, Expense.date >= start, Expense.date <= end)
        .order_by(Expense.date, Expense.id)
    ):
        ext = os.path.splitext(filename or "")[1].lower()[:6] or ".bin"
        ext = ext if ext[1:].isalnum() else ".bin"
        docs.append((f"receipts/{day.isoformat()}_{expense_id}_{str(file_id)[:8]}{ext}", key))
    return docs


def _safe_name(value: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in value)
    return cleaned[:60] or "document"


def tax_year_report_pdf(user_id: uuid.UUID, tax_year: TaxYear) -> bytes:
    """The tax-year report (cash basis) as the PDF the reports page offers."""
    from flask import render_template

    from minimin.invoices.pdf import render_pdf
    from minimin.reports.tax_year import tax_year_report
    from minimin.reports.views import BASIS_LABELS

    report = tax_year_report(user_id, tax_year)
    html = render_template("reports/tax_year_pdf.html", report=report, basis_labels=BASIS_LABELS)
    return render_pdf(html)


README = """Minimin accountant export: tax year {year} ({start} to {end})
Prepared for: {name}
Created: {created}

Amounts are in pounds and pence with a full stop as the decimal mark; negative numbers
carry a minus sign. Dates are ISO (YYYY-MM-DD, UK dates). A text cell that would start with
=, +, -, @ or a tab is prefixed with an apostrophe so spreadsheets do not treat it as a
formula. Income tax figures are on the cash basis unless the tax-year report says otherwise.

Files
{files}

Folders
- invoices/: the PDF of every invoice issued in the year, exactly as it was sent.
- credit_notes/: the PDF of every credit note issued in the year.
- receipts/: every receipt attached to an expense of the year, named
  <date>_<expense id>_<file>; the expense id matches the "id" column of expenses.csv.
- tax_year_report.pdf: income, expenses by SA103F box and profit for the year{report_note}.
{missing}"""


# --------------------------------------------------------------------------- building


def _write_csv(archive: zipfile.ZipFile, spec: CsvSpec, user_id: uuid.UUID, year: TaxYear) -> int:
    count = 0
    with archive.open(spec.name, "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        out = csvsafe.writer(text)
        out.writerow(spec.header)
        for row in spec.rows(user_id, year.start, year.end):
            out.writerow(row)
            count += 1
        text.flush()
        text.detach()
    return count


def run_export(job_id: uuid.UUID, *, commit: Callable[[], None] | None = None) -> ExportJob | None:
    """Build the ZIP of an export job. Safe to run twice: a finished job is left alone."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status in (DONE, FAILED):
        return job

    def save_progress(percent: int, step: str) -> None:
        job.progress = max(0, min(100, percent))
        job.step = step[:80]
        if commit is not None:
            commit()
        else:
            db.session.flush()

    job.status = RUNNING
    job.started_at = utcnow()
    save_progress(1, "starting")
    user_id = job.user_id
    year = TaxYear(job.tax_year)
    fd, tmp_name = tempfile.mkstemp(prefix="minimin-export-", suffix=".zip")
    os.close(fd)
    try:
        lines: list[str] = []
        missing: list[str] = []
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for index, spec in enumerate(CSVS):
                rows = _write_csv(archive, spec, user_id, year)
                lines.append(f"- {spec.name} ({rows} rows): {spec.description}")
                save_progress(2 + 30 * (index + 1) // len(CSVS), spec.name)
            docs = _documents(user_id, year.start, year.end)
            store = storage()
            for index, (name, key) in enumerate(docs):
                try:
                    with store.open(key) as source, archive.open(name, "w") as target:
                        shutil.copyfileobj(source, target, 64 * 1024)
                except (StorageError, OSError):
                    missing.append(name)
                if index % 50 == 49:
                    save_progress(32 + 60 * (index + 1) // len(docs), "documents")
            report = None
            try:
                report = tax_year_report_pdf(user_id, year)
            except Exception:  # the export is still useful without the report
                log.exception("tax-year report PDF failed for export %s", job.id)
            if report:
                archive.writestr("tax_year_report.pdf", report)
            user = db.session.get(User, user_id)
            readme = README.format(
                year=year.label,
                start=year.start.isoformat(),
                end=year.end.isoformat(),
                name=(user.full_name if user else "") or "",
                created=utcnow().strftime("%Y-%m-%d %H:%M UTC"),
                files="\n".join(lines),
                report_note="" if report else " (not included: no report could be produced)",
                missing=(
                    "\nFiles that could not be read from storage and are missing:\n"
                    + "\n".join(f"- {m}" for m in missing)
                    + "\n"
                    if missing
                    else ""
                ),
            )
            archive.writestr("README.txt", readme)
            job.files_count = len(CSVS) + len(docs) - len(missing) + 1 + (1 if report else 0)
        save_progress(95, "saving")
        with open(tmp_name, "rb") as built:
            job.file_key = storage().save(built, "application/zip")
        job.size_bytes = os.path.getsize(tmp_name)
        job.status = DONE
        job.finished_at = utcnow()
        save_progress(100, "done")
    except Exception:
        log.exception("export %s failed", job_id)
        db.session.rollback()
        failed = db.session.get(ExportJob, job_id)
        if failed is not None:
            failed.status = FAILED
            failed.error = str(_l("The export could not be built. Please try again."))
            failed.finished_at = utcnow()
            if commit is not None:
                commit()
        return failed
    finally:
        os.unlink(tmp_name)
    return job


def download_name(job: ExportJob) -> str:
    return f"minimin-export-{TaxYear(job.tax_year).label.replace('/', '-')}.zip"


def open_zip(job: ExportJob) -> Any:
    if job.status != DONE or not job.file_key:
        raise ExportError(_l("This export is not ready."))
    return storage().open(job.file_key)


# --------------------------------------------------------------------------- sharing


def share(job: ExportJob, actor_id: uuid.UUID) -> ExportShare:
    """Email the accountant on the business profile a 7-day link to *job*'s ZIP."""
    if job.status != DONE:
        raise ExportError(_l("Wait for the export to finish before sharing it."), code=CONFLICT)
    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == job.user_id)
    )
    email = (profile.accountant_email or "").strip() if profile else ""
    if not email:
        raise ExportError(_l("Add your accountant's email address in business settings first."))
    token = new_token()
    link = ExportShare(
        user_id=job.user_id,
        export_job_id=job.id,
        token_hash=hash_token(token),
        recipient=email,
        expires_at=utcnow() + dt.timedelta(days=SHARE_DAYS),
    )
    db.session.add(link)
    db.session.flush()
    user = db.session.get(User, job.user_id)
    queue_email(
        to=email,
        template="export_share",
        context={
            "client_name": user.full_name if user else "",
            "accountant_name": (profile.accountant_name if profile else None) or "",
            "tax_year": TaxYear(job.tax_year).label,
            "link": current_app.config["BASE_URL"] + url_for("tax.export_shared", token=token),
            "expires_at": link.expires_at,
        },
        user_id=job.user_id,
    )
    audit(
        "export.shared",
        user_id=job.user_id,
        actor_id=actor_id,
        subject=job.id,
        detail={"share_id": str(link.id), "tax_year": job.tax_year, "expires_days": SHARE_DAYS},
    )
    return link


def share_for_token(token: str) -> ExportShare | None:
    """The live share for *token* (not expired, not revoked), or None."""
    if not token or len(token) > 200:
        return None
    link = db.session.scalar(
        sa.select(ExportShare).where(ExportShare.token_hash == hash_token(token))
    )
    if link is None or link.revoked_at is not None or link.expires_at <= utcnow():
        return None
    return link


def recent_exports(user_id: uuid.UUID, limit: int = 10) -> list[ExportJob]:
    """The user's latest accountant exports, newest first."""
    return list(
        db.session.scalars(
            sa.select(ExportJob)
            .where(ExportJob.user_id == user_id)
            .order_by(ExportJob.created_at.desc())
            .limit(limit)
        )
    )


def shared_export(link: ExportShare) -> ExportJob | None:
    """The export a live share *link* opens (None if it is gone or not the link owner's)."""
    job = db.session.get(ExportJob, link.export_job_id)
    if job is None or job.user_id != link.user_id:
        return None
    return job


def shares(user_id: uuid.UUID, limit: int = 50) -> list[ExportShare]:
    """The user's accountant links, newest first (live, expired and revoked alike)."""
    return list(
        db.session.scalars(
            sa.select(ExportShare)
            .where(ExportShare.user_id == user_id)
            .order_by(ExportShare.created_at.desc(), ExportShare.id)
            .limit(limit)
        )
    )


def revoke_share(link: ExportShare, actor_id: uuid.UUID) -> bool:
    """Stop *link* working now; False when it was already revoked."""
    if link.revoked_at is not None:
        return False
    link.revoked_at = utcnow()
    audit(
        "export.share_revoked",
        user_id=link.user_id,
        actor_id=actor_id,
        subject=link.export_job_id,
        detail={"share_id": str(link.id)},
    )
    return True


def revoke_all_shares(user_id: uuid.UUID) -> int:
    """Revoke every live link of the user (a password change); returns how many."""
    result = db.session.execute(
        sa.update(ExportShare)
        .where(
            ExportShare.user_id == user_id,
            ExportShare.revoked_at.is_(None),
            ExportShare.expires_at > utcnow(),
        )
        .values(revoked_at=utcnow())
    )
    # A DML statement's result is a CursorResult (rowcount), typed as Result.
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        audit("export.shares_revoked", user_id=user_id, detail={"revoked": count})
    return count


def record_download(link: ExportShare) -> None:
    link.downloads += 1
    link.last_download_at = utcnow()
    audit(
        "export.downloaded_by_accountant",
        user_id=link.user_id,
        subject=link.export_job_id,
        detail={"share_id": str(link.id)},
    )
