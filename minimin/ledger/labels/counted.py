"""How this is counted: the journal entries behind a document, in words, for its page.

A document's page shows the entries in force for it and for the documents that settle it (an
invoice's credit notes, payments, refunds and bank matches...), then the older versions and the
reversals that cancelled them. Only the user's own entries are read.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from minimin.ledger.labels.words import BASIS_NOTES, account_label, line_sentence, names_for

#: Each kind of source document in words (the kinds are registered by their sources).
SOURCE_KINDS: dict[str, Any] = {
    "invoice": _l("Invoice"),
    "credit_note": _l("Credit note"),
    "payment": _l("Payment received"),
    "refund": _l("Refund paid back"),
    "remittance": _l("Agency remittance"),
    "agency_job": _l("Agency job done, not yet paid"),
    "expense": _l("Expense"),
    "mileage": _l("Mileage"),
    "bank_line": _l("Bank statement line"),
    "bank_batch": _l("Bank statement import, one day's lines"),
    "bank_match": _l("Bank line matched"),
}

IN_FORCE = "in_force"
REPLACED = "replaced"
REVERSAL = "reversal"


@dataclass(frozen=True)
class LineWords:
    """A journal line as the "How this is counted" block shows it."""

    code: str
    account: str
    sentence: str
    money_in: int  # the debit, in pence (0 when a credit)
    money_out: int  # the credit, as a positive amount
    currency: str
    basis_note: str


@dataclass(frozen=True)
class EntryWords:
    id: uuid.UUID
    kind: str
    kind_label: str
    version: int
    date: Any
    description: str
    currency: str
    state: str
    lines: tuple[LineWords, ...]


@dataclass(frozen=True)
class BatchShare:
    """A statement line whose bank side its statement's entry for the day counts, with the
    other lines of that day's import: the line's amount, and the entry's."""

    account: str  # the bank account, in words
    amount: int  # the line's (signed: money in positive)
    total: int  # the statement entry's, on that account (what it holds now)
    lines: int  # the lines of the import that entry counts now
    date: Any
    currency: str


@dataclass(frozen=True)
class HowCounted:
    """The entries in force for a document (and the documents settling it), and the older
    versions that were reversed, in the order they were posted."""

    in_force: tuple[EntryWords, ...]
    older: tuple[EntryWords, ...]
    #: A bank line counted in its statement's entry for the day: its share of it.
    batch_share: BatchShare | None = None

    @property
    def empty(self) -> bool:
        return not self.in_force and not self.older


Sources = list[tuple[str, uuid.UUID]]


def _invoice_related(session: Session, user_id: uuid.UUID, invoice_id: uuid.UUID) -> Sources:
    from minimin.banking.models import MATCH_INVOICE, BankMatch
    from minimin.invoices.models import CreditNote, Payment, Refund

    related: Sources = []
    for kind, model in (("credit_note", CreditNote), ("payment", Payment), ("refund", Refund)):
        related += [
            (kind, row_id)
            for row_id in session.scalars(
                sa.select(model.id).where(model.user_id == user_id, model.invoice_id == invoice_id)
            )
        ]
    return related + _matches_of(session, user_id, BankMatch.kind == MATCH_INVOICE, invoice_id)


def _matches_of(
    session: Session, user_id: uuid.UUID, kind_is: Any, target_id: uuid.UUID
) -> Sources:
    from minimin.banking.models import BankMatch

    return [
        ("bank_match", row_id)
        for row_id in session.scalars(
            sa.select(BankMatch.id).where(
                BankMatch.user_id == user_id, kind_is, BankMatch.target_id == target_id
            )
        )
    ]


def _remittance_related(session: Session, user_id: uuid.UUID, remittance_id: uuid.UUID) -> Sources:
    """A remittance's jobs posted as done, the payments it recorded on invoices, its
    commission expenses and its bank matches."""
    from minimin.banking.models import MATCH_REMITTANCE, BankMatch
    from minimin.remittances.models import AgencyIncome, RemittanceLine

    related: Sources = [
        ("agency_job", job_id)
        for job_id in session.scalars(
            sa.select(RemittanceLine.job_id).where(
                RemittanceLine.user_id == user_id,
                RemittanceLine.remittance_id == remittance_id,
                RemittanceLine.job_id.is_not(None),
            )
        )
        if job_id is not None
    ]
    for payment_id, expense_id in session.execute(
        sa.select(AgencyIncome.payment_id, AgencyIncome.expense_id).where(
            AgencyIncome.user_id == user_id, AgencyIncome.remittance_id == remittance_id
        )
    ):
        related += [("payment", payment_id)] if payment_id is not None else []
        related += [("expense", expense_id)] if expense_id is not None else []
    return related + _matches_of(
        session, user_id, BankMatch.kind == MATCH_REMITTANCE, remittance_id
    )


def _expense_related(session: Session, user_id: uuid.UUID, expense_id: uuid.UUID) -> Sources:
    from minimin.banking.models import MATCH_EXPENSE, BankMatch

    return _matches_of(session, user_id, BankMatch.kind == MATCH_EXPENSE, expense_id)


def _bank_line_related(session: Session, user_id: uuid.UUID, txn_id: uuid.UUID) -> Sources:
    """A bank line's matches, and the statement entry of its day that counts its bank side
    (a line a statement import added)."""
    from minimin.banking.models import BankMatch, BankTransaction

    matches = session.scalars(
        sa.select(BankMatch.id).where(
            BankMatch.user_id == user_id, BankMatch.transaction_id == txn_id
        )
    )
    batch_id = session.scalar(
        sa.select(BankTransaction.ledger_batch_id).where(
            BankTransaction.user_id == user_id, BankTransaction.id == txn_id
        )
    )
    batch: Sources = [("bank_batch", batch_id)] if batch_id is not None else []
    # A match may be keyed by its own row or by the bank line it explains.
    return [*batch, ("bank_match", txn_id), *(("bank_match", match_id) for match_id in matches)]


def _batch_share(
    session: Session,
    user_id: uuid.UUID,
    txn_id: uuid.UUID,
    entries: list[Any],
    names: Mapping[str, str],
) -> BatchShare | None:
    """The share of a bank line in its statement's entry for the day (in force)."""
    from minimin.banking.models import BankTransaction
    from minimin.ledger import accounts

    row = session.execute(
        sa.select(
            BankTransaction.bank_account_id,
            BankTransaction.amount_pence,
            BankTransaction.ledger_batch_id,
        ).where(BankTransaction.user_id == user_id, BankTransaction.id == txn_id)
    ).one_or_none()
    if row is None or row.ledger_batch_id is None:
        return None
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
    batch = next(
        (
            e
            for e in entries
            if e.source_kind == "bank_batch"
            and e.source_id == row.ledger_batch_id
            and e.reverses_id is None
            and e.id not in reversed_ids
        ),
        None,
    )
    if batch is None:
        return None
    code = accounts.bank(row.bank_account_id)
    lines = session.scalar(
        sa.select(sa.func.count()).where(BankTransaction.ledger_batch_id == row.ledger_batch_id)
    )
    return BatchShare(
        account=account_label(code, names),
        amount=row.amount_pence,
        total=sum(line.amount_pence for line in batch.lines if line.account == code),
        lines=int(lines or 0),
        date=batch.moved_from or batch.date,
        currency=batch.currency,
    )


#: The documents whose entries a document's page shows with its own: an invoice's credit
#: notes, payments, refunds and bank matches; a remittance's jobs posted as done...
RELATED = {
    "invoice": _invoice_related,
    "remittance": _remittance_related,
    "expense": _expense_related,
    "bank_line": _bank_line_related,
}


def _entries_of(session: Session, user_id: uuid.UUID, sources: Sources) -> list[Any]:
    from sqlalchemy.orm import selectinload

    from minimin.ledger.models import JournalEntry

    by_kind: dict[str, set[uuid.UUID]] = {}
    for kind, source_id in sources:
        by_kind.setdefault(kind, set()).add(source_id)
    return list(
        session.scalars(
            sa.select(JournalEntry)
            .options(selectinload(JournalEntry.lines))
            .where(
                JournalEntry.user_id == user_id,
                sa.or_(
                    *(
                        sa.and_(JournalEntry.source_kind == kind, JournalEntry.source_id.in_(ids))
                        for kind, ids in by_kind.items()
                    )
                ),
            )
            .order_by(JournalEntry.date, JournalEntry.posted_at, JournalEntry.version)
        )
    )


def _entry_words(entry: Any, state: str, names: Mapping[str, str]) -> EntryWords:
    from minimin.ledger import accounts

    kind = entry.source_kind
    if kind == "bank_line" and not any(
        line.account.startswith(accounts.BANK_PREFIX) for line in entry.lines
    ):
        # A line whose statement entry counts its bank side: its own entry only explains it
        # (suspense "now explained", as a match says).
        kind = ""
    lines = tuple(
        LineWords(
            code=line.account,
            account=account_label(line.account, names),
            sentence=line_sentence(line.account, line.amount_pence, line.currency, names, kind),
            money_in=max(line.amount_pence, 0),
            money_out=max(-line.amount_pence, 0),
            currency=line.currency,
            basis_note=str(BASIS_NOTES.get(line.basis, "")),
        )
        for line in entry.lines
    )
    return EntryWords(
        id=entry.id,
        kind=entry.source_kind,
        kind_label=str(SOURCE_KINDS.get(entry.source_kind, entry.source_kind)),
        version=entry.version,
        date=entry.date,
        description=entry.description,
        currency=entry.currency,
        state=state,
        lines=lines,
    )


def how_counted(user_id: uuid.UUID, source_kind: str, source_id: uuid.UUID) -> HowCounted:
    """The journal entries behind document (*source_kind*, *source_id*) in words: those in
    force (the document's own, and for an invoice those of its credit notes, payments, refunds
    and bank matches), then the older versions and the reversals that cancelled them."""
    from minimin.extensions import db
    from minimin.ledger.queries import fresh

    session = fresh(db.session())
    sources: Sources = [(source_kind, source_id)]
    related = RELATED.get(source_kind)
    if related is not None:
        sources += related(session, user_id, source_id)
    entries = _entries_of(session, user_id, sources)
    names = names_for(session, user_id, (line.account for e in entries for line in e.lines))
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
    in_force: list[EntryWords] = []
    older: list[EntryWords] = []
    for entry in entries:
        if entry.reverses_id is not None:
            older.append(_entry_words(entry, REVERSAL, names))
        elif entry.id in reversed_ids:
            older.append(_entry_words(entry, REPLACED, names))
        else:
            in_force.append(_entry_words(entry, IN_FORCE, names))
    share = (
        _batch_share(session, user_id, source_id, entries, names)
        if source_kind == "bank_line"
        else None
    )
    return HowCounted(tuple(in_force), tuple(older), share)
