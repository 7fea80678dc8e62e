"""Expenses by SA103F box (17-30), each split into its allowable and disallowable parts, with
the mileage claim in box 20: the debits of the journal's ``expense:box:<n>`` and
``expense:disallowable:<n>`` accounts.

The posting scheme decides what is allowable on which basis (on the cash basis irrecoverable
debts, box 27, are posted disallowable: unpaid income was never counted). Expenses in another
currency are reported apart, unconverted.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from minimin.expenses import categories
from minimin.reports.ledger import journal
from minimin.reports.ledger.mileage import mileage_of
from minimin.reports.ledger.periods import CASH, check_period

BAD_DEBTS_BOX = 27


@dataclass(frozen=True)
class BoxLine:
    """One SA103F expense box: allowable (boxes 17-30) and disallowable (boxes 32-45) parts."""

    box: int
    label: Any
    allowable_pence: int = 0
    disallowable_pence: int = 0
    count: int = 0

    @property
    def total_pence(self) -> int:
        return self.allowable_pence + self.disallowable_pence

    @property
    def disallowable_box(self) -> int:
        return self.box + 15


@dataclass(frozen=True)
class ExpenseSummary:
    start: date
    end: date
    basis: str
    boxes: tuple[BoxLine, ...]
    mileage_pence: int = 0
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def allowable_pence(self) -> int:
        """SA103F box 31: total allowable expenses (mileage included in box 20)."""
        return sum(b.allowable_pence for b in self.boxes)

    @property
    def disallowable_pence(self) -> int:
        """SA103F box 46: total disallowable expenses."""
        return sum(b.disallowable_pence for b in self.boxes)

    @property
    def total_pence(self) -> int:
        return self.allowable_pence + self.disallowable_pence

    def box(self, number: int) -> BoxLine:
        for line in self.boxes:
            if line.box == number:
                return line
        raise KeyError(number)


def box_labels() -> dict[int, Any]:
    """SA103F box number → label (the first category of each box names it)."""
    labels: dict[int, Any] = {}
    for category in categories.CATEGORIES:
        if category.box not in labels and category.code != "entertainment":
            labels[category.box] = category.label
    labels[24] = _l("Advertising and business entertainment")
    labels[30] = _l("Other business expenses")
    return labels


def expenses_by_box(
    user_id: uuid.UUID,
    start: date,
    end: date,
    basis: str = CASH,
    *,
    include_mileage: bool = True,
) -> ExpenseSummary:
    """Expenses dated *start*..*end* in SA103F boxes 17-30, each with its allowable and
    disallowable parts, as the journal's expense accounts hold them on *basis*; the mileage
    claim (journeys' shares, box 20) is counted when *include_mileage*."""
    check_period(start, end, basis)
    rows = journal.period_rows(user_id, start, end, basis, codes=journal.EXPENSE_ACCOUNTS)
    skipped = () if include_mileage else (journal.MILEAGE_KIND,)
    found = journal.sums_of(rows, journal.EXPENSE_ACCOUNTS, not_kinds=skipped)
    mileage = mileage_of(rows) if include_mileage else 0
    return expenses_from(start, end, basis, found, mileage)


def expenses_from(
    start: date, end: date, basis: str, found: journal.Sums, mileage: int
) -> ExpenseSummary:
    """The :class:`ExpenseSummary` of the expense accounts' debits by account (with the
    documents behind each) and the mileage claim counted in them."""
    allowed: dict[int, int] = defaultdict(int)
    refused: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    for (account,), amount in found.gbp.items():
        box, allowable = journal.box_of(account)
        (allowed if allowable else refused)[box] += amount
        if allowable:  # an expense with both parts is one expense
            counts[box] += found.counts.get((account,), 0)
    labels = box_labels()
    boxes = tuple(
        BoxLine(box, labels[box], allowed[box], refused[box], counts[box])
        for box in categories.BOXES
    )
    return ExpenseSummary(start, end, basis, boxes, mileage, found.unconverted)
