"""Ledger sources: the banking feature's money documents.

``bank_line``: each statement line (its bank account against suspense, and the unmatched part
of a categorised line on to its category's account). ``bank_batch``: one day of one batch of
lines a statement import added (their bank side, summed: Dr the bank account, Cr suspense);
the lines of a batch post only what explains them in their own ``bank_line`` entry.
``bank_match``: each match of a line to a document, moving its amount from suspense to the
clearing account the document posted. Rules in :mod:`minimin.ledger.rules.banking`.

A statement import adds its rows in bulk, which the ORM does not see: it posts them through
:func:`post_imported` in the same transaction as each batch. Every later change to a line (its
category, its contacts) or to its matches goes through the ORM and is posted by the watchers.

A batch entry is what its lines say now (the sum of the lines carrying its id), like any other
document's: when lines of a batch go (an account deleted, a line deleted), the batch entry is
reposted without them, as a reversal and a new version (or a reversal alone when none is left).
That rather than posting a reversal of each removed line's share in the line's own entry: a
removed line's row is gone, so nothing would be left to say what its entry should be, and
``minimin ledger check`` could no longer prove it; the batch, read from the lines still there,
always can.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

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
    BankBatch,
    BankLine,
    BankMatchFacts,
    bank_line_posting,
    batch_posting,
    match_posting,
)

BANK_LINE = "bank_line"
BANK_BATCH = "bank_batch"
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
        batch_id=txn.ledger_batch_id,
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


def batch_groups(session: Session, batch_id: uuid.UUID) -> list[Any]:
    """The lines of statement batch *batch_id* summed by (day, currency, bank account): one
    group per account, all of one day and currency (a batch is made so, and lines are never
    re-dated; ``minimin ledger check`` names a batch that is not)."""
    return list(
        session.execute(
            sa.select(
                BankTransaction.posted_on,
                BankTransaction.currency,
                BankTransaction.bank_account_id,
                sa.func.sum(BankTransaction.amount_pence),
                sa.func.count(),
            )
            .where(BankTransaction.ledger_batch_id == batch_id)
            .group_by(
                BankTransaction.posted_on,
                BankTransaction.currency,
                BankTransaction.bank_account_id,
            )
            .order_by(BankTransaction.posted_on, BankTransaction.currency)
        )
    )


def post_batch(session: Session, batch_id: uuid.UUID) -> Posting | None:
    groups = batch_groups(session, batch_id)
    if not groups:
        return None
    day, currency = groups[0][0], groups[0][1]
    first = [g for g in groups if (g[0], g[1]) == (day, currency)]
    return batch_posting(
        BankBatch(
            posted_on=day,
            currency=currency,
            totals=tuple((g[2], int(g[3])) for g in first),
            lines=sum(int(g[4]) for g in first),
        )
    )


def list_batches(session: Session, user_id: uuid.UUID) -> Iterable[uuid.UUID]:
    found = session.scalars(
        sa.select(BankTransaction.ledger_batch_id)
        .where(BankTransaction.user_id == user_id, BankTransaction.ledger_batch_id.is_not(None))
        .distinct()
    )
    return [batch_id for batch_id in found if batch_id is not None]


def post_imported(session: Session, user_id: uuid.UUID, lines: Iterable[BankLine]) -> int:
    """Post lines just added in bulk: each day of each batch's bank side in one entry (the
    lines carry its id as ``batch_id``), and the own entry of each line something explains
    (its category); a line with no batch posts its whole entry. Returns how many entries
    were written."""
    table = expense_accounts()
    days: dict[uuid.UUID, tuple[Any, str, dict[uuid.UUID, int], list[int]]] = {}
    own: list[BankLine] = []
    for line in lines:
        if line.batch_id is None:
            own.append(line)
            continue
        if line.category is not None:
            own.append(line)
        day = days.get(line.batch_id)
        if day is None:
            day = days[line.batch_id] = (line.posted_on, line.currency, {}, [0])
        totals = day[2]
        totals[line.bank_account_id] = totals.get(line.bank_account_id, 0) + line.amount_pence
        day[3][0] += 1
    written = posting.post_new(
        session,
        user_id,
        BANK_BATCH,
        (
            (
                batch_id,
                batch_posting(BankBatch(day, currency, tuple(totals.items()), count[0])),
            )
            for batch_id, (day, currency, totals, count) in days.items()
        ),
    )
    if not own:
        return written
    return written + posting.post_new(
        session,
        user_id,
        BANK_LINE,
        ((line.id, bank_line_posting(line, table)) for line in own),
    )


def forget_import(session: Session, job_id: uuid.UUID) -> None:
    """Remove the entries of a failed import's lines and of its batches, before the lines
    themselves: the import is all or nothing, so its lines are taken back as if never
    imported."""
    imported = sa.select(BankTransaction.id).where(BankTransaction.import_job_id == job_id)
    batches = sa.select(BankTransaction.ledger_batch_id).where(
        BankTransaction.import_job_id == job_id, BankTransaction.ledger_batch_id.is_not(None)
    )
    session.execute(
        sa.delete(JournalEntry)
        .where(
            sa.or_(
                sa.and_(
                    JournalEntry.source_kind == BANK_LINE, JournalEntry.source_id.in_(imported)
                ),
                sa.and_(
                    JournalEntry.source_kind == BANK_BATCH, JournalEntry.source_id.in_(batches)
                ),
            )
        )
        .execution_options(synchronize_session=False)
    )


def touch_account_lines(session: Session, user_id: uuid.UUID, bank_account_id: uuid.UUID) -> None:
    """Before an account's lines are deleted in bulk: have each one's entry reversed, and each
    of their batches' entries reposted without them. A line that never posted an entry of its
    own (a statement line nothing explained) has nothing to reverse."""
    of_account = sa.select(BankTransaction.id).where(
        BankTransaction.bank_account_id == bank_account_id
    )
    for batch_id in session.scalars(
        sa.select(BankTransaction.ledger_batch_id)
        .where(
            BankTransaction.bank_account_id == bank_account_id,
            BankTransaction.ledger_batch_id.is_not(None),
        )
        .distinct()
    ):
        if batch_id is not None:
            posting.touch(session, user_id, BANK_BATCH, batch_id)
    for txn_id in session.scalars(
        sa.select(JournalEntry.source_id)
        .where(
            JournalEntry.user_id == user_id,
            JournalEntry.source_kind == BANK_LINE,
            JournalEntry.source_id.in_(of_account),
        )
        .distinct()
    ):
        posting.touch(session, user_id, BANK_LINE, txn_id)


def bank_sides_counted_once(session: Session, user_id: uuid.UUID) -> Iterable[str]:
    """Each bank account holds exactly the sum of its statement lines, on each basis and in
    each currency: every line's bank side is counted once, in its own entry or in its
    statement batch's (never both, never neither). And each statement batch holds lines of one
    day and currency, as its entry (dated that day) says."""
    from minimin.ledger.entries import ACCRUALS, BOTH, CASH
    from minimin.ledger.models import JournalLine

    statement = {
        (accounts.bank(account_id), currency): int(amount or 0)
        for account_id, currency, amount in session.execute(
            sa.select(
                BankTransaction.bank_account_id,
                BankTransaction.currency,
                sa.func.sum(BankTransaction.amount_pence),
            )
            .where(BankTransaction.user_id == user_id)
            .group_by(BankTransaction.bank_account_id, BankTransaction.currency)
        )
    }
    problems = []
    for basis, name in ((ACCRUALS, "accruals"), (CASH, "cash")):
        booked = {
            (code, currency): int(amount or 0)
            for code, currency, amount in session.execute(
                sa.select(
                    JournalLine.account, JournalLine.currency, sa.func.sum(JournalLine.amount_pence)
                )
                .where(
                    JournalLine.user_id == user_id,
                    JournalLine.account.startswith(accounts.BANK_PREFIX, autoescape=True),
                    JournalLine.basis.in_((BOTH, basis)),
                )
                .group_by(JournalLine.account, JournalLine.currency)
            )
        }
        for code, currency in sorted(set(statement) | set(booked)):
            held, lines = booked.get((code, currency), 0), statement.get((code, currency), 0)
            if held != lines:
                problems.append(
                    f"{code} holds {held} {currency} on the {name} basis, but its statement "
                    f"lines add up to {lines}"
                )
    for (batch_id,) in session.execute(
        sa.select(BankTransaction.ledger_batch_id)
        .where(BankTransaction.user_id == user_id, BankTransaction.ledger_batch_id.is_not(None))
        .group_by(BankTransaction.ledger_batch_id)
        .having(
            sa.or_(
                sa.func.count(sa.distinct(BankTransaction.posted_on)) > 1,
                sa.func.count(sa.distinct(BankTransaction.currency)) > 1,
            )
        )
    ):
        problems.append(f"{BANK_BATCH} {batch_id} holds lines of more than one day or currency")
    return problems


def line_touches(txn: BankTransaction) -> Iterable[tuple[str, uuid.UUID | None]]:
    # Its batch's entry is the sum of the batch's lines (a line deleted leaves it).
    return [(BANK_LINE, txn.id), (BANK_BATCH, txn.ledger_batch_id)]


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
    posting.source(BANK_BATCH, post_batch, list_batches)
    posting.proof(bank_sides_counted_once)
    posting.watch(BankTransaction, line_touches)
    posting.source(BANK_MATCH, post_match, list_matches)
    posting.watch(BankMatch, match_touches)
