"""Proofs that the books are whole: the trial balance is zero on each basis and currency and
so is each entry; each line agrees with its entry; every document that posts has exactly one
entry in force, equal to what it says now (lines, date, currency), and each reversal cancels
an entry of its own document; no entry lacks its document; and each family's own proofs
(:func:`minimin.ledger.posting.proof`: each bank account holds exactly its statement lines,
counted in their own entries or their statement batches'). ``minimin ledger check`` runs them;
so does the test suite."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.ledger import posting
from minimin.ledger.entries import (
    ACCRUALS,
    BOTH,
    CASH,
    Line,
    compact,
    reversed_lines,
    same_lines,
)
from minimin.ledger.models import JournalEntry, JournalLine


@dataclass
class Report:
    users: int = 0
    entries: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


#: The words for a report basis in the check's messages.
BASIS_NAMES = {ACCRUALS: "accruals", CASH: "cash"}


def trial_balance(session: Session, user_id: uuid.UUID) -> dict[tuple[str, str], int]:
    """The sum of all lines by (basis, currency): all zero when the books balance."""
    rows = session.execute(
        sa.select(JournalLine.basis, JournalLine.currency, sa.func.sum(JournalLine.amount_pence))
        .where(JournalLine.user_id == user_id)
        .group_by(JournalLine.basis, JournalLine.currency)
    )
    by_basis: dict[tuple[str, str], int] = defaultdict(int)
    for basis, currency, amount in rows:
        for report_basis in (ACCRUALS, CASH):
            if basis in (BOTH, report_basis):
                by_basis[(report_basis, currency)] += int(amount or 0)
    return dict(by_basis)


def _basis_sum(basis: str) -> Any:
    """SQL: the sum of the amounts of lines read on report *basis* (its own and both)."""
    return sa.func.sum(
        sa.case((JournalLine.basis.in_((BOTH, basis)), JournalLine.amount_pence), else_=0)
    )


def _check_balances(session: Session, user_id: uuid.UUID, report: Report) -> None:
    """The trial balance is zero on each basis and currency, and so is each entry."""
    for (basis, currency), amount in sorted(trial_balance(session, user_id).items()):
        if amount:
            report.problems.append(
                f"user {user_id}: trial balance {BASIS_NAMES[basis]}/{currency} is {amount}, not 0"
            )
    unbalanced = session.execute(
        sa.select(JournalLine.entry_id)
        .where(JournalLine.user_id == user_id)
        .group_by(JournalLine.entry_id)
        .having(sa.or_(_basis_sum(ACCRUALS) != 0, _basis_sum(CASH) != 0))
    ).all()
    for (entry_id,) in unbalanced:
        report.problems.append(f"user {user_id}: entry {entry_id} does not balance")


def _check_lines_follow_entries(session: Session, user_id: uuid.UUID, report: Report) -> None:
    """Each line repeats its entry's owner, date and currency (reports sum lines without the
    entry, so a line that disagrees would count on another day, in another currency or in
    another business's books)."""
    strays = session.scalars(
        sa.select(JournalLine.entry_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            sa.or_(JournalLine.user_id == user_id, JournalEntry.user_id == user_id),
            sa.or_(
                JournalLine.user_id != JournalEntry.user_id,
                JournalLine.date != JournalEntry.date,
                JournalLine.currency != JournalEntry.currency,
            ),
        )
        .distinct()
    ).all()
    for entry_id in strays:
        report.problems.append(
            f"user {user_id}: entry {entry_id} has lines of another owner, date or currency"
        )


def _check_entries_once(session: Session, user_id: uuid.UUID, report: Report) -> None:
    """Each document has at most one entry in force (the others reversed), and each reversal
    cancels, line for line, an entry of its own document."""
    entries = {
        e.id: e
        for e in session.execute(
            sa.select(
                JournalEntry.id,
                JournalEntry.source_kind,
                JournalEntry.source_id,
                JournalEntry.reverses_id,
            ).where(JournalEntry.user_id == user_id)
        )
    }
    lines: dict[uuid.UUID, list[Line]] = defaultdict(list)
    for row in session.execute(
        sa.select(
            JournalLine.entry_id,
            JournalLine.account,
            JournalLine.amount_pence,
            JournalLine.basis,
            JournalLine.client_id,
            JournalLine.agency_id,
            JournalLine.job_id,
            JournalLine.vat_code,
        ).where(JournalLine.user_id == user_id)
    ):
        lines[row.entry_id].append(Line(*row[1:]))
    reversed_ids = {e.reverses_id for e in entries.values() if e.reverses_id is not None}
    in_force = Counter(
        (e.source_kind, e.source_id)
        for e in entries.values()
        if e.reverses_id is None and e.id not in reversed_ids
    )
    for (kind, source_id), count in sorted(in_force.items(), key=lambda i: (i[0][0], str(i[0][1]))):
        if count > 1:
            report.problems.append(
                f"user {user_id}: {kind} {source_id} has {count} entries in force "
                "(posted more than once)"
            )
    for entry in entries.values():
        if entry.reverses_id is None:
            continue
        cancelled = entries.get(entry.reverses_id)
        if cancelled is None or (cancelled.source_kind, cancelled.source_id) != (
            entry.source_kind,
            entry.source_id,
        ):
            report.problems.append(
                f"user {user_id}: reversal {entry.id} cancels an entry of another document"
            )
        elif not same_lines(lines[entry.id], reversed_lines(lines[cancelled.id])):
            report.problems.append(
                f"user {user_id}: reversal {entry.id} does not cancel the entry it reverses"
            )


def _check_documents(session: Session, user_id: uuid.UUID, report: Report) -> None:
    """Every document that posts has its entry in force, posted on its date with the lines
    it makes now; every entry in force has its document."""
    kinds = posting.registered_kinds()
    sources = session.execute(
        sa.select(JournalEntry.source_kind, JournalEntry.source_id)
        .where(JournalEntry.user_id == user_id)
        .distinct()
    ).all()
    seen: set[tuple[str, uuid.UUID]] = set()
    for kind, source_id in sources:
        if kind not in kinds:
            report.problems.append(f"user {user_id}: entries of unknown source kind {kind!r}")
            continue
        seen.add((kind, source_id))
    for kind in kinds:
        for source_id in posting.lister_for(kind)(session, user_id):
            seen.add((kind, source_id))
    for kind, source_id in sorted(seen, key=lambda s: (s[0], str(s[1]))):
        report.documents += 1
        wanted = posting.poster_for(kind)(session, source_id)
        current = posting.in_force(session, user_id, kind, source_id).entry
        wanted_lines = compact(wanted.lines) if wanted is not None else ()
        if current is None and wanted_lines:
            report.problems.append(f"user {user_id}: {kind} {source_id} is not posted")
        elif current is not None and not wanted_lines:
            report.problems.append(
                f"user {user_id}: {kind} {source_id} has an entry but its document posts nothing"
            )
        elif current is not None and not same_lines(posting.lines_of(current), wanted_lines):
            report.problems.append(
                f"user {user_id}: {kind} {source_id} is posted with other figures than it has"
            )
        elif current is not None and wanted is not None:
            # An entry moved out of a closed period keeps the date it belongs to.
            posted_for = current.moved_from or current.date
            if (posted_for, current.currency) != (wanted.date, wanted.currency):
                report.problems.append(
                    f"user {user_id}: {kind} {source_id} is posted on {posted_for} in "
                    f"{current.currency}, but the document says {wanted.date} in "
                    f"{wanted.currency}"
                )


def check_user(session: Session, user_id: uuid.UUID, report: Report) -> None:
    report.entries += int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.user_id == user_id)
        )
        or 0
    )
    _check_balances(session, user_id, report)
    _check_lines_follow_entries(session, user_id, report)
    _check_entries_once(session, user_id, report)
    _check_documents(session, user_id, report)
    for proof in posting.proofs():
        report.problems.extend(f"user {user_id}: {problem}" for problem in proof(session, user_id))


def check(session: Session, user_ids: list[uuid.UUID] | None = None) -> Report:
    """Check the books of *user_ids* (everyone's when ``None``)."""
    from minimin.accounts.models import User

    if user_ids is None:
        user_ids = list(session.scalars(sa.select(User.id)))
    report = Report()
    for user_id in user_ids:
        report.users += 1
        check_user(session, user_id, report)
    return report


def post_all(
    session: Session, user_ids: list[uuid.UUID] | None = None, *, history: bool = False
) -> int:
    """Post every document of *user_ids* (everyone's when ``None``) that is not posted as it
    says now: the backfill for data from before the journal (*history*: on the documents' own
    dates, closed periods included) and a repair (a correction on the first open day). Returns
    how many documents changed."""
    from minimin.accounts.models import User

    if user_ids is None:
        user_ids = list(session.scalars(sa.select(User.id)))
    changed = 0
    for user_id in user_ids:
        for kind in posting.registered_kinds():
            for source_id in list(posting.lister_for(kind)(session, user_id)):
                changed += posting.sync(session, user_id, kind, source_id, history=history)
    session.flush()
    return changed
