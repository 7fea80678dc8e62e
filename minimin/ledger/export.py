"""The journal for the accountant: the trial balance at a date, the general ledger of an
account over a period (paged), the journal as CSV rows, and the whole ledger as a beancount
file.

Everything reads :class:`~minimin.ledger.models.JournalLine` after settling the transaction's
touched documents (:func:`~minimin.ledger.queries.fresh`), on one basis: accruals reads the
lines on both bases and the accruals-only ones, cash those on both and the cash-only ones.
Amounts are debit positive, as stored. The beancount text is written here, without the
beancount library (the tests check it with ``bean-check`` and ``bean-query``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.ledger import accounts as acc
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, READS
from minimin.ledger.labels import account_label, names_for
from minimin.ledger.models import JournalEntry, JournalLine, LedgerAccount
from minimin.ledger.queries import fresh

#: Lines on a page of the general ledger.
PER_PAGE = 100
#: Rows read from the database at a time when streaming a whole export.
BATCH = 500
BASIS_WORDS = {BOTH: "both", ACCRUALS: "accruals", CASH: "cash"}
#: Accounts are listed assets first, then liabilities, equity, income and expenses.
KIND_ORDER = {kind: n for n, kind in enumerate(acc.KINDS)}


def pounds(pence: int) -> str:
    """A plain amount in pounds for CSV and beancount (``-12.05``), never a float."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}{whole}.{part:02d}"


def account_order(code: str) -> tuple[int, str]:
    return KIND_ORDER.get(code.split(":", 1)[0], len(KIND_ORDER)), code


def account_names(session: Session, user_id: uuid.UUID) -> dict[str, str]:
    """Every account the user's journal has used -> its name in words (three statements for
    the contact and bank account names, one for the codes)."""
    codes = list(
        session.scalars(sa.select(LedgerAccount.code).where(LedgerAccount.user_id == user_id))
    )
    names = names_for(session, user_id, codes)
    return {code: account_label(code, names) for code in sorted(codes, key=account_order)}


def _line_order() -> tuple[Any, ...]:
    """The order lines were counted in: by date, then as posted."""
    return (JournalLine.date, JournalEntry.posted_at, JournalEntry.id, JournalLine.position)


# --------------------------------------------------------------------------- trial balance


@dataclass(frozen=True)
class BalanceRow:
    code: str
    account: str
    currency: str
    debit: int
    credit: int  # positive


@dataclass(frozen=True)
class TrialBalance:
    day: dt.date
    basis: str
    rows: tuple[BalanceRow, ...]

    def totals(self) -> dict[str, tuple[int, int]]:
        """(debits, credits) per currency: equal when the books balance."""
        out: dict[str, tuple[int, int]] = {}
        for row in self.rows:
            debit, credit = out.get(row.currency, (0, 0))
            out[row.currency] = (debit + row.debit, credit + row.credit)
        return out


def trial_balance(session: Session, user_id: uuid.UUID, day: dt.date, basis: str) -> TrialBalance:
    """Every account's balance at the end of *day* on *basis*, as a debit or a credit."""
    rows = (
        fresh(session)
        .execute(
            sa.select(
                JournalLine.currency, JournalLine.account, sa.func.sum(JournalLine.amount_pence)
            )
            .where(
                JournalLine.user_id == user_id,
                JournalLine.basis.in_(READS[basis]),
                JournalLine.date <= day,
            )
            .group_by(JournalLine.currency, JournalLine.account)
        )
        .all()
    )
    names = account_names(session, user_id)
    balances = [
        BalanceRow(
            code=code,
            account=names.get(code) or code,
            currency=currency,
            debit=max(int(amount), 0),
            credit=max(-int(amount), 0),
        )
        for currency, code, amount in rows
        if amount
    ]
    balances.sort(key=lambda r: (r.currency != "GBP", r.currency, account_order(r.code)))
    return TrialBalance(day, basis, tuple(balances))


# --------------------------------------------------------------------------- general ledger


@dataclass(frozen=True)
class LedgerRow:
    date: dt.date
    kind: str
    source_id: uuid.UUID
    version: int
    description: str
    memo: str
    debit: int
    credit: int
    balance: int  # debit positive


@dataclass(frozen=True)
class LedgerPage:
    code: str
    account: str
    start: dt.date
    end: dt.date
    basis: str
    opening: int
    closing: int
    rows: tuple[LedgerRow, ...]
    page: int
    pages: int


def _account_lines(
    user_id: uuid.UUID, code: str, basis: str, start: dt.date, end: dt.date
) -> list[Any]:
    return [
        JournalLine.user_id == user_id,
        JournalLine.account == code,
        JournalLine.basis.in_(READS[basis]),
        JournalLine.currency == "GBP",
        JournalLine.date >= start,
        JournalLine.date <= end,
    ]


def _balance_before(
    session: Session, user_id: uuid.UUID, code: str, basis: str, day: dt.date
) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(JournalLine.amount_pence), 0)).where(
                JournalLine.user_id == user_id,
                JournalLine.account == code,
                JournalLine.basis.in_(READS[basis]),
                JournalLine.currency == "GBP",
                JournalLine.date < day,
            )
        )
        or 0
    )


def general_ledger(
    session: Session,
    user_id: uuid.UUID,
    code: str,
    start: dt.date,
    end: dt.date,
    basis: str,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> LedgerPage:
    """The sterling lines of account *code* between *start* and *end* on *basis*, one page at a
    time, with the balance brought forward, the running balance and the closing balance."""
    session = fresh(session)
    where = _account_lines(user_id, code, basis, start, end)
    count = int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(JournalLine)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(*where)
        )
        or 0
    )
    pages = max(1, -(-count // per_page))
    page = min(max(page, 1), pages)
    opening = _balance_before(session, user_id, code, basis, start)
    ordered = (
        sa.select(JournalLine.amount_pence)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*where)
        .order_by(*_line_order())
    )
    # The balance at the top of this page: what was brought forward plus the earlier pages.
    earlier = ordered.limit((page - 1) * per_page).subquery()
    balance = opening + int(
        session.scalar(sa.select(sa.func.coalesce(sa.func.sum(earlier.c.amount_pence), 0))) or 0
    )
    rows: list[LedgerRow] = []
    for line, entry in session.execute(
        sa.select(JournalLine, JournalEntry)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*where)
        .order_by(*_line_order())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ):
        balance += line.amount_pence
        rows.append(
            LedgerRow(
                date=line.date,
                kind=entry.source_kind,
                source_id=entry.source_id,
                version=entry.version,
                description=entry.description,
                memo=line.memo,
                debit=max(line.amount_pence, 0),
                credit=max(-line.amount_pence, 0),
                balance=balance,
            )
        )
    closing = opening + int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(JournalLine.amount_pence), 0)).where(*where)
        )
        or 0
    )
    names = names_for(session, user_id, [code])
    return LedgerPage(
        code,
        account_label(code, names),
        start,
        end,
        basis,
        opening,
        closing,
        tuple(rows),
        page,
        pages,
    )


GENERAL_LEDGER_HEADER = (
    "account_code",
    "account",
    "date",
    "row",
    "source_kind",
    "source_id",
    "version",
    "description",
    "memo",
    "debit",
    "credit",
    "balance",
)


def general_ledger_rows(
    session: Session, user_id: uuid.UUID, start: dt.date, end: dt.date, basis: str
) -> Iterator[tuple[Any, ...]]:
    """Every sterling account's lines of the period on *basis*, account by account: a
    "brought forward" row, the lines with the running balance, a "carried forward" row.
    Streamed: one account's lines in memory at a time (read in batches)."""
    session = fresh(session)
    names = account_names(session, user_id)
    for code, name in names.items():
        balance = _balance_before(session, user_id, code, basis, start)
        where = _account_lines(user_id, code, basis, start, end)
        moved = False
        yield (code, name, start, "brought forward", "", "", "", "", "", "", "", pounds(balance))
        result = session.execute(
            sa.select(JournalLine, JournalEntry)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(*where)
            .order_by(*_line_order())
            .execution_options(yield_per=BATCH)
        )
        for line, entry in result:
            moved = True
            balance += line.amount_pence
            yield (
                code,
                name,
                line.date,
                "line",
                entry.source_kind,
                entry.source_id,
                entry.version,
                entry.description,
                line.memo,
                pounds(max(line.amount_pence, 0)),
                pounds(max(-line.amount_pence, 0)),
                pounds(balance),
            )
        if moved or balance:
            yield (code, name, end, "carried forward", "", "", "", "", "", "", "", pounds(balance))


# --------------------------------------------------------------------------- journal CSV

JOURNAL_HEADER = (
    "date",
    "entry_id",
    "source_kind",
    "source_id",
    "version",
    "reverses_entry_id",
    "description",
    "account_code",
    "account",
    "basis",
    "debit",
    "credit",
    "currency",
    "client_id",
    "agency_id",
    "job_id",
    "vat_code",
    "memo",
)


def journal_rows(
    session: Session, user_id: uuid.UUID, start: dt.date | None = None, end: dt.date | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every journal line dated between *start* and *end* (all when ``None``), entry by entry,
    on every basis (the ``basis`` column says which one a line counts on)."""
    session = fresh(session)
    names = account_names(session, user_id)
    where: list[Any] = [JournalLine.user_id == user_id]
    if start is not None:
        where.append(JournalLine.date >= start)
    if end is not None:
        where.append(JournalLine.date <= end)
    result = session.execute(
        sa.select(JournalLine, JournalEntry)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*where)
        .order_by(*_line_order())
        .execution_options(yield_per=BATCH)
    )
    for line, entry in result:
        yield (
            line.date,
            entry.id,
            entry.source_kind,
            entry.source_id,
            entry.version,
            entry.reverses_id or "",
            entry.description,
            line.account,
            names.get(line.account) or line.account,
            BASIS_WORDS.get(line.basis, line.basis),
            pounds(max(line.amount_pence, 0)),
            pounds(max(-line.amount_pence, 0)),
            line.currency,
            line.client_id or "",
            line.agency_id or "",
            line.job_id or "",
            line.vat_code or "",
            line.memo,
        )


TRIAL_BALANCE_HEADER = ("basis", "date", "currency", "account_code", "account", "debit", "credit")


def trial_balance_rows(
    session: Session,
    user_id: uuid.UUID,
    day: dt.date,
    bases: tuple[str, ...] = ("accruals", "cash"),
) -> Iterator[tuple[Any, ...]]:
    """The trial balance at *day* on each of *bases*, with a total row per currency."""
    for basis in bases:
        balance = trial_balance(session, user_id, day, basis)
        for row in balance.rows:
            yield (
                basis,
                day,
                row.currency,
                row.code,
                row.account,
                pounds(row.debit),
                pounds(row.credit),
            )
        for currency, (debit, credit) in sorted(balance.totals().items()):
            yield (basis, day, currency, "", "Total", pounds(debit), pounds(credit))


# --------------------------------------------------------------------------- beancount

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
        .order_by(*_line_order())
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
