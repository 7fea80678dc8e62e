"""Posting rules of agency work: a job done through an agency, and a posted remittance.

Pure: plain facts in (:class:`AgencyJob`, :class:`Remittance`), a
:class:`~minimin.ledger.entries.Posting` out. The scheme is docs/ledger.md ("Agency job done,
not invoiced" and "Posted remittance"):

- an agency job done that no invoice of the user's covers is earned when it is done: on the
  accruals basis only, Dr the agency's debtor, Cr agency turnover = its gross fee;
- a remittance line for a job the user invoiced **settles that invoice**: the invoice's payment
  (method "agency remittance") posts the money and the income, so the line posts nothing. The
  payment is at most what the invoice still owed: what the agency paid beyond it was already
  recorded on the invoice (by hand or by a bank match: the same money) and is not counted
  again;
- any other line is the income document: Dr agency clearing = gross + fee VAT + expenses,
  Cr output VAT = fee VAT, Cr agency turnover = gross + expenses, except that on the accruals
  basis a job already earned as done has its income there, so the line clears the agency's
  debtor instead.

The commission and its VAT are not here: posting a remittance records them as an expense paid
by deduction, which credits agency clearing. Agency clearing then holds the net the agency
paid, until the bank line clears it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, Line, Posting

#: The VAT code of an agency's sale carrying the user's VAT, and of one without VAT.
VAT_STANDARD = "standard"
VAT_NONE = "none"


@dataclass(frozen=True)
class AgencyJob:
    """A job as the journal needs it to know whether it is earned as done."""

    id: uuid.UUID
    title: str
    agency_id: uuid.UUID | None
    #: In one of the statuses that count as done (completed, invoiced, paid).
    earned: bool
    #: Billed by an invoice of the user's (which then posts its income).
    invoiced_by_user: bool
    #: The day it was done: its last date, else its first (None: undated).
    done_on: dt.date | None
    #: The gross fee as last computed (fees, agency fee and re-billed expenses, no VAT).
    gross: int
    currency: str = "GBP"


def accrues(job: AgencyJob) -> bool:
    """Whether *job* is earned as done on the accruals basis (the agency owes its fee): an
    agency job, done, dated, and not covered by an invoice of the user's."""
    return (
        job.agency_id is not None
        and job.earned
        and not job.invoiced_by_user
        and job.done_on is not None
    )


def agency_job_posting(job: AgencyJob) -> Posting | None:
    """Accruals only, on the day the job was done: Dr the agency's debtor, Cr agency turnover
    = the gross fee. ``None`` when the job is not earned that way (or earns nothing)."""
    if not accrues(job) or not job.gross:
        return None
    assert job.done_on is not None and job.agency_id is not None  # accrues() checked them
    debtor = accounts.debtor(agency_id=job.agency_id)
    return Posting(
        date=job.done_on,
        description=f"Agency job done: {job.title}"[:300],
        lines=(
            Line(debtor, job.gross, ACCRUALS, agency_id=job.agency_id, job_id=job.id),
            Line(
                accounts.TURNOVER_AGENCY,
                -job.gross,
                ACCRUALS,
                agency_id=job.agency_id,
                job_id=job.id,
            ),
        ),
        currency=job.currency,
    )


@dataclass(frozen=True)
class RemittanceLine:
    """One line of a posted remittance, with what the journal needs to know about its job."""

    gross: int
    fee_vat: int = 0
    #: Expenses reimbursed (negative for a charge).
    expenses: int = 0
    job_id: uuid.UUID | None = None
    #: The line's job is billed by an invoice of the user's: the line settles that invoice.
    settles_invoice: bool = False
    #: The line's job is earned as done on the accruals basis (:func:`accrues`).
    job_accrued: bool = False
    label: str = ""

    @property
    def received(self) -> int:
        """What the agency paid for the line before its commission: gross, the user's VAT on
        it and the expenses it reimbursed."""
        return self.gross + self.fee_vat + self.expenses

    @property
    def income(self) -> int:
        """The line's turnover: gross + expenses reimbursed, excluding VAT."""
        return self.gross + self.expenses


@dataclass(frozen=True)
class Remittance:
    """A posted remittance as the journal needs it."""

    agency_id: uuid.UUID
    #: The day the money arrived (the bank deposit's date, else the remittance's date).
    received_on: dt.date
    lines: tuple[RemittanceLine, ...]
    currency: str = "GBP"
    reference: str = ""
    agency_name: str = ""


def _line_postings(remittance: Remittance, line: RemittanceLine) -> list[Line]:
    if line.settles_invoice:
        return []  # the invoice's payment posts the money and the income

    def post(account: str, amount: int, basis: str = BOTH, vat_code: str | None = None) -> Line:
        return Line(
            account,
            amount,
            basis,
            agency_id=remittance.agency_id,
            job_id=line.job_id,
            vat_code=vat_code,
            memo=line.label[:300],
        )

    vat_code = VAT_STANDARD if line.fee_vat else VAT_NONE
    out = [
        post(accounts.AGENCY_CLEARING, line.received),
        post(accounts.OUTPUT_VAT, -line.fee_vat, vat_code=vat_code),
    ]
    if line.job_accrued:
        out += [
            post(accounts.debtor(agency_id=remittance.agency_id), -line.income, ACCRUALS),
            post(accounts.TURNOVER_AGENCY, -line.income, CASH, vat_code),
        ]
    else:
        out.append(post(accounts.TURNOVER_AGENCY, -line.income, BOTH, vat_code))
    return out


def remittance_posting(remittance: Remittance) -> Posting | None:
    """A posted remittance, on the day the money arrived: per line, as the module docstring
    says. ``None`` when no line posts anything (every line settled an invoice)."""
    lines = tuple(
        posted
        for line in remittance.lines
        for posted in _line_postings(remittance, line)
        if posted.amount
    )
    if not lines:
        return None
    words = " ".join(w for w in ("Remittance", remittance.reference) if w)
    if remittance.agency_name:
        words = f"{words} from {remittance.agency_name}"
    return Posting(
        date=remittance.received_on,
        description=words[:300],
        lines=lines,
        currency=remittance.currency,
    )
