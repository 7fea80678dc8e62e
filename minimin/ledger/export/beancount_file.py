"""The whole journal as a beancount file, written here without the beancount library (the
tests check it with ``bean-check`` and beanquery): accruals basis, an ``open`` per account
dated its first line, one transaction per entry."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.ledger import accounts as acc
from minimin.ledger.entries import READS
from minimin.ledger.export.statements import BATCH, line_order, pounds
from minimin.ledger.labels import account_label, names_for
from minimin.ledger.models import JournalEntry, JournalLine
from minimin.ledger.queries import fresh

BEANCOUNT_ROOTS = {
    acc.ASSET: "Assets",
    acc.LIABILITY: "Liabilities",
    acc.EQUITY: "Equity",
    acc.INCOME: "Income",
    acc.EXPENSE: "Expenses",
}
#: Readable beancount names for the fixed accounts (others are built from their code).
BEANCOUNT_NAMES = {
    acc.TURNOVER_DIRECT: "Income:Turnover:Direct",
    acc.TURNOVER_AGENCY: "Income:Turnover:Agency",
    acc.OTHER_INCOME: "Income:Other",
    acc.OUTPUT_VAT: "Liabilities:VAT:Output",
    acc.INPUT_VAT: "Assets:VAT:Input",
    acc.UNPAID_SALES: "Liabilities:UnpaidSales",
    acc.UNDEPOSITED: "Assets:Undeposited",
    acc.AGENCY_CLEARING: "Assets:AgencyClearing",
    acc.SUSPENSE: "Assets:Suspense",
    acc.TRANSFERS: "Assets:Transfers",
    acc.OWNER_CAPITAL: "Equity:Capital",
    acc.OWNER_DRAWINGS: "Equity:Drawings",
}
#: Accounts per client, agency or bank account: the parent, then the name and the id's start.
BEANCOUNT_NAMED = {
    acc.DEBTOR_CLIENT_PREFIX: "Assets:Debtors:Clients",
    acc.DEBTOR_AGENCY_PREFIX: "Assets:Debtors:Agencies",
    acc.BANK_PREFIX: "Assets:Bank",
}
_WORD = re.compile(r"[A-Za-z0-9]+")


def _component(text: str, fallback: str = "X") -> str:
    """A valid beancount account component (a capital or digit first, then letters, digits
    and dashes) from any text: ASCII words capitalised and joined."""
    joined = "".join(word[:1].upper() + word[1:] for word in _WORD.findall(text))[:48]
    return joined or fallback


def beancount_account(code: str, names: Mapping[str, str]) -> str:
    """The beancount account name of *code*: ``Assets:Bank:Barclays-1a2b3c4d``."""
    if code in BEANCOUNT_NAMES:
        return BEANCOUNT_NAMES[code]
    for prefix, parent in BEANCOUNT_NAMED.items():
        if code.startswith(prefix):
            key = code[len(prefix) :]
            name = _component(names.get(code, ""), "Unknown")
            return f"{parent}:{name}-{_component(key.replace('-', ''))[:8]}"
    if code.startswith(acc.EXPENSE_BOX_PREFIX):
        return f"Expenses:Allowable:Box{_component(code[len(acc.EXPENSE_BOX_PREFIX) :])}"
    if code.startswith(acc.DISALLOWABLE_PREFIX):
        return f"Expenses:Disallowable:Box{_component(code[len(acc.DISALLOWABLE_PREFIX) :])}"
    kind, *rest = code.split(":")
    root = BEANCOUNT_ROOTS.get(kind, "Equity")
    return ":".join([root, *(_component(part) for part in rest or ["Other"])])


def beancount_accounts(codes: list[str], names: Mapping[str, str]) -> dict[str, str]:
    """Each code's beancount name, made unique should two codes give the same one."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for code in sorted(codes):
        name = beancount_account(code, names)
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}-{n}"
        taken.add(candidate)
        out[code] = candidate
    return out


def _quoted(text: str) -> str:
    """Text as a beancount string: one line, no double quote or backslash to escape."""
    flat = " ".join(str(text).split()).replace("\\", "/").replace('"', "'")
    return f'"{flat}"'


def beancount_lines(
    session: Session, user_id: uuid.UUID, *, title: str = "", today: dt.date | None = None
) -> Iterator[str]:
    """The whole journal on the accruals basis as beancount text, line by line: options, an
    Open directive per account dated its first line, then one transaction per entry with its
    postings (sterling, or the entry's own currency when it had no exchange rate)."""
    session = fresh(session)
    bases = READS["accruals"]
    first_lines = (
        sa.select(JournalLine.account, sa.func.min(JournalLine.date))
        .where(JournalLine.user_id == user_id, JournalLine.basis.in_(bases))
        .group_by(JournalLine.account)
    )
    firsts: dict[str, dt.date] = dict(session.execute(first_lines).all())
    codes = list(firsts)
    names = names_for(session, user_id, codes)
    mapped = beancount_accounts(codes, names)
    exported = (today or dt.date.today()).isoformat()
    yield f"; Minimin: the whole journal on the accruals basis, exported {exported}."
    yield "; Amounts are in pounds (GBP) unless an entry had no exchange rate (its own currency)."
    yield f"option {_quoted('title')} {_quoted(title or 'Minimin ledger')}"
    yield 'option "operating_currency" "GBP"'
    yield ""
    for code in sorted(codes, key=lambda c: (firsts[c], mapped[c])):
        yield f"{firsts[code].isoformat()} open {mapped[code]}"
        yield f"  name: {_quoted(account_label(code, names))}"
        yield f"  minimin_code: {_quoted(code)}"
    yield ""
    yield from _beancount_transactions(session, user_id, mapped)


def _beancount_transactions(
    session: Session, user_id: uuid.UUID, mapped: Mapping[str, str]
) -> Iterator[str]:
    result = session.execute(
        sa.select(JournalLine, JournalEntry)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.user_id == user_id, JournalLine.basis.in_(READS["accruals"]))
        .order_by(*line_order())
        .execution_options(yield_per=BATCH)
    )
    current: uuid.UUID | None = None
    for line, entry in result:
        if entry.id != current:
            if current is not None:
                yield ""
            current = entry.id
            yield f"{entry.date.isoformat()} * {_quoted(entry.description or entry.source_kind)}"
            yield f"  source: {_quoted(entry.source_kind)}"
            yield f"  source_id: {_quoted(str(entry.source_id))}"
            yield f"  version: {entry.version}"
            if entry.reverses_id is not None:
                yield f"  reverses: {_quoted(str(entry.reverses_id))}"
        yield f"  {mapped[line.account]}  {pounds(line.amount_pence)} {line.currency}"
    if current is not None:
        yield ""


def beancount_text(session: Session, user_id: uuid.UUID, **kwargs: Any) -> str:
    return "\n".join(beancount_lines(session, user_id, **kwargs)) + "\n"
