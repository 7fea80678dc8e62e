"""Income (turnover): the credit of the journal's turnover accounts (direct: invoiced work;
agency: work paid through agencies), on the cash or the accruals basis.

Which document counts when, and on which basis, is the posting scheme's (docs/ledger.md); a
report only sums.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from minimin.jobs import models as job_models
from minimin.ledger import accounts
from minimin.reports.ledger import journal
from minimin.reports.ledger.periods import CASH, check_period

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


def income(user_id: uuid.UUID, start: date, end: date, basis: str = CASH) -> IncomeSummary:
    """Turnover from *start* to *end* inclusive, split into direct and agency income: the
    credit of the journal's turnover accounts on *basis*, and of output VAT."""
    check_period(start, end, basis)
    rows = journal.period_rows(
        user_id, start, end, basis, codes=(*journal.TURNOVER_ACCOUNTS, accounts.OUTPUT_VAT)
    )
    turnover = journal.sums_of(rows, journal.TURNOVER_ACCOUNTS, sign=-1)
    return income_from(start, end, basis, turnover, vat_of(rows))


def output_vat(user_id: uuid.UUID, start: date, end: date, basis: str) -> int:
    """The credit of output VAT from *start* to *end* on *basis*, in sterling pence."""
    return vat_of(journal.period_rows(user_id, start, end, basis, codes=[accounts.OUTPUT_VAT]))


def vat_of(rows: list[journal.PeriodRow]) -> int:
    """The credit of output VAT in *rows* (:func:`.journal.period_rows`), in sterling pence."""
    return journal.sums_of(rows, [accounts.OUTPUT_VAT], keys=(), sign=-1).get()


def income_from(
    start: date, end: date, basis: str, turnover: journal.Sums, vat_pence: int
) -> IncomeSummary:
    """The :class:`IncomeSummary` of the turnover accounts' credit by account."""
    return IncomeSummary(
        start=start,
        end=end,
        basis=basis,
        direct_pence=turnover.get(accounts.TURNOVER_DIRECT),
        agency_pence=turnover.get(accounts.TURNOVER_AGENCY),
        output_vat_pence=vat_pence,
        unconverted=turnover.unconverted,
    )
