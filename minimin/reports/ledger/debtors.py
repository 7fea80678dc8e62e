"""What agencies owe: the balances of the journal's agency debtor accounts, and the money
agencies have paid that no bank line shows yet (agency clearing).

An agency's debtor account (``asset:debtors:agency:<id>``, accruals basis) holds the gross fee
of each agency job done and not yet remitted, and the total of each invoice to the agency not
yet paid; remittances and payments clear it. Agency clearing holds the net an agency paid (after
its commission) until a bank line is matched to it. Both are sums of journal lines up to a day,
read from the totals the database keeps of them per job (:mod:`minimin.ledger.totals`): no
job, remittance or invoice is loaded, and the history's lines are not summed again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from minimin.contacts.models import Agency
from minimin.extensions import db
from minimin.ledger import accounts, queries, totals
from minimin.ledger.entries import ACCRUALS as ACCRUALS_KEPT
from minimin.ledger.models import OPEN_ROWS, JournalLine, JournalTotal
from minimin.reports.ledger.kept import CONTACTS, kept
from minimin.reports.ledger.periods import ACCRUALS


@dataclass
class AgencyBalance:
    """What one agency owes, per currency, with the jobs still open on its account."""

    agency_id: uuid.UUID
    agency_name: str
    #: Balance per currency (debit: owed to you).
    totals: dict[str, int] = field(default_factory=dict)
    #: The jobs done whose fee the agency has not remitted yet.
    jobs: list[uuid.UUID] = field(default_factory=list)
    #: Days since the oldest of those jobs was done (0 when none).
    oldest_days: int = 0


@dataclass
class AgencyPosition:
    """Every agency that owes something, largest first, and agency money on its way."""

    owed: list[AgencyBalance] = field(default_factory=list)
    #: What agencies have paid (net of commission) that no bank line shows yet, per currency.
    clearing: dict[str, int] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        result: dict[str, int] = defaultdict(int)
        for agency in self.owed:
            for currency, pence in agency.totals.items():
                result[currency] += pence
        return dict(result)


def _agencies(user_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The user's agencies by id, with their names (a short list: a trader works with few)."""
    rows = db.session.execute(sa.select(Agency.id, Agency.name).where(Agency.user_id == user_id))
    return dict(rows.all())


def _balances(
    user_id: uuid.UUID, today: dt.date, codes: dict[str, uuid.UUID]
) -> tuple[dict[uuid.UUID, AgencyBalance], dict[str, int]]:
    """The open balances of *codes* at *today*, per agency, by job (lines of no job, such as
    invoices, group together); and agency clearing's balance per currency, read by the same
    statement (same basis and day). Read from the kept open items (one row per account and
    job with the day of its earliest line: :mod:`minimin.ledger.totals`) less the lines dated
    after *today*, not from every line of the history."""
    # Agency clearing is one balance per currency: its totals are not kept by job (a
    # remittance's lines name their jobs, the bank match that clears them does not, so per
    # job they would never net to zero and every remittance ever posted would come back as
    # a row of its own).
    read = [*codes, accounts.AGENCY_CLEARING]
    line, item = JournalLine, JournalTotal
    later = sa.and_(
        *queries.lines_where(user_id, basis=ACCRUALS, currency=None),
        JournalLine.date > today,
        JournalLine.account.in_(read),
    )
    kept = [item.user_id == user_id, item.basis == ACCRUALS_KEPT, item.account.in_(read)]
    columns = (
        item.account,
        item.currency,
        item.job_key.label("job"),
        item.amount_pence.label("amount"),
        item.first_date.label("first"),
    )
    both = sa.union_all(
        # The open items, read off the partial index of the rows not at nil (its condition
        # written as the index's; the accounts are picked below, as a condition here would
        # have the planner walk the unique key's every job instead)...
        sa.select(*columns).where(
            item.user_id == user_id, item.basis == ACCRUALS_KEPT, sa.text(OPEN_ROWS)
        ),
        # ...the items paid in full by a line after today (still open today)...
        sa.select(*columns).where(
            *kept,
            item.period_start == totals.ALL_TIME,
            item.amount_pence == 0,
            sa.tuple_(item.account, item.job_key).in_(
                sa.select(line.account, totals.job_key(line)).where(later)
            ),
        ),
        # ...less the lines after today.
        sa.select(
            line.account,
            line.currency,
            totals.job_key(line),
            -line.amount_pence,
            sa.cast(sa.null(), sa.Date),
        ).where(later),
    ).subquery()
    rows = queries.fresh(db.session()).execute(
        sa.select(
            both.c.account,
            both.c.currency,
            both.c.job,
            sa.func.sum(both.c.amount),
            sa.func.min(both.c.first),
        )
        .group_by(both.c.account, both.c.currency, both.c.job)
        .having(sa.func.sum(both.c.amount) != 0)
    )
    found: dict[uuid.UUID, AgencyBalance] = {}
    clearing: dict[str, int] = defaultdict(int)
    for account, currency, job_id, amount, first in rows:
        if account not in codes and account != accounts.AGENCY_CLEARING:
            continue  # an agency deleted since
        if account == accounts.AGENCY_CLEARING:
            clearing[currency] += int(amount)
            continue
        agency_id = codes[account]
        balance = found.setdefault(agency_id, AgencyBalance(agency_id, ""))
        balance.totals[currency] = balance.totals.get(currency, 0) + int(amount)
        if job_id != totals.NO_JOB and amount > 0:
            balance.jobs.append(job_id)
            balance.oldest_days = max(balance.oldest_days, (today - first).days)
    return found, dict(clearing)


def agency_position(user_id: uuid.UUID, today: dt.date) -> AgencyPosition:
    """What each agency owes at *today* (agencies owing nothing left out), largest first, and
    the agency money not yet seen on a bank statement. Kept until the journal or the names
    change (:mod:`.kept`)."""
    return kept(
        user_id, ("agency_position", today), lambda: _position(user_id, today), also=[CONTACTS]
    )


def _position(user_id: uuid.UUID, today: dt.date) -> AgencyPosition:
    names = _agencies(user_id)
    # The debtor accounts are listed rather than matched by prefix, so the database reads the
    # (user, account, date) index.
    codes = {accounts.debtor(agency_id=agency_id): agency_id for agency_id in names}
    found, clearing = _balances(user_id, today, codes)
    owed = []
    for agency_id, balance in found.items():
        balance.totals = {c: v for c, v in balance.totals.items() if v}
        if any(v > 0 for v in balance.totals.values()):
            balance.agency_name = names.get(agency_id, "")
            owed.append(balance)
    owed.sort(key=lambda b: (-sum(b.totals.values()), b.agency_name.casefold()))
    return AgencyPosition(owed, {c: v for c, v in clearing.items() if v})
