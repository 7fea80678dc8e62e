"""Posting rules for expenses and the mileage log (docs/ledger.md, "Expense" and "Mileage").

Pure: the facts of an expense or a journey in, the :class:`Posting` out. The figures are the
ones the expenses feature stores on every expense (business share, allowable part, reclaimable
VAT), so the journal and the expense list can never disagree.

An expense of ``amount`` splits, debit side, into the allowable and the disallowable parts of
its business share (SA103F boxes 17-30 and 32-45), the VAT reclaimed from HMRC and the private
share (drawings: whatever is neither business cost nor reclaimed VAT). The credit side is where
the money came from.

Mileage (simplified expenses) is valued per tax year, and only the tax year's running claim is
rounded to the penny (:mod:`minimin.expenses.mileage`). Each journey posts the difference of the
rounded running claim after and before it, so the journeys of a tax year up to any day add up
to exactly that day's rounded year-to-date claim, and the whole year to the year's claim.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from minimin.expenses.mileage import JourneyIn, to_pence, value_journeys
from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, Line, Posting

#: SA103F box 27, irrecoverable debts: allowable on the accruals basis only (on the cash basis
#: income never received was never counted, so writing it off is not a cost).
BAD_DEBTS_BOX = 27
#: Payment methods whose money was the owner's own (a private account, cash in the pocket).
OWNER_PAID = frozenset({"personal", "cash"})
#: Deducted by an agency from a remittance: the agency clearing account holds the net it paid.
DEDUCTED = "deducted"


@dataclass(frozen=True)
class ExpenseFacts:
    """What posting needs of one expense (amounts in its own currency's minor units)."""

    date: dt.date
    description: str
    currency: str
    box: int  # SA103F box 17-30 of its category
    amount_pence: int  # gross paid, VAT included
    business_pence: int  # business share, excluding the VAT reclaimed
    allowable_pence: int  # the allowable part of the business share
    reclaimable_vat_pence: int
    payment_method: str | None
    vat_code: str | None
    job_id: uuid.UUID | None = None


def paying_account(payment_method: str | None) -> str:
    """The account the money for an expense came from."""
    if payment_method in OWNER_PAID:
        return accounts.OWNER_CAPITAL
    if payment_method == DEDUCTED:
        return accounts.AGENCY_CLEARING
    return accounts.UNDEPOSITED


def _cost_lines(facts: ExpenseFacts) -> list[Line]:
    """The allowable and disallowable parts of the business share."""

    def line(account: str, amount: int, basis: str = BOTH) -> Line:
        return Line(account, amount, basis, job_id=facts.job_id, vat_code=facts.vat_code)

    allowable = facts.allowable_pence
    disallowable = facts.business_pence - facts.allowable_pence
    lines = [line(accounts.disallowable(facts.box), disallowable)]
    if facts.box == BAD_DEBTS_BOX:
        lines.append(line(accounts.expense_box(facts.box), allowable, ACCRUALS))
        lines.append(line(accounts.disallowable(facts.box), allowable, CASH))
    else:
        lines.append(line(accounts.expense_box(facts.box), allowable))
    return lines


def expense_posting(facts: ExpenseFacts) -> Posting:
    """Dr allowable box, disallowable box, input VAT and drawings; Cr the paying side."""
    private = facts.amount_pence - facts.business_pence - facts.reclaimable_vat_pence
    lines = [
        *_cost_lines(facts),
        Line(
            accounts.INPUT_VAT,
            facts.reclaimable_vat_pence,
            job_id=facts.job_id,
            vat_code=facts.vat_code,
        ),
        Line(accounts.OWNER_DRAWINGS, private, job_id=facts.job_id),
        Line(paying_account(facts.payment_method), -facts.amount_pence),
    ]
    return Posting(
        date=facts.date,
        description=facts.description,
        lines=tuple(lines),
        currency=facts.currency,
    )


# --------------------------------------------------------------------------- mileage


def mileage_shares(journeys: Iterable[JourneyIn]) -> dict[Hashable, int]:
    """Each journey's share of its tax year's claim, in pence, by journey key.

    Journeys are valued in date order (same-day journeys in the order given); a share is the
    rounded running claim after the journey less the rounded running claim before it, so the
    shares of a tax year up to any journey add up to the rounded claim to date."""
    shares: dict[Hashable, int] = {}
    for year in value_journeys(journeys):
        claimed = 0
        for valued in year.journeys:
            to_date = to_pence(valued.total_to_date)
            shares[valued.journey.key] = to_date - claimed
            claimed = to_date
    return shares


def journey_posting(
    date: dt.date, description: str, share_pence: int, job_id: uuid.UUID | None = None
) -> Posting:
    """Dr motoring costs (box 20) = the journey's share of the claim; Cr capital (the owner's
    own vehicle paid for the running costs the allowance stands for)."""
    return Posting(
        date=date,
        description=description,
        lines=(
            Line(accounts.MILEAGE, share_pence, job_id=job_id),
            Line(accounts.OWNER_CAPITAL, -share_pence),
        ),
    )
