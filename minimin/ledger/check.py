"""Proofs that the books are whole: the trial balance is zero on each basis and currency,
every document that posts has exactly one entry in force equal to what it says now, and no
entry lacks its document. ``minimin ledger check`` runs them; so does the test suite."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.ledger import posting
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, compact, same_lines
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


def check_user(session: Session, user_id: uuid.UUID, report: Report) -> None:
    for (basis, currency), amount in trial_balance(session, user_id).items():
        if amount:
            report.problems.append(
                f"user {user_id}: trial balance {basis}/{currency} is {amount}, not 0"
            )
    unbalanced = session.execute(
        sa.select(JournalLine.entry_id)
        .where(JournalLine.user_id == user_id)
        .group_by(JournalLine.entry_id)
        .having(
            sa.or_(
                sa.func.sum(
                    sa.case((JournalLine.basis.in_(("B", "A")), JournalLine.amount_pence), else_=0)
                )
                != 0,
                sa.func.sum(
                    sa.case((JournalLine.basis.in_(("B", "C")), JournalLine.amount_pence), else_=0)
                )
                != 0,
            )
        )
    ).all()
    for (entry_id,) in unbalanced:
        report.problems.append(f"user {user_id}: entry {entry_id} does not balance")
    kinds = posting.registered_kinds()
    sources = session.execute(
        sa.select(JournalEntry.source_kind, JournalEntry.source_id)
        .where(JournalEntry.user_id == user_id)
        .distinct()
    ).all()
    report.entries += int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.user_id == user_id)
        )
        or 0
    )
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
        if kind not in kinds:
            continue
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


def post_all(session: Session, user_ids: list[uuid.UUID] | None = None) -> int:
    """Post every document of *user_ids* (everyone's when ``None``) that is not posted as it
    says now: the backfill for data from before the journal, and a repair. Returns how many
    documents changed."""
    from minimin.accounts.models import User

    if user_ids is None:
        user_ids = list(session.scalars(sa.select(User.id)))
    changed = 0
    for user_id in user_ids:
        for kind in posting.registered_kinds():
            for source_id in list(posting.lister_for(kind)(session, user_id)):
                changed += posting.sync(session, user_id, kind, source_id)
    session.flush()
    return changed
