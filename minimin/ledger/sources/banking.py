"""Ledger sources: the banking feature's money documents.

``bank_line``: each imported statement line (its bank account against suspense, and the
unmatched part of a categorised line on to its category's account). ``bank_match``: each
match of a line to a document, moving its amount from suspense to the clearing account the
document posted. Rules in :mod:`minimin.ledger.rules.banking`.

A statement import adds its rows in bulk, which the ORM does not see: it posts them through
:func:`post_imported` in the same transaction as each batch. Every later change to a line (its
category, its contacts) or to its matches goes through the ORM and is posted by the watchers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.banking.models import (
    MATCH_EXPENSE,
    MATCH_INVOICE,
    MATCH_JOB,
    MATCH_PAYMENT,
    MATCH_REMITTANCE,
    BankMatch,
    BankTransaction,
)
from minimin.ledger import accounts, posting
from minimin.ledger.entries import Posting
from minimin.ledger.models import JournalEntry
from minimin.ledger.rules.banking import (
    BankLine,
    BankMatchFacts,
    bank_line_posting,
    match_posting,
)

BANK_LINE = "bank_line"
BANK_MATCH = "bank_match"
#: The invoice payment method of an agency remittance settling an invoice: its money reaches
#: the bank through agency clearing.
AGENCY_REMITTANCE = "agency_remittance"


@cache
def expense_accounts() -> Mapping[str, str]:
    """Each expense category's account: its SA103F box, or the disallowable box for the
    categories never allowed (entertainment, depreciation)."""
    from minimin.expenses.categories import CATEGORIES

    return {
        c.code: accounts.disallowable(c.box) if c.disallowable else accounts.expense_box(c.box)
        for c in CATEGORIES
    }


# --------------------------------------------------------------------------- bank lines


def line_facts(txn: BankTransaction, matched_pence: int) -> BankLine:
    return BankLine(
        id=txn.id,
        bank_account_id=txn.bank_account_id,
        posted_on=txn.posted_on,
        amount_pence=txn.amount_pence,
        currency=txn.currency,
        description=txn.counterparty or txn.description,
        category=txn.category,
        client_id=txn.client_id,
        agency_id=txn.agency_id,
        matched_pence=matched_pence,
    )


def post_line(session: Session, txn_id: uuid.UUID) -> Posting | None:
    txn = session.get(BankTransaction, txn_id)
    if txn is None:
        return None
    matched = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BankMatch.amount_pence), 0)).where(
            BankMatch.transaction_id == txn_id
        )
    )
    return bank_line_posting(line_facts(txn, int(matched or 0)), expense_accounts())


def list_lines(session: Session, user_id: uuid.UUID) -> Iterable[uuid.UUID]:
    return session.scalars(
        sa.select(BankTransaction.id).where(BankTransaction.user_id == user_id)
    ).all()


def post_imported(session: Session, user_id: uuid.UUID, lines: Iterable[BankLine]) -> int:
    """Post lines just added in bulk (each line's first version, in bulk too)."""
    table = expense_accounts()
    return posting.post_new(
        session,
        user_id,
        BANK_LINE,
        ((line.id, bank_line_posting(line, table)) for line in lines),
    )


def forget_import(session: Session, job_id: uuid.UUID) -> None:
    """Remove the entries of a failed import's lines, before the lines themselves: the import
    is all or nothing, so its lines are taken back as if never imported."""
    imported = sa.select(BankTransaction.id).where(BankTransaction.import_job_id == job_id)
    session.execute(
        sa.delete(JournalEntry)
        .where(JournalEntry.source_kind == BANK_LINE, JournalEntry.source_id.in_(imported))
        .execution_options(synchronize_session=False)
    )


def touch_account_lines(session: Session, user_id: uuid.UUID, bank_account_id: uuid.UUID) -> None:
    """Before an account's lines are deleted in bulk: have each one's entry reversed."""
    for txn_id in session.scalars(
        sa.select(BankTransaction.id).where(BankTransaction.bank_account_id == bank_account_id)
    ):
        posting.touch(session, user_id, BANK_LINE, txn_id)


def line_touches(txn: BankTransaction) -> Iterable[tuple[str, uuid.UUID | None]]:
    return [(BANK_LINE, txn.id)]


# --------------------------------------------------------------------------- matches


def _clearing(session: Session, match: BankMatch) -> str | None:
    """The clearing account the matched document posted its money on (none for a job: an
    expected agency payment has no document)."""
    from minimin.expenses.models import Expense
    from minimin.invoices.models import Payment
    from minimin.ledger.rules.expenses import paying_account

    if match.kind in (MATCH_INVOICE, MATCH_PAYMENT):
        payment_id = match.payment_id if match.kind == MATCH_INVOICE else match.target_id
        payment = session.get(Payment, payment_id) if payment_id else None
        if payment is not None and payment.method == AGENCY_REMITTANCE:
            return accounts.AGENCY_CLEARING
        return accounts.UNDEPOSITED
    if match.kind == MATCH_EXPENSE:
        expense = session.get(Expense, match.target_id)
        return paying_account(expense.payment_method if expense else None)
    if match.kind == MATCH_REMITTANCE:
        return accounts.AGENCY_CLEARING
    return None


def match_facts(session: Session, match: BankMatch) -> BankMatchFacts:
    txn = match.transaction
    agency_id = None
    job_id = None
    if match.kind == MATCH_JOB:
        from minimin.jobs.models import Job

        job = session.get(Job, match.target_id)
        agency_id = job.agency_id if job is not None else txn.agency_id
        job_id = match.target_id
    return BankMatchFacts(
        posted_on=txn.posted_on,
        amount_pence=match.amount_pence,
        incoming=txn.amount_pence > 0,
        currency=txn.currency,
        description=f"Bank match: {txn.counterparty or txn.description}",
        clearing=_clearing(session, match),
        agency_id=agency_id,
        job_id=job_id,
    )


def post_match(session: Session, match_id: uuid.UUID) -> Posting | None:
    match = session.get(BankMatch, match_id)
    if match is None:
        return None
    return match_posting(match_facts(session, match))


def list_matches(session: Session, user_id: uuid.UUID) -> Iterable[uuid.UUID]:
    return session.scalars(sa.select(BankMatch.id).where(BankMatch.user_id == user_id)).all()


def match_touches(match: BankMatch) -> Iterable[tuple[str, uuid.UUID | None]]:
    # The line's own posting changes too: only its unmatched part may go to a category.
    return [(BANK_MATCH, match.id), (BANK_LINE, match.transaction_id)]


def register() -> None:
    """Register this family's documents with :mod:`minimin.ledger.posting`."""
    posting.source(BANK_LINE, post_line, list_lines)
    posting.watch(BankTransaction, line_touches)
    posting.source(BANK_MATCH, post_match, list_matches)
    posting.watch(BankMatch, match_touches)
