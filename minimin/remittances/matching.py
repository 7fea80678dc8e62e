"""Three-way matching: remittance lines <-> jobs <-> the bank deposit, and the discrepancies.

Pure: plain dataclasses in, suggestions and discrepancies out (no Flask request, no database).
Amounts are integer pence in one currency.

* **Lines to jobs.** Each (line, job) pair is scored: the line's reference or description
  naming the job's title (or the first 8 characters of its id), the work date falling on the
  job's dates, the gross equal to the job's expected gross. Pairs are then assigned best first,
  each job to one line at most (a greedy assignment over the few open jobs of one agency).
* **Remittance to deposit.** An incoming bank transaction of exactly the total net, dated from
  :data:`DEPOSIT_DAYS_BEFORE` days before to :data:`DEPOSIT_DAYS_AFTER` days after the
  remittance date; nearest date first, a reference naming the agency or the remittance first
  on a tie. When none has the exact amount, the nearest amount in the window is offered and the
  difference is flagged.
* **Discrepancies**, each with the amounts: a net that does not add up, lines that do not add up
  to the stated total, a commission (or VAT on it) other than the agreed terms, a gross other
  than the job's, a line with no job, no deposit, a deposit that differs from the total.
* **Invoices settled.** A line for a job the user invoiced settles that invoice: a payment of
  what the agency paid for the job before its commission (gross + VAT on the fee + expenses),
  at most what the invoice still owes. Paying less than the invoice bills for the job leaves
  the rest outstanding (a shortfall, never the commission, which the agency deducts from what
  it pays); what the invoice no longer owes is not recorded again (a payment already recorded
  on the invoice, by hand or by a bank match, is taken to be the same money) and is listed.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

#: The bank deposit is looked for from this many days before the remittance date...
DEPOSIT_DAYS_BEFORE = 3
#: ...to this many days after it (agencies pay some days after sending the advice).
DEPOSIT_DAYS_AFTER = 21
#: A score below this is not offered as a job suggestion.
MIN_JOB_SCORE = 3

# Discrepancy codes
NET_DOES_NOT_ADD_UP = "net_does_not_add_up"
TOTAL_DIFFERS = "total_differs"
COMMISSION_RATE = "commission_rate"
COMMISSION_VAT = "commission_vat"
GROSS_DIFFERS = "gross_differs"
MISSING_JOB = "missing_job"
NO_DEPOSIT = "no_deposit"
DEPOSIT_DIFFERS = "deposit_differs"
INVOICE_SHORT = "invoice_short"
INVOICE_UNAPPLIED = "invoice_unapplied"
#: Discrepancies that must be corrected before posting (the document's own figures disagree).
BLOCKING = frozenset({NET_DOES_NOT_ADD_UP})


@dataclass(frozen=True)
class LineIn:
    index: int
    reference: str = ""
    description: str = ""
    work_date: dt.date | None = None
    gross_pence: int = 0
    fee_vat_pence: int = 0
    commission_pence: int = 0
    commission_vat_pence: int = 0
    expenses_pence: int = 0
    net_pence: int = 0
    job_id: uuid.UUID | None = None  # the job chosen by the user, if any

    @property
    def received_pence(self) -> int:
        """What the agency paid for the line before deducting its commission."""
        return self.gross_pence + self.fee_vat_pence + self.expenses_pence

    @property
    def computed_net_pence(self) -> int:
        return (
            self.gross_pence
            + self.fee_vat_pence
            - self.commission_pence
            - self.commission_vat_pence
            + self.expenses_pence
        )


@dataclass(frozen=True)
class JobIn:
    id: uuid.UUID
    title: str
    days: tuple[dt.date, ...] = ()
    #: The job's expected gross fee (fees and agency fee, excluding expenses and VAT).
    gross_pence: int = 0
    #: The agreed commission percentage (the job's own terms, else the agency's for the kind).
    commission_percent: Decimal = Decimal(0)
    #: Whether the agency adds VAT to its commission, and at what rate.
    commission_vat: bool = False
    vat_percent: Decimal = Decimal(20)


@dataclass(frozen=True)
class DepositIn:
    id: uuid.UUID
    posted_on: dt.date
    amount_pence: int  # signed: positive money in
    text: str = ""  # description, counterparty and reference


@dataclass(frozen=True)
class JobSuggestion:
    line_index: int
    job_id: uuid.UUID
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DepositSuggestion:
    deposit_id: uuid.UUID
    exact: bool
    days_after: int
    difference_pence: int  # deposit - total


@dataclass(frozen=True)
class Discrepancy:
    code: str
    line_index: int | None = None
    #: Named amounts in pence (and percentages as Decimal) for the message.
    figures: dict[str, int | Decimal | str] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING


# --------------------------------------------------------------------------- lines <-> jobs

_WORD = re.compile(r"[0-9a-z]+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 1}


def score_pair(line: LineIn, job: JobIn) -> tuple[int, tuple[str, ...]]:
    """How well *line* matches *job* (0 = not at all), with the reasons."""
    score = 0
    reasons: list[str] = []
    text = f"{line.reference} {line.description}".strip().lower()
    title = job.title.strip().lower()
    short_id = job.id.hex[:8]
    if text and (short_id in text.replace("-", "") or str(job.id) in text):
        score += 10
        reasons.append("reference")
    elif title and text and (title in text or text in title):
        score += 6
        reasons.append("title")
    else:
        title_words, text_words = _words(title), _words(text)
        if title_words and text_words:
            common = len(title_words & text_words) / len(title_words)
            if common >= 0.5:
                score += 4
                reasons.append("title")
    if line.work_date and line.work_date in job.days:
        score += 3
        reasons.append("date")
    if line.gross_pence and line.gross_pence == job.gross_pence:
        score += 3
        reasons.append("gross")
    return score, tuple(reasons)


def suggest_jobs(lines: Sequence[LineIn], jobs: Sequence[JobIn]) -> dict[int, JobSuggestion]:
    """The best job for each line (line index -> suggestion); each job goes to one line."""
    pairs: list[JobSuggestion] = []
    for line in lines:
        for job in jobs:
            score, reasons = score_pair(line, job)
            if score >= MIN_JOB_SCORE:
                pairs.append(JobSuggestion(line.index, job.id, score, reasons))
    pairs.sort(key=lambda s: (-s.score, s.line_index, str(s.job_id)))
    taken_jobs: set[uuid.UUID] = set()
    result: dict[int, JobSuggestion] = {}
    for suggestion in pairs:
        if suggestion.line_index in result or suggestion.job_id in taken_jobs:
            continue
        result[suggestion.line_index] = suggestion
        taken_jobs.add(suggestion.job_id)
    return result


# --------------------------------------------------------------------------- deposit


def deposit_window(remittance_date: dt.date) -> tuple[dt.date, dt.date]:
    return (
        remittance_date - dt.timedelta(days=DEPOSIT_DAYS_BEFORE),
        remittance_date + dt.timedelta(days=DEPOSIT_DAYS_AFTER),
    )


def suggest_deposits(
    total_net_pence: int,
    remittance_date: dt.date,
    deposits: Sequence[DepositIn],
    *,
    words: Sequence[str] = (),
    limit: int = 5,
) -> list[DepositSuggestion]:
    """Incoming deposits in the date window, exact amounts first, then nearest date, then a
    description naming one of *words* (the agency, the remittance reference)."""
    first, last = deposit_window(remittance_date)
    wanted = [w.lower() for w in words if w and len(w) > 2]
    ranked: list[tuple[tuple[int, int, int, int, str], DepositSuggestion]] = []
    for deposit in deposits:
        if deposit.amount_pence <= 0 or not first <= deposit.posted_on <= last:
            continue
        difference = deposit.amount_pence - total_net_pence
        days = (deposit.posted_on - remittance_date).days
        named = any(w in deposit.text.lower() for w in wanted)
        key = (
            0 if difference == 0 else 1,
            abs(difference),
            abs(days),
            0 if named else 1,
            str(deposit.id),
        )
        ranked.append((key, DepositSuggestion(deposit.id, difference == 0, days, difference)))
    ranked.sort(key=lambda item: item[0])
    return [s for _, s in ranked[:limit]]


# --------------------------------------------------------------------------- discrepancies


def _pct(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _percent_of(pence: int, percent: Decimal) -> int:
    return int((Decimal(pence) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP))


def find_discrepancies(
    lines: Sequence[LineIn],
    jobs: dict[uuid.UUID, JobIn],
    *,
    total_net_pence: int,
    deposit: DepositIn | None,
    require_deposit: bool = True,
) -> list[Discrepancy]:
    """Everything that does not agree, with the amounts (see the module docstring)."""
    found: list[Discrepancy] = []
    for line in lines:
        computed = line.computed_net_pence
        if computed != line.net_pence:
            found.append(
                Discrepancy(
                    NET_DOES_NOT_ADD_UP,
                    line.index,
                    {
                        "gross": line.gross_pence,
                        "fee_vat": line.fee_vat_pence,
                        "commission": line.commission_pence,
                        "commission_vat": line.commission_vat_pence,
                        "expenses": line.expenses_pence,
                        "computed": computed,
                        "stated": line.net_pence,
                        "difference": line.net_pence - computed,
                    },
                )
            )
        job = jobs.get(line.job_id) if line.job_id else None
        if job is None:
            found.append(Discrepancy(MISSING_JOB, line.index, {"gross": line.gross_pence}))
            continue
        expected = _percent_of(line.gross_pence, job.commission_percent)
        if line.commission_pence != expected:
            found.append(
                Discrepancy(
                    COMMISSION_RATE,
                    line.index,
                    {
                        "gross": line.gross_pence,
                        "commission": line.commission_pence,
                        "rate": _pct(line.commission_pence, line.gross_pence),
                        "agreed_rate": job.commission_percent,
                        "expected": expected,
                        "difference": line.commission_pence - expected,
                    },
                )
            )
        expected_vat = (
            _percent_of(line.commission_pence, job.vat_percent) if job.commission_vat else 0
        )
        if line.commission_vat_pence != expected_vat:
            found.append(
                Discrepancy(
                    COMMISSION_VAT,
                    line.index,
                    {
                        "commission": line.commission_pence,
                        "stated": line.commission_vat_pence,
                        "expected": expected_vat,
                        "difference": line.commission_vat_pence - expected_vat,
                    },
                )
            )
        if job.gross_pence and line.gross_pence != job.gross_pence:
            found.append(
                Discrepancy(
                    GROSS_DIFFERS,
                    line.index,
                    {
                        "stated": line.gross_pence,
                        "expected": job.gross_pence,
                        "difference": line.gross_pence - job.gross_pence,
                    },
                )
            )
    lines_total = sum(line.net_pence for line in lines)
    if lines_total != total_net_pence:
        found.append(
            Discrepancy(
                TOTAL_DIFFERS,
                None,
                {
                    "lines": lines_total,
                    "stated": total_net_pence,
                    "difference": total_net_pence - lines_total,
                },
            )
        )
    if deposit is None:
        if require_deposit:
            found.append(Discrepancy(NO_DEPOSIT, None, {"total": total_net_pence}))
    elif deposit.amount_pence != total_net_pence:
        found.append(
            Discrepancy(
                DEPOSIT_DIFFERS,
                None,
                {
                    "deposit": deposit.amount_pence,
                    "total": total_net_pence,
                    "difference": deposit.amount_pence - total_net_pence,
                },
            )
        )
    return found


# --------------------------------------------------------------------------- invoices settled


@dataclass(frozen=True)
class InvoiceIn:
    """An invoice of the user's that bills some of the remittance's jobs."""

    id: uuid.UUID
    number: str
    currency: str
    #: Still awaiting payment (issued, sent or part paid).
    open: bool
    outstanding_pence: int
    #: What the invoice bills for each of its jobs: net + VAT of the job's lines.
    billed_pence: dict[uuid.UUID, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Settlement:
    """How one line settles the invoice billing its job."""

    line_index: int
    invoice_id: uuid.UUID
    invoice_number: str
    #: What the agency paid for the job before its commission.
    received_pence: int
    #: What the invoice bills for the job.
    billed_pence: int
    #: The payment recorded on the invoice for the line.
    paid_pence: int

    @property
    def shortfall_pence(self) -> int:
        """What the invoice bills for the job beyond what the agency paid for it: it stays
        outstanding on the invoice."""
        return max(self.billed_pence - self.received_pence, 0)

    @property
    def unapplied_pence(self) -> int:
        """What the agency paid that the invoice no longer owed: not recorded again."""
        return self.received_pence - self.paid_pence


def settlements(
    lines: Sequence[LineIn], invoices: dict[uuid.UUID, InvoiceIn], currency: str
) -> list[Settlement]:
    """The settlement of each line whose job an invoice in *invoices* (by job id) bills, in
    line order: each pays what the agency paid for it, at most what the invoice still owes
    after the lines before it (nothing on an invoice no longer open or in another currency)."""
    left = {
        invoice.id: (
            invoice.outstanding_pence if invoice.open and invoice.currency == currency else 0
        )
        for invoice in invoices.values()
    }
    found: list[Settlement] = []
    for line in sorted(lines, key=lambda ln: ln.index):
        invoice = invoices.get(line.job_id) if line.job_id else None
        if invoice is None:
            continue
        assert line.job_id is not None
        paid = max(min(line.received_pence, left[invoice.id]), 0)
        left[invoice.id] -= paid
        found.append(
            Settlement(
                line_index=line.index,
                invoice_id=invoice.id,
                invoice_number=invoice.number,
                received_pence=line.received_pence,
                billed_pence=invoice.billed_pence.get(line.job_id, 0),
                paid_pence=paid,
            )
        )
    return found


def settlement_discrepancies(found: Sequence[Settlement]) -> list[Discrepancy]:
    """A shortfall left outstanding on an invoice, and money paid beyond what it still owed
    (not recorded again)."""
    out: list[Discrepancy] = []
    for settled in found:
        figures: dict[str, int | Decimal | str] = {
            "invoice": settled.invoice_number,
            "billed": settled.billed_pence,
            "received": settled.received_pence,
            "paid": settled.paid_pence,
        }
        if settled.shortfall_pence:
            out.append(
                Discrepancy(
                    INVOICE_SHORT,
                    settled.line_index,
                    {**figures, "difference": settled.shortfall_pence},
                )
            )
        if settled.unapplied_pence:
            out.append(
                Discrepancy(
                    INVOICE_UNAPPLIED,
                    settled.line_index,
                    {**figures, "difference": settled.unapplied_pence},
                )
            )
    return out
