"""Remittance services: entering, matching, posting, and what agencies still owe.

Services add and flush, never commit (DESIGN.md rule 3). Every function takes or checks the
owner's ``user_id``.

Public API:

* :func:`create_remittance`, :func:`update_remittance`, :func:`delete_remittance` — a draft
  from :class:`RemittanceInput` (manual entry or an import);
* :func:`analyse` — the three-way match of a remittance: job and deposit suggestions and the
  discrepancies (:mod:`minimin.remittances.matching`);
* :func:`save_match` — the user's choice of job per line and of the bank deposit (-> matched);
* :func:`post_remittance` — records the gross income (:class:`AgencyIncome`), the commission
  and its VAT as an expense, marks the jobs paid and reconciles the bank deposit; idempotent;
* :func:`owed_by_agencies` — "agency owes you": completed agency jobs not yet remitted, with
  the expected net and age, totals per agency (for the dashboard too);
* :func:`agency_income_pence` — income recorded from remittances in a date range (reports).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from minimin.banking.models import (
    IGNORED,
    MATCH_REMITTANCE,
    RECONCILED,
    BankMatch,
    BankTransaction,
)
from minimin.contacts.models import Agency
from minimin.core.dates import uk_today
from minimin.core.db import utcnow
from minimin.extensions import db
from minimin.jobs import models as job_models
from minimin.jobs import services as job_services
from minimin.jobs.models import Job
from minimin.remittances import matching
from minimin.remittances.models import (
    DESCRIPTION_MAX,
    DRAFT,
    KINDS,
    MATCHED,
    MAX_LINES,
    MAX_PENCE,
    POSTED,
    REFERENCE_MAX,
    SELF_BILLED,
    AgencyIncome,
    Remittance,
    RemittanceLine,
)


class RemittanceError(ValueError):
    """A change that cannot be made; ``message`` is shown to the user, ``field`` names the
    form field when there is one."""

    def __init__(self, message: Any, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class LineInput:
    reference: str = ""
    description: str = ""
    work_date: dt.date | None = None
    gross_pence: int = 0
    fee_vat_pence: int = 0
    commission_pence: int = 0
    commission_vat_pence: int = 0
    expenses_pence: int = 0
    net_pence: int = 0
    job_id: uuid.UUID | None = None


@dataclass
class RemittanceInput:
    agency_id: uuid.UUID
    date: dt.date
    kind: str = "advice"
    reference: str = ""
    agency_invoice_number: str = ""
    #: The total net the document states; ``None`` takes the sum of the lines.
    total_net_pence: int | None = None
    currency: str = "GBP"
    lines: list[LineInput] = field(default_factory=list)
    source_file_id: uuid.UUID | None = None


# --------------------------------------------------------------------------- entering


def _check_pence(value: int, what: Any, *, negative_ok: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RemittanceError(_l("%(what)s: enter an amount.", what=what))
    if value < 0 and not negative_ok:
        raise RemittanceError(_l("%(what)s must be zero or more.", what=what))
    if abs(value) > MAX_PENCE:
        raise RemittanceError(_l("%(what)s is too large.", what=what))


def _owned_agency(user_id: uuid.UUID, agency_id: uuid.UUID | None) -> Agency:
    agency = (
        db.session.scalar(
            sa.select(Agency).where(Agency.id == agency_id, Agency.user_id == user_id)
        )
        if agency_id
        else None
    )
    if agency is None:
        raise RemittanceError(_l("Choose one of your agencies."), "agency_id")
    return agency


def _owned_job_ids(user_id: uuid.UUID, ids: Iterable[uuid.UUID | None]) -> None:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return
    found = set(
        db.session.scalars(sa.select(Job.id).where(Job.id.in_(wanted), Job.user_id == user_id))
    )
    if found != wanted:
        raise RemittanceError(_l("Choose one of your own jobs."))


def _check_text(value: str, limit: int, what: Any) -> str:
    from minimin.core.forms import check_text

    value = (value or "").strip()
    problem = check_text(value)
    if problem:
        raise RemittanceError(f"{what}: {problem}")
    if len(value) > limit:
        raise RemittanceError(_l("%(what)s: use at most %(n)d characters.", what=what, n=limit))
    return value


def _apply(remittance: Remittance, user_id: uuid.UUID, data: RemittanceInput) -> None:
    if remittance.status == POSTED:
        raise RemittanceError(_l("A posted remittance is a record and cannot be changed."))
    agency = _owned_agency(user_id, data.agency_id)
    if data.kind not in KINDS:
        raise RemittanceError(_l("Choose the kind of document."), "kind")
    if not data.lines:
        raise RemittanceError(_l("Add at least one line."))
    if len(data.lines) > MAX_LINES:
        raise RemittanceError(_l("A remittance can have at most %(n)d lines.", n=MAX_LINES))
    if not 1900 <= data.date.year <= 2100:
        raise RemittanceError(_l("Enter a year between 1900 and 2100."), "date")
    for number, line in enumerate(data.lines, start=1):
        what = _l("Line %(n)d", n=number)
        for name in ("gross_pence", "fee_vat_pence", "commission_pence", "commission_vat_pence"):
            _check_pence(getattr(line, name), what)
        _check_pence(line.expenses_pence, what, negative_ok=True)
        _check_pence(line.net_pence, what, negative_ok=True)
        line.reference = _check_text(line.reference, REFERENCE_MAX, what)
        line.description = _check_text(line.description, DESCRIPTION_MAX, what)
    _owned_job_ids(user_id, (line.job_id for line in data.lines))
    total = data.total_net_pence
    if total is None:
        total = sum(line.net_pence for line in data.lines)
    _check_pence(total, _l("The total net"))
    if data.source_file_id is not None:
        from minimin.files.models import StoredFile

        owner = db.session.scalar(
            sa.select(StoredFile.user_id).where(StoredFile.id == data.source_file_id)
        )
        if owner != user_id:
            raise RemittanceError(_l("That file does not exist."))
        remittance.source_file_id = data.source_file_id

    remittance.agency_id = agency.id
    remittance.kind = data.kind
    remittance.date = data.date
    remittance.reference = _check_text(data.reference, REFERENCE_MAX, _l("Reference")) or None
    number = _check_text(data.agency_invoice_number, REFERENCE_MAX, _l("Invoice number"))
    remittance.agency_invoice_number = (number or None) if data.kind == SELF_BILLED else None
    if data.kind == SELF_BILLED and not number:
        raise RemittanceError(
            _l("Enter the agency's invoice number of the self-billed invoice."),
            "agency_invoice_number",
        )
    remittance.currency = data.currency
    remittance.total_net_pence = total
    # Changing the figures of a matched remittance means the match must be confirmed again.
    remittance.status = DRAFT
    remittance.matched_at = None
    remittance.lines.clear()
    db.session.flush()
    for position, line in enumerate(data.lines):
        remittance.lines.append(
            RemittanceLine(
                user_id=user_id,
                position=position,
                job_id=line.job_id,
                reference=line.reference or None,
                description=line.description or None,
                work_date=line.work_date,
                gross_pence=line.gross_pence,
                fee_vat_pence=line.fee_vat_pence,
                commission_pence=line.commission_pence,
                commission_vat_pence=line.commission_vat_pence,
                expenses_pence=line.expenses_pence,
                net_pence=line.net_pence,
            )
        )
    db.session.flush()


def create_remittance(user_id: uuid.UUID, data: RemittanceInput) -> Remittance:
    """A new draft remittance; raises :class:`RemittanceError` (nothing added) when refused."""
    remittance = Remittance(user_id=user_id, status=DRAFT)
    with db.session.no_autoflush:
        _apply(remittance, user_id, data)
    db.session.add(remittance)
    db.session.flush()
    return remittance


def update_remittance(remittance: Remittance, data: RemittanceInput) -> Remittance:
    """Replace the fields and lines of a draft or matched remittance (it becomes a draft)."""
    _apply(remittance, remittance.user_id, data)
    db.session.flush()
    return remittance


def delete_remittance(remittance: Remittance) -> None:
    if remittance.status == POSTED:
        raise RemittanceError(_l("A posted remittance is a record and cannot be deleted."))
    db.session.delete(remittance)
    db.session.flush()


def load_remittance(user_id: uuid.UUID, remittance_id: uuid.UUID) -> Remittance | None:
    return db.session.scalar(
        sa.select(Remittance).where(Remittance.id == remittance_id, Remittance.user_id == user_id)
    )


def list_remittances(user_id: uuid.UUID, status: str | None = None) -> list[Remittance]:
    query = sa.select(Remittance).where(Remittance.user_id == user_id)
    if status:
        query = query.where(Remittance.status == status)
    return list(
        db.session.scalars(query.order_by(Remittance.date.desc(), Remittance.created_at.desc()))
    )


def self_billing_warning(agency: Agency, kind: str, on: dt.date | None = None) -> Any | None:
    """Why a self-billed statement from *agency* needs a look, or None.

    Self-billing needs a written agreement (VAT Notice 700/62), normally reviewed every 12
    months: the agency's record says whether one is on file and when it is due for review."""
    if kind != SELF_BILLED:
        return None
    if not agency.self_billing:
        return _l(
            "There is no self-billing agreement with %(agency)s on record. An agency may issue "
            "invoices on your behalf only under a written agreement: record it on the agency's "
            "page.",
            agency=agency.name,
        )
    if agency.self_billing_review_date and agency.self_billing_review_date < (on or uk_today()):
        return _l(
            "The self-billing agreement with %(agency)s was due for review on %(date)s.",
            agency=agency.name,
            date=agency.self_billing_review_date.strftime("%d/%m/%Y"),
        )
    return None


# --------------------------------------------------------------------------- matching

#: Job statuses a remittance line may be matched to.
MATCHABLE_STATUSES = (
    job_models.CONFIRMED,
    job_models.COMPLETED,
    job_models.INVOICED,
    job_models.CANCELLED,
)


def candidate_jobs(remittance: Remittance) -> list[Job]:
    """The agency's jobs a line could be for: open ones, plus those already chosen."""
    chosen = [line.job_id for line in remittance.lines if line.job_id]
    condition = sa.and_(
        Job.agency_id == remittance.agency_id,
        Job.status.in_(MATCHABLE_STATUSES),
        Job.currency == remittance.currency,
    )
    if chosen:
        condition = sa.or_(condition, Job.id.in_(chosen))
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.user_id == remittance.user_id, condition)
            .order_by(Job.starts_on.desc().nulls_last(), Job.title)
            .limit(500)
            .options(selectinload(Job.fee_lines), selectinload(Job.dates))
        )
    )


def candidate_deposits(remittance: Remittance) -> list[BankTransaction]:
    """Incoming bank transactions in the deposit window that are still open (or chosen)."""
    first, last = matching.deposit_window(remittance.date)
    claimed = (
        sa.select(Remittance.bank_transaction_id)
        .where(
            Remittance.user_id == remittance.user_id,
            Remittance.id != remittance.id,
            Remittance.bank_transaction_id.is_not(None),
        )
        .scalar_subquery()
    )
    condition = sa.and_(
        BankTransaction.amount_pence > 0,
        BankTransaction.posted_on >= first,
        BankTransaction.posted_on <= last,
        BankTransaction.currency == remittance.currency,
        BankTransaction.reconciliation.not_in((RECONCILED, IGNORED)),
        BankTransaction.id.not_in(claimed),
    )
    if remittance.bank_transaction_id:
        condition = sa.or_(condition, BankTransaction.id == remittance.bank_transaction_id)
    return list(
        db.session.scalars(
            sa.select(BankTransaction)
            .where(BankTransaction.user_id == remittance.user_id, condition)
            .order_by(BankTransaction.posted_on, BankTransaction.id)
            .limit(500)
        )
    )


def agreed_commission_percent(job: Job, agency: Agency | None) -> Decimal:
    """The job's own commission rate (its override), else the agency's for the kind of work."""
    if job.commission_percent is not None:
        return Decimal(job.commission_percent)
    if agency is not None:
        return agency.commission_rate_for(job.kind_of_work)
    return Decimal(0)


def job_in(job: Job, agency: Agency | None) -> matching.JobIn:
    totals = job_services.job_totals(job, vat_registered=False)
    return matching.JobIn(
        id=job.id,
        title=job.title,
        days=tuple(d.day for d in job.dates),
        gross_pence=totals.fees.pence,
        commission_percent=agreed_commission_percent(job, agency),
        commission_vat=bool(job.commission_vat),
        vat_percent=totals.vat_percent,
    )


def _line_in(line: RemittanceLine, job_id: uuid.UUID | None = None) -> matching.LineIn:
    return matching.LineIn(
        index=line.position,
        reference=line.reference or "",
        description=line.description or "",
        work_date=line.work_date,
        gross_pence=line.gross_pence,
        fee_vat_pence=line.fee_vat_pence,
        commission_pence=line.commission_pence,
        commission_vat_pence=line.commission_vat_pence,
        expenses_pence=line.expenses_pence,
        net_pence=line.net_pence,
        job_id=job_id if job_id is not None else line.job_id,
    )


def _deposit_in(txn: BankTransaction) -> matching.DepositIn:
    text = " ".join((txn.description or "", txn.counterparty or "", txn.reference or ""))
    return matching.DepositIn(txn.id, txn.posted_on, txn.amount_pence, text)


@dataclass
class Analysis:
    """The three-way match of one remittance, for its page."""

    jobs: list[Job]
    deposits: list[BankTransaction]
    job_suggestions: dict[int, matching.JobSuggestion]
    deposit_suggestions: list[matching.DepositSuggestion]
    discrepancies: list[matching.Discrepancy]
    #: line position -> the job chosen, else the suggestion
    proposed_jobs: dict[int, uuid.UUID | None]
    proposed_deposit: uuid.UUID | None
    self_billing_warning: Any | None

    @property
    def blocking(self) -> list[matching.Discrepancy]:
        return [d for d in self.discrepancies if d.blocking]


def analyse(remittance: Remittance) -> Analysis:
    """Suggest a job for each line and the bank deposit; list the discrepancies of the
    remittance as it stands (chosen jobs and deposit, else the suggestions)."""
    agency = remittance.agency
    jobs = candidate_jobs(remittance)
    jobs_in = {job.id: job_in(job, agency) for job in jobs}
    unmatched = [j for j in jobs_in.values() if j.id not in {ln.job_id for ln in remittance.lines}]
    open_lines = [_line_in(line) for line in remittance.lines if line.job_id is None]
    suggestions = matching.suggest_jobs(open_lines, unmatched)
    proposed = {
        line.position: line.job_id
        or (suggestions[line.position].job_id if line.position in suggestions else None)
        for line in remittance.lines
    }
    deposits = candidate_deposits(remittance)
    words = [agency.name, remittance.reference or "", remittance.agency_invoice_number or ""]
    deposit_suggestions = matching.suggest_deposits(
        remittance.total_net_pence,
        remittance.date,
        [_deposit_in(t) for t in deposits],
        words=words,
    )
    proposed_deposit = remittance.bank_transaction_id
    if proposed_deposit is None and deposit_suggestions and deposit_suggestions[0].exact:
        proposed_deposit = deposit_suggestions[0].deposit_id
    by_id = {t.id: t for t in deposits}
    deposit = by_id.get(proposed_deposit) if proposed_deposit else None
    discrepancies = matching.find_discrepancies(
        [_line_in(line, proposed[line.position]) for line in remittance.lines],
        jobs_in,
        total_net_pence=remittance.total_net_pence,
        deposit=_deposit_in(deposit) if deposit is not None else None,
    )
    return Analysis(
        jobs=jobs,
        deposits=deposits,
        job_suggestions=suggestions,
        deposit_suggestions=deposit_suggestions,
        discrepancies=discrepancies,
        proposed_jobs=proposed,
        proposed_deposit=proposed_deposit,
        self_billing_warning=self_billing_warning(agency, remittance.kind, remittance.date),
    )


def save_match(
    remittance: Remittance,
    job_ids: dict[int, uuid.UUID | None],
    bank_transaction_id: uuid.UUID | None,
) -> Remittance:
    """Record the job of each line (by position) and the bank deposit; the remittance becomes
    ``matched``. Jobs must be the user's and the agency's, a job on one line only; the deposit
    must be one of :func:`candidate_deposits`."""
    if remittance.status == POSTED:
        raise RemittanceError(_l("This remittance has been posted: its match cannot change."))
    chosen = [j for j in job_ids.values() if j is not None]
    if len(chosen) != len(set(chosen)):
        raise RemittanceError(_l("A job can be paid by one line only: choose it once."))
    allowed_jobs = {job.id for job in candidate_jobs(remittance)}
    if any(j not in allowed_jobs for j in chosen):
        raise RemittanceError(_l("Choose one of this agency's open jobs."))
    if bank_transaction_id is not None:
        allowed = {t.id for t in candidate_deposits(remittance)}
        if bank_transaction_id not in allowed:
            raise RemittanceError(
                _l("Choose an incoming bank transaction from the list."), "bank_transaction_id"
            )
    for line in remittance.lines:
        line.job_id = job_ids.get(line.position)
    remittance.bank_transaction_id = bank_transaction_id
    remittance.status = MATCHED
    remittance.matched_at = utcnow()
    db.session.flush()
    return remittance


# --------------------------------------------------------------------------- posting


@dataclass
class PostResult:
    remittance: Remittance
    incomes: list[AgencyIncome]
    expense_ids: list[uuid.UUID]
    jobs_paid: list[uuid.UUID]
    already_posted: bool = False


def _reconcile_deposit(remittance: Remittance, txn: BankTransaction) -> None:
    """Link the deposit to the remittance as a reconciliation match (once), through the
    banking service, which updates the transaction's reconciled amount and state."""
    existing = db.session.scalar(
        sa.select(BankMatch).where(
            BankMatch.transaction_id == txn.id,
            BankMatch.kind == MATCH_REMITTANCE,
            BankMatch.target_id == remittance.id,
        )
    )
    if existing is not None:
        return
    amount = min(remittance.total_net_pence, txn.open_pence)
    if amount <= 0:
        return
    from minimin.banking import services as banking_services

    reason = str(_l("Agency remittance %(ref)s", ref=remittance.reference or remittance.date))
    try:
        banking_services.record_match(
            txn,
            kind=MATCH_REMITTANCE,
            target_id=remittance.id,
            amount_pence=amount,
            reason=reason[:300],
        )
    except banking_services.BankingError as exc:
        raise RemittanceError(_l("The bank deposit: %(e)s", e=str(exc))) from exc
    if txn.agency_id is None:
        txn.agency_id = remittance.agency_id


def post_remittance(remittance: Remittance, *, confirmed: bool = False) -> PostResult:
    """Post a matched remittance in the current transaction.

    Records, per line, the gross fee (plus expenses reimbursed) as :class:`AgencyIncome` on the
    day the money arrived; the commission and its VAT as an expense (SA103F box 28, paid by
    deduction, ``external_ref="remittance:<id>:<line id>"``); marks the lines' jobs paid
    (through :mod:`minimin.jobs.services`: a job not yet invoiced is first marked invoiced, the
    remittance standing as its invoice); and reconciles the bank deposit.

    Posting again changes nothing. Refuses (nothing written) a remittance that is not matched,
    whose figures do not add up, or — unless *confirmed* — that has other discrepancies.
    """
    from minimin.expenses.categories import COMMISSION
    from minimin.expenses.services import ExpenseError, create_expense

    if remittance.status == POSTED:
        return PostResult(remittance, [], [], [], already_posted=True)
    if remittance.status != MATCHED:
        raise RemittanceError(_l("Confirm the jobs and the bank deposit before posting."))
    analysis = analyse(remittance)
    if analysis.blocking:
        raise RemittanceError(_l("Some lines do not add up: correct the figures before posting."))
    if analysis.discrepancies and not confirmed:
        raise RemittanceError(
            _l("Tick the box to confirm you have checked the differences listed."), "confirm"
        )
    user_id = remittance.user_id
    jobs = {
        job.id: job
        for job in db.session.scalars(
            sa.select(Job).where(
                Job.user_id == user_id,
                Job.id.in_([ln.job_id for ln in remittance.lines if ln.job_id]),
            )
        )
    }
    for job in jobs.values():
        if job.status not in (*MATCHABLE_STATUSES, job_models.PAID):
            raise RemittanceError(
                _l(
                    "The job “%(title)s” is %(status)s: confirm it first.",
                    title=job.title,
                    status=job.status_label,
                )
            )
    txn = None
    if remittance.bank_transaction_id:
        txn = db.session.scalar(
            sa.select(BankTransaction)
            .where(
                BankTransaction.id == remittance.bank_transaction_id,
                BankTransaction.user_id == user_id,
            )
            .with_for_update()
        )
    received_on = txn.posted_on if txn is not None else remittance.date
    agency = remittance.agency
    incomes: list[AgencyIncome] = []
    expense_ids: list[uuid.UUID] = []
    for line in remittance.lines:
        job = jobs.get(line.job_id) if line.job_id else None
        label = (
            line.label or (job.title if job else "") or str(_l("line %(n)d", n=line.position + 1))
        )
        expense_id = None
        deducted = line.commission_pence + line.commission_vat_pence
        if deducted > 0:
            try:
                expense = create_expense(
                    user_id,
                    date=remittance.date,
                    supplier=agency.name[:200],
                    description=str(_l("Agency commission: %(what)s", what=label))[:500],
                    category=COMMISSION,
                    amount_pence=deducted,
                    currency=remittance.currency,
                    vat_pence=line.commission_vat_pence,
                    vat_treatment="standard" if line.commission_vat_pence else "none",
                    payment_method="deducted",
                    job_id=line.job_id,
                    source="remittance",
                    external_ref=f"remittance:{remittance.id}:{line.id}",
                )
            except ExpenseError as exc:
                raise RemittanceError(exc.message) from exc
            expense_id = expense.id
            expense_ids.append(expense.id)
        existing = db.session.scalar(
            sa.select(AgencyIncome).where(AgencyIncome.remittance_line_id == line.id)
        )
        if existing is None:
            income = AgencyIncome(
                user_id=user_id,
                remittance_id=remittance.id,
                remittance_line_id=line.id,
                job_id=line.job_id,
                agency_id=remittance.agency_id,
                received_on=received_on,
                currency=remittance.currency,
                income_pence=line.gross_pence + line.expenses_pence,
                gross_fee_pence=line.gross_pence,
                expenses_pence=line.expenses_pence,
                output_vat_pence=line.fee_vat_pence,
                commission_pence=line.commission_pence,
                commission_vat_pence=line.commission_vat_pence,
                net_pence=line.net_pence,
                expense_id=expense_id,
            )
            db.session.add(income)
            incomes.append(income)
    paid: list[uuid.UUID] = []
    now = utcnow()
    for job in jobs.values():
        if job.status == job_models.PAID:
            continue
        if job.status != job_models.INVOICED:
            job_services.mark_invoiced(user_id, job.id, invoice_id=None, at=now)
        job_services.mark_paid(user_id, job.id, at=now)
        paid.append(job.id)
    if txn is not None:
        _reconcile_deposit(remittance, txn)
    remittance.status = POSTED
    remittance.posted_at = now
    db.session.flush()
    return PostResult(remittance, incomes, expense_ids, paid)


def agency_income_pence(
    user_id: uuid.UUID, start: dt.date, end: dt.date, currency: str = "GBP"
) -> int:
    """Turnover from posted remittances received from *start* to *end* inclusive."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(AgencyIncome.income_pence), 0)).where(
            AgencyIncome.user_id == user_id,
            AgencyIncome.currency == currency,
            AgencyIncome.received_on >= start,
            AgencyIncome.received_on <= end,
        )
    )
    return int(total or 0)


# --------------------------------------------------------------------------- agency owes you

#: Statuses of a job that is done and waiting for the agency's money.
OWED_STATUSES = (job_models.COMPLETED, job_models.INVOICED)


@dataclass
class OwedJob:
    job: Job
    expected_net_pence: int
    gross_pence: int
    age_days: int
    currency: str


@dataclass
class AgencyOwed:
    agency_id: uuid.UUID
    agency_name: str
    jobs: list[OwedJob]
    #: Expected net per currency.
    totals: dict[str, int]
    oldest_days: int


def owed_by_agencies(user_id: uuid.UUID, today: dt.date | None = None) -> list[AgencyOwed]:
    """Completed (or invoiced) agency jobs with no posted remittance line, with the expected
    net (:func:`minimin.jobs.commission.calculate` via the job's terms) and the age in days
    since the job's last day; grouped by agency, largest total first."""
    today = today or uk_today()
    remitted = (
        sa.select(RemittanceLine.job_id)
        .join(Remittance, Remittance.id == RemittanceLine.remittance_id)
        .where(
            RemittanceLine.user_id == user_id,
            Remittance.status == POSTED,
            RemittanceLine.job_id.is_not(None),
        )
    )
    jobs = list(
        db.session.scalars(
            sa.select(Job)
            .where(
                Job.user_id == user_id,
                Job.agency_id.is_not(None),
                Job.status.in_(OWED_STATUSES),
                Job.id.not_in(remitted),
            )
            .order_by(Job.ends_on.asc().nulls_last(), Job.title)
            .options(selectinload(Job.fee_lines), selectinload(Job.agency))
        )
    )
    registered = job_services.freelancer_vat_registered(user_id)
    groups: dict[uuid.UUID, AgencyOwed] = {}
    for job in jobs:
        totals = job_services.job_totals(job, vat_registered=registered)
        ended = job.ends_on or job.starts_on or today
        age = max(0, (today - ended).days)
        owed = OwedJob(job, totals.net_paid.pence, totals.gross.pence, age, job.currency)
        assert job.agency_id is not None
        group = groups.get(job.agency_id)
        if group is None:
            name = job.agency.name if job.agency is not None else ""
            group = groups[job.agency_id] = AgencyOwed(job.agency_id, name, [], {}, 0)
        group.jobs.append(owed)
        group.totals[job.currency] = group.totals.get(job.currency, 0) + owed.expected_net_pence
        group.oldest_days = max(group.oldest_days, age)
    return sorted(groups.values(), key=lambda g: (-sum(g.totals.values()), g.agency_name))


def owed_totals(groups: Sequence[AgencyOwed]) -> dict[str, int]:
    """Grand total expected per currency over *groups*."""
    result: dict[str, int] = {}
    for group in groups:
        for currency, pence in group.totals.items():
            result[currency] = result.get(currency, 0) + pence
    return result
