"""Journal entries as plain values: the lines a document posts, and the arithmetic on them.

No Flask and no database here: posting rules build :class:`Posting` values from a document's
facts, and the service writes them. Amounts are integer minor units, **debit positive, credit
negative**, so an entry balances when its lines sum to zero.

Bases. Income tax allows the cash basis or accruals, and VAT the standard scheme (by tax point)
or cash accounting (by payment). One journal serves both: a line is posted on both bases
(``BOTH``), on the accruals basis only (``ACCRUALS``) or on the cash basis only (``CASH``), and
an entry balances on each basis. An issued invoice credits turnover and output VAT on the
accruals basis, and on the cash basis credits "invoices not yet paid"; the payment then moves
that into turnover and output VAT on the cash basis. A report on one basis reads the lines of
that basis and ``BOTH``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

BOTH = "B"
ACCRUALS = "A"
CASH = "C"
BASES = (BOTH, ACCRUALS, CASH)
#: The report basis name (as the reports use it) -> the line bases it reads.
READS = {"accruals": (BOTH, ACCRUALS), "cash": (BOTH, CASH)}


class UnbalancedEntry(ValueError):
    """A posting whose lines do not sum to zero on each basis: a bug in a posting rule."""


@dataclass(frozen=True)
class Line:
    """One line of an entry: an amount on an account, with what it is about."""

    account: str
    amount: int
    basis: str = BOTH
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    #: The VAT treatment of the supply or purchase behind a turnover, expense or VAT line
    #: (standard, reduced, zero, exempt, outside, none...): the VAT return's boxes 6 and 7.
    vat_code: str | None = None
    memo: str = ""

    def key(self) -> tuple[object, ...]:
        """What makes two lines the same line (the memo is words only)."""
        return (
            self.account,
            self.basis,
            self.client_id,
            self.agency_id,
            self.job_id,
            self.vat_code,
        )


@dataclass(frozen=True)
class Posting:
    """What one source document posts: one balanced entry."""

    date: dt.date
    description: str
    lines: tuple[Line, ...]
    currency: str = "GBP"
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_balanced(self.lines)


def check_balanced(lines: Iterable[Line]) -> None:
    """Raise :class:`UnbalancedEntry` unless *lines* sum to zero on both bases."""
    totals = {ACCRUALS: 0, CASH: 0}
    for line in lines:
        if line.basis not in BASES:
            raise UnbalancedEntry(f"unknown basis {line.basis!r}")
        if line.basis in (BOTH, ACCRUALS):
            totals[ACCRUALS] += line.amount
        if line.basis in (BOTH, CASH):
            totals[CASH] += line.amount
    if totals[ACCRUALS] or totals[CASH]:
        raise UnbalancedEntry(f"entry does not balance: {totals}")


def compact(lines: Iterable[Line]) -> tuple[Line, ...]:
    """Lines with the same key merged (memos joined), zero lines dropped, in a stable order."""
    merged: dict[tuple[object, ...], Line] = {}
    for line in lines:
        key = line.key()
        if key in merged:
            old = merged[key]
            memo = old.memo if line.memo in ("", old.memo) else f"{old.memo}; {line.memo}"
            merged[key] = replace(old, amount=old.amount + line.amount, memo=memo[:300])
        else:
            merged[key] = line
    return tuple(line for line in merged.values() if line.amount != 0)


def same_lines(a: Iterable[Line], b: Iterable[Line]) -> bool:
    """Whether two sets of lines post the same amounts to the same keys."""

    def totals(lines: Iterable[Line]) -> dict[tuple[object, ...], int]:
        out: dict[tuple[object, ...], int] = defaultdict(int)
        for line in lines:
            out[line.key()] += line.amount
        return {k: v for k, v in out.items() if v}

    return totals(a) == totals(b)


def reversed_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines that cancel *lines*."""
    return tuple(replace(line, amount=-line.amount) for line in lines)


def split_vat_share(amount: int, vat: int, total: int) -> tuple[int, int]:
    """(net, VAT) of a part payment *amount* of a document of *total* carrying *vat*: the VAT
    share is ``amount × vat ÷ total`` rounded half up (away from zero for negatives)."""
    if total == 0 or vat == 0:
        return amount, 0
    numerator = abs(amount) * abs(vat) * 2 + abs(total)
    share = numerator // (2 * abs(total))
    sign = (1 if amount >= 0 else -1) * (1 if vat >= 0 else -1) * (1 if total >= 0 else -1)
    share *= sign
    return amount - share, share
