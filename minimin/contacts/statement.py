"""A client's or agency's account with the business: what it owes, how old that debt is, and
the statement of the documents behind it.

Everything is read from the journal's debtor account of the contact
(``asset:debtors:client:<id>`` or ``asset:debtors:agency:<id>``, accruals basis), so the
balance is the same figure the ledger, the dashboard and the accountant see: money is counted
once. One statement sums the account's lines per source document (and per job, so an agency's
remittance shows against each job it pays); a document posted again nets to its latest version.

Ageing is "oldest charges paid first": what was received pays the oldest amounts charged, and
what remains is aged by the day it was charged. It is pure arithmetic (:func:`age`) so it can
be checked by hand.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.extensions import db
from minimin.ledger import accounts, queries
from minimin.ledger.models import JournalEntry, JournalLine

ACCRUALS = "accruals"
#: Age buckets: (key, first day, last day) since the amount was charged; the last is open.
BUCKETS = (("current", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("90_plus", 91, None))
BUCKET_LABELS = {
    "current": _l("0–30 days"),
    "31_60": _l("31–60 days"),
    "61_90": _l("61–90 days"),
    "90_plus": _l("Over 90 days"),
}
KIND_LABELS = {
    "invoice": _l("Invoice"),
    "credit_note": _l("Credit note"),
    "payment": _l("Payment"),
    "refund": _l("Refund"),
    "remittance": _l("Remittance"),
    "agency_job": _l("Job done"),
    "agency_remittance": _l("Agency payment"),
}


@dataclass(frozen=True)
class Item:
    """One document's effect on the account (debit positive: charged to the contact)."""

    day: dt.date
    kind: str
    source_id: uuid.UUID
    job_id: uuid.UUID | None
    currency: str
    amount_pence: int
    description: str

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize()))


@dataclass
class Account:
    """A contact's account: the statement items, balance and ageing per currency."""

    items: list[Item] = field(default_factory=list)
    balances: dict[str, int] = field(default_factory=dict)
    ageing: dict[str, dict[str, int]] = field(default_factory=dict)
    #: The running balance after each item, in the items' order.
    running: list[int] = field(default_factory=list)

    @property
    def owes(self) -> bool:
        return any(v > 0 for v in self.balances.values())


def debtor_code(*, client_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None) -> str:
    return accounts.debtor(client_id=client_id, agency_id=agency_id)


def _items(user_id: uuid.UUID, code: str, today: dt.date) -> list[Item]:
    """The account's lines summed per (document, job, currency): one statement."""
    rows = queries.fresh(db.session()).execute(
        sa.select(
            JournalEntry.source_kind,
            JournalEntry.source_id,
            JournalLine.job_id,
            JournalLine.currency,
            sa.func.sum(JournalLine.amount_pence),
            sa.func.min(JournalLine.date),
            sa.func.max(JournalEntry.description),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            *queries.lines_where(user_id, basis=ACCRUALS, end=today, currency=None),
            JournalLine.account == code,
        )
        .group_by(
            JournalEntry.source_kind,
            JournalEntry.source_id,
            JournalLine.job_id,
            JournalLine.currency,
        )
        .having(sa.func.sum(JournalLine.amount_pence) != 0)
    )
    items = [
        Item(
            day=first,
            kind=kind,
            source_id=source_id,
            job_id=job_id,
            currency=currency,
            amount_pence=int(amount),
            description=description or "",
        )
        for kind, source_id, job_id, currency, amount, first, description in rows
    ]
    # Charges before receipts on the same day, so a same-day payment never shows a credit.
    items.sort(key=lambda i: (i.day, i.amount_pence < 0, i.description))
    return items


def bucket_of(charged: dt.date, today: dt.date) -> str:
    days = (today - charged).days
    for key, _first, last in BUCKETS:
        if last is None or days <= last:
            return key
    return BUCKETS[-1][0]


def age(items: list[Item], today: dt.date) -> dict[str, dict[str, int]]:
    """What is still owed per currency and age bucket: receipts and credits pay the oldest
    charges first. A currency in credit (the contact paid more) has no ageing."""
    result: dict[str, dict[str, int]] = {}
    by_currency: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_currency[item.currency].append(item)
    for currency, rows in by_currency.items():
        paid = -sum(i.amount_pence for i in rows if i.amount_pence < 0)
        buckets = dict.fromkeys((key for key, _a, _b in BUCKETS), 0)
        for charge in sorted((i for i in rows if i.amount_pence > 0), key=lambda i: i.day):
            used = min(paid, charge.amount_pence)
            paid -= used
            left = charge.amount_pence - used
            if left:
                buckets[bucket_of(charge.day, today)] += left
        if any(buckets.values()):
            result[currency] = buckets
    return result


def build(items: list[Item], today: dt.date) -> Account:
    """The account of *items*: balances, ageing and a running balance (pure)."""
    balances: dict[str, int] = defaultdict(int)
    running = []
    for item in items:
        balances[item.currency] += item.amount_pence
        running.append(balances[item.currency])
    return Account(
        items=items,
        balances={c: v for c, v in balances.items() if v},
        ageing=age(items, today),
        running=running,
    )


def account_of(
    user_id: uuid.UUID,
    today: dt.date,
    *,
    client_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
) -> Account:
    """The contact's account at *today* (exactly one of *client_id*, *agency_id*)."""
    code = debtor_code(client_id=client_id, agency_id=agency_id)
    return build(_items(user_id, code, today), today)


def statement_context(
    contact: Any, account: Account, today: dt.date, **extra: Any
) -> dict[str, Any]:
    """What the statement page and its PDF show."""
    return {
        "contact": contact,
        "account": account,
        "rows": list(zip(account.items, account.running, strict=True)),
        "today": today,
        "buckets": [key for key, _a, _b in BUCKETS],
        "bucket_labels": BUCKET_LABELS,
        **extra,
    }


# --------------------------------------------------------------------------- activity

RECENT = 20


@dataclass
class Activity:
    """The contact's latest jobs, invoices and payments (or remittances), newest first."""

    jobs: list[Any]
    invoices: list[Any]
    payments: list[Any]
    remittances: list[Any]


def activity(
    user_id: uuid.UUID,
    *,
    client_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    limit: int = RECENT,
) -> Activity:
    """Four statements at most, as plain rows, whatever the number of records."""
    from minimin.invoices.models import Invoice, Payment
    from minimin.jobs.models import Job

    def owner(model: Any) -> Any:
        column = model.client_id if client_id is not None else model.agency_id
        return sa.and_(model.user_id == user_id, column == (client_id or agency_id))

    jobs = db.session.execute(
        sa.select(Job.id, Job.title, Job.status, Job.starts_on, Job.gross_pence, Job.currency)
        .where(owner(Job))
        .order_by(Job.starts_on.desc(), Job.id)
        .limit(limit)
    ).all()
    invoices = db.session.execute(
        sa.select(
            Invoice.id,
            Invoice.number,
            Invoice.status,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.total_pence,
            Invoice.currency,
        )
        .where(owner(Invoice))
        .order_by(Invoice.sequence.desc().nulls_first(), Invoice.created_at.desc())
        .limit(limit)
    ).all()
    payments = db.session.execute(
        sa.select(
            Payment.paid_on,
            Payment.amount_pence,
            Payment.currency,
            Invoice.id.label("invoice_id"),
            Invoice.number,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.user_id == user_id, owner(Invoice))
        .order_by(Payment.paid_on.desc(), Payment.id)
        .limit(limit)
    ).all()
    remittances: list[Any] = []
    if agency_id is not None:
        from minimin.remittances.models import Remittance

        remittances = list(
            db.session.execute(
                sa.select(
                    Remittance.id,
                    Remittance.date,
                    Remittance.reference,
                    Remittance.total_net_pence,
                    Remittance.currency,
                    Remittance.status,
                )
                .where(Remittance.user_id == user_id, Remittance.agency_id == agency_id)
                .order_by(Remittance.date.desc(), Remittance.id)
                .limit(limit)
            ).all()
        )
    return Activity(list(jobs), list(invoices), list(payments), remittances)
