"""Income (turnover): the credit of the journal's turnover accounts (direct: invoiced work;
agency: work paid through agencies), on the cash or the accruals basis.

Which document counts when, and on which basis, is the posting scheme's (docs/ledger.md); a
report only sums. The statements below :func:`income` that read invoices, remittances and jobs
directly are the figures as they were computed before the journal; they are kept (unused by
the reports) until every family of documents posts and the journal is proven equal to them.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from minimin.invoices.models import DRAFT, VOID, CreditNote, Invoice, Payment, Refund
from minimin.jobs import models as job_models
from minimin.jobs.models import Job
from minimin.ledger import accounts
from minimin.ledger.models import JournalLine
from minimin.remittances.models import AgencyIncome
from minimin.reports.ledger import journal
from minimin.reports.ledger.periods import CASH, check_period
from minimin.reports.ledger.sql import _apply, _rows, _to_gbp, _vat_share

#: Agency jobs that count as earned on the accruals basis.
EARNED_JOB_STATUSES = (job_models.COMPLETED, job_models.INVOICED, job_models.PAID)


@dataclass(frozen=True)
class IncomeSummary:
    """Turnover of a period, in sterling pence, VAT excluded."""

    start: date
    end: date
    basis: str
    direct_pence: int = 0
    agency_pence: int = 0
    #: Output VAT on the income (invoices' VAT share, VAT on agency fees): for information.
    output_vat_pence: int = 0
    #: Amounts left out because no exchange rate is recorded: {currency: minor units}.
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def total_pence(self) -> int:
        return self.direct_pence + self.agency_pence


def counts_as_issued() -> Any:
    """SQL: the invoice counts as issued on its date: not a draft, and not void unless credit
    notes voided it. An invoice credited in full is void, yet it was issued and its credit
    notes reverse it on their own dates; leaving it out would change a closed period (a filed
    VAT return, last year's accounts) the day it is credited, and its credit notes would then
    reverse nothing."""
    voided_by_credit = sa.and_(
        Invoice.status == VOID,
        sa.exists().where(CreditNote.invoice_id == Invoice.id),
    )
    return sa.or_(Invoice.status.notin_((DRAFT, VOID)), voided_by_credit)


def _refund_vat() -> Any:
    """SQL: the VAT share of a refund: the refund x the VAT fraction of the credit note it
    refunds (of the invoice when it names none), half-up per refund."""
    return _vat_share(
        Refund.amount_pence,
        sa.func.coalesce(CreditNote.vat_pence, Invoice.vat_pence),
        sa.func.coalesce(CreditNote.total_pence, Invoice.total_pence),
    )


def _cash_refunds_query(user_id: uuid.UUID, start: date, end: date, keys: list[Any]) -> Any:
    """Refunds paid in the period, as negative income (and negative VAT) on their date."""
    vat = _refund_vat()
    key_cols = _apply(keys, Refund.refunded_on)
    return (
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            -sa.func.sum(Refund.amount_pence - vat),
            -sa.func.sum(vat),
            *key_cols,
        )
        .select_from(Refund)
        .join(Invoice, Invoice.id == Refund.invoice_id)
        .outerjoin(CreditNote, CreditNote.id == Refund.credit_note_id)
        .where(
            Refund.user_id == user_id,
            Refund.refunded_on >= start,
            Refund.refunded_on <= end,
            Invoice.user_id == user_id,
        )
        .group_by(Invoice.currency, Invoice.exchange_rate, *key_cols)
    )


def _direct_income_queries(
    user_id: uuid.UUID, start: date, end: date, basis: str, keys: list[Any]
) -> list[Any]:
    """Statements returning (currency, rate, income, vat, *keys)."""
    if basis == CASH:
        vat = _vat_share(Payment.amount_pence, Invoice.vat_pence, Invoice.total_pence)
        key_cols = _apply(keys, Payment.paid_on)
        statement = (
            sa.select(
                Invoice.currency,
                Invoice.exchange_rate,
                sa.func.sum(Payment.amount_pence - vat),
                sa.func.sum(vat),
                *key_cols,
            )
            .select_from(Payment)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(
                Payment.user_id == user_id,
                Payment.paid_on >= start,
                Payment.paid_on <= end,
                Invoice.user_id == user_id,
            )
            .group_by(Invoice.currency, Invoice.exchange_rate, *key_cols)
        )
        return [statement, _cash_refunds_query(user_id, start, end, keys)]
    issued_keys = _apply(keys, Invoice.issue_date)
    issued = (
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            sa.func.sum(Invoice.net_pence),
            sa.func.sum(sa.func.coalesce(Invoice.vat_gbp_pence, Invoice.vat_pence)),
            *issued_keys,
        )
        .where(
            Invoice.user_id == user_id,
            Invoice.issue_date >= start,
            Invoice.issue_date <= end,
            counts_as_issued(),
        )
        .group_by(Invoice.currency, Invoice.exchange_rate, *issued_keys)
    )
    credit_keys = _apply(keys, CreditNote.issue_date)
    credited = (
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            -sa.func.sum(CreditNote.net_pence),
            -sa.func.sum(sa.func.coalesce(CreditNote.vat_gbp_pence, CreditNote.vat_pence)),
            *credit_keys,
        )
        .select_from(CreditNote)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(
            CreditNote.user_id == user_id,
            CreditNote.issue_date >= start,
            CreditNote.issue_date <= end,
            Invoice.user_id == user_id,
        )
        .group_by(Invoice.currency, Invoice.exchange_rate, *credit_keys)
    )
    return [issued, credited]


def _agency_income_queries(
    user_id: uuid.UUID, start: date, end: date, basis: str, keys: list[Any]
) -> list[Any]:
    """Statements returning (currency, rate=None, income, vat, *keys)."""
    received_keys = _apply(keys, AgencyIncome.received_on)
    received = sa.select(
        AgencyIncome.currency,
        sa.null(),
        sa.func.sum(AgencyIncome.income_pence),
        sa.func.sum(AgencyIncome.output_vat_pence),
        *received_keys,
    ).where(
        AgencyIncome.user_id == user_id,
        AgencyIncome.received_on >= start,
        AgencyIncome.received_on <= end,
    )
    if basis == CASH:
        return [received.group_by(AgencyIncome.currency, *received_keys)]
    # Accruals: remittance lines without a job (nothing else dates them) ...
    unlinked = received.where(AgencyIncome.job_id.is_(None)).group_by(
        AgencyIncome.currency, *received_keys
    )
    # ... and agency jobs completed in the period that no invoice covers.
    done_on = sa.func.coalesce(Job.ends_on, Job.starts_on)
    job_keys = _apply(keys, done_on)
    jobs = (
        sa.select(
            Job.currency,
            sa.null(),
            sa.func.sum(sa.func.coalesce(Job.gross_pence, 0)),
            sa.literal(0),
            *job_keys,
        )
        .where(
            Job.user_id == user_id,
            Job.agency_id.is_not(None),
            Job.invoice_id.is_(None),
            Job.status.in_(EARNED_JOB_STATUSES),
            done_on >= start,
            done_on <= end,
        )
        .group_by(Job.currency, *job_keys)
    )
    return [unlinked, jobs]


def _collect(
    statements: Iterable[Any], unconverted: dict[str, int]
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Run *statements*; sum (income, vat) in sterling per key tuple."""
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for statement in statements:
        for row in _rows(statement):
            currency, rate, amount, vat, *keys = row
            income = _to_gbp(amount, currency, rate)
            if income is None:
                unconverted[currency] = unconverted.get(currency, 0) + int(amount or 0)
                continue
            slot = totals[tuple(keys)]
            slot[0] += income
            slot[1] += _to_gbp(vat, currency, rate) or 0
    return {k: (v[0], v[1]) for k, v in totals.items()}


def income(user_id: uuid.UUID, start: date, end: date, basis: str = CASH) -> IncomeSummary:
    """Turnover from *start* to *end* inclusive, split into direct and agency income: the
    credit of the journal's turnover accounts on *basis*, and of output VAT."""
    check_period(start, end, basis)
    turnover = journal.sums(
        user_id,
        start,
        end,
        basis,
        codes=journal.TURNOVER_ACCOUNTS,
        keys=[JournalLine.account],
        sign=-1,
    )
    vat = journal.sums(user_id, start, end, basis, codes=[accounts.OUTPUT_VAT], sign=-1)
    return IncomeSummary(
        start=start,
        end=end,
        basis=basis,
        direct_pence=turnover.get(accounts.TURNOVER_DIRECT),
        agency_pence=turnover.get(accounts.TURNOVER_AGENCY),
        output_vat_pence=vat.get(),
        unconverted=turnover.unconverted,
    )
