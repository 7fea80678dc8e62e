"""Posting rules for bank statement lines and bank matches (docs/ledger.md, "Bank line" and
"Bank match").

Pure: the facts of a line or a match in, the :class:`Posting` out.

A bank line puts its amount on its bank account against suspense: money the books hold but
cannot yet explain. It is explained in one of two ways, never both for the same pound:

- **matched** to documents that posted the money on a clearing account (a payment recorded by
  hand or by Stripe, an expense paid from the business account: undeposited; a remittance:
  agency clearing): each match is its own source and moves its amount from suspense to that
  clearing account, so the document's money is counted once, by the document;
- **categorised** without a document: what is left unmatched moves from suspense to the
  category's account (income to turnover, an expense category to its SA103F box, a transfer
  to transfers, personal spending to drawings, the owner's money to capital).

Signs follow the line: money in is a debit on the bank and a credit on suspense, money out the
opposite, and a match or a category clears suspense in the line's own direction.

A statement import counts the bank side of its lines in few entries: each batch of lines it
adds posts one **statement batch** entry per day (:func:`batch_posting`: Dr each bank account
the sum of its lines of that day, Cr suspense the total), and each of those lines' own entry
carries only what explains it (:func:`bank_line_posting` with ``batch_id`` set: Dr suspense /
Cr the category, nothing for a line nobody explained). The two together post exactly what a
line's entry on its own posts (Dr bank, Cr suspense, suspense on to the category), so every
figure is the same; a line added any other way keeps its bank side in its own entry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, CASH, Line, Posting

#: The VAT treatment of turnover counted from a bank line without a document: no VAT invoice
#: (nor remittance) is behind it, so no output VAT is split out of it; the VAT return can list
#: such income for the user to check.
NO_DOCUMENT = "no_document"

#: Income categories: the account follows the line's contact.
INCOME = "income"
AGENCY_PAYMENT = "agency_payment"
#: Movements that are not income or expenses.
TRANSFER = "transfer"
PERSONAL = "personal"
LOAN = "loan"
#: Categories that say what a line is, but not which account it belongs to (a refund of what?
#: income tax, which is the owner's, or VAT, which is a liability?): such lines stay in
#: suspense until matched to a document.
UNPOSTED_CATEGORIES = frozenset({"refund", "tax"})
_MOVEMENTS = {
    TRANSFER: accounts.TRANSFERS,
    PERSONAL: accounts.OWNER_DRAWINGS,
    LOAN: accounts.OWNER_CAPITAL,
}


@dataclass(frozen=True, slots=True)
class BankLine:
    """What posting needs of one imported statement line."""

    id: uuid.UUID
    bank_account_id: uuid.UUID
    posted_on: dt.date
    amount_pence: int  # signed: positive money in, negative money out
    currency: str
    description: str = ""
    category: str | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    #: How much of |amount| matches explain (positive).
    matched_pence: int = 0
    #: The statement batch entry that counts the line's bank side (``None``: its own entry
    #: counts it).
    batch_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class BankBatch:
    """What posting needs of one day of one statement batch: its lines' sums."""

    posted_on: dt.date
    currency: str
    #: (bank account id, sum of its lines of the day), signed as the lines are.
    totals: tuple[tuple[uuid.UUID, int], ...]
    lines: int  # how many statement lines


@dataclass(frozen=True, slots=True)
class BankMatchFacts:
    """What posting needs of one match of a bank line to a document."""

    posted_on: dt.date  # the bank line's date: the money reached the bank then
    amount_pence: int  # positive
    incoming: bool
    currency: str
    description: str
    #: The clearing account the matched document posted its money on; ``None`` for an
    #: expected agency payment for a job (no document: see :func:`match_posting`).
    clearing: str | None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None


def category_account(
    category: str | None,
    *,
    agency_id: uuid.UUID | None,
    expense_accounts: Mapping[str, str],
) -> str | None:
    """The account a line categorised *category* (without a document) is posted to, or
    ``None`` when it stays in suspense. *expense_accounts* maps each expense category to its
    SA103F box account (the expenses feature's categories)."""
    if category is None or category in UNPOSTED_CATEGORIES:
        return None
    if category == AGENCY_PAYMENT or (category == INCOME and agency_id is not None):
        return accounts.TURNOVER_AGENCY
    if category == INCOME:
        return accounts.TURNOVER_DIRECT
    if category in _MOVEMENTS:
        return _MOVEMENTS[category]
    return expense_accounts.get(category)


def signed(amount_pence: int, incoming: bool) -> int:
    return amount_pence if incoming else -amount_pence


def bank_line_posting(line: BankLine, expense_accounts: Mapping[str, str]) -> Posting:
    """Dr the bank account, Cr suspense; the unmatched part of a categorised line goes on from
    suspense to its category's account (lines that cancel are left out). A line whose bank
    side a statement batch entry counts (``batch_id``) posts only that last move: Dr suspense,
    Cr the category (no lines at all when nothing explains it)."""
    incoming = line.amount_pence > 0
    unmatched = signed(max(abs(line.amount_pence) - line.matched_pence, 0), incoming)
    target = category_account(
        line.category, agency_id=line.agency_id, expense_accounts=expense_accounts
    )
    explained = unmatched if target is not None else 0
    if line.batch_id is not None:
        lines = [Line(accounts.SUSPENSE, explained)]
    else:
        lines = [
            Line(accounts.bank(line.bank_account_id), line.amount_pence),
            Line(accounts.SUSPENSE, explained - line.amount_pence),
        ]
    if target is not None and explained:
        lines.append(_category_line(target, -explained, line))
    return Posting(
        date=line.posted_on,
        description=line.description[:300],
        lines=tuple(ln for ln in lines if ln.amount),
        currency=line.currency,
    )


def batch_posting(batch: BankBatch) -> Posting:
    """A statement batch's day: Dr each bank account the sum of its lines, Cr suspense the
    total (what the lines' own entries would post on their bank side, summed)."""
    lines = [Line(accounts.bank(account_id), amount) for account_id, amount in batch.totals]
    lines.append(Line(accounts.SUSPENSE, -sum(amount for _, amount in batch.totals)))
    count = f"{batch.lines} line" if batch.lines == 1 else f"{batch.lines} lines"
    return Posting(
        date=batch.posted_on,
        description=f"Bank statement import: {count} of {batch.posted_on:%d/%m/%Y}",
        lines=tuple(ln for ln in lines if ln.amount),
        currency=batch.currency,
    )


def _category_line(account: str, amount: int, line: BankLine) -> Line:
    if account.startswith(accounts.TURNOVER_PREFIX):
        return Line(
            account,
            amount,
            client_id=line.client_id,
            agency_id=line.agency_id,
            vat_code=NO_DOCUMENT,
        )
    return Line(account, amount)


def match_posting(match: BankMatchFacts) -> Posting:
    """Dr suspense, Cr the clearing account (in the line's direction).

    An expected agency payment matched to a job has no document behind it: on the accruals
    basis it settles what the agency owes for the job (posted when the job was done), on the
    cash basis it is the agency income itself, as a categorised agency payment would be."""
    amount = signed(match.amount_pence, match.incoming)
    lines = [Line(accounts.SUSPENSE, amount)]
    if match.clearing is not None:
        lines.append(Line(match.clearing, -amount))
    else:
        if match.agency_id is None:
            raise ValueError("a job's agency payment needs its agency")
        agency, job = match.agency_id, match.job_id
        debtor = accounts.debtor(agency_id=agency)
        lines.append(Line(debtor, -amount, basis=ACCRUALS, agency_id=agency, job_id=job))
        lines.append(
            Line(
                accounts.TURNOVER_AGENCY,
                -amount,
                basis=CASH,
                agency_id=agency,
                job_id=job,
                vat_code=NO_DOCUMENT,
            )
        )
    return Posting(
        date=match.posted_on,
        description=match.description[:300],
        lines=tuple(lines),
        currency=match.currency,
    )
