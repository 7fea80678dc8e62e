"""Income by counterparty: each client's and each agency's share of the period's income,
largest first, from the client and agency the journal's turnover lines name; turnover naming
neither is grouped by its invoice's customer name."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.contacts.models import Agency, Client
from minimin.invoices.models import CreditNote, Invoice, Payment, Refund
from minimin.ledger import accounts
from minimin.ledger.models import JournalEntry, JournalLine
from minimin.reports.ledger import journal
from minimin.reports.ledger.kept import CONTACTS, INVOICES, kept
from minimin.reports.ledger.periods import CASH, check_period
from minimin.reports.ledger.sql import _rows


@dataclass(frozen=True)
class Counterparty:
    kind: str  # "client", "agency" or "other"
    id: uuid.UUID | None
    name: str
    direct_pence: int = 0
    agency_pence: int = 0

    @property
    def total_pence(self) -> int:
        return self.direct_pence + self.agency_pence


def _customer_name() -> Any:
    """SQL, per journal line: the customer name of the invoice its entry's document belongs to
    (the invoice, a credit note, payment or refund of it). Ids are unique across tables, so
    the document is found by id alone, whatever kind posted it."""
    source = (
        sa.select(JournalEntry.source_id)
        .where(JournalEntry.id == JournalLine.entry_id)
        .correlate(JournalLine)  # the outer query's line, though nested two levels down
        .scalar_subquery()
    )
    invoice_id = sa.func.coalesce(
        sa.select(Invoice.id).where(Invoice.id == source).scalar_subquery(),
        *(
            sa.select(model.invoice_id).where(model.id == source).scalar_subquery()
            for model in (CreditNote, Payment, Refund)
        ),
    )
    return (
        sa.select(Invoice.customer_name)
        .where(Invoice.id == invoice_id)
        .correlate(JournalLine)
        .scalar_subquery()
    )


def _loose_names(user_id: uuid.UUID, start: date, end: date, basis: str) -> dict[str, int]:
    """Turnover of the period with neither a client nor an agency, by customer name."""
    found = journal.sums(
        user_id,
        start,
        end,
        basis,
        codes=journal.TURNOVER_ACCOUNTS,
        keys=[_customer_name()],
        extra=[JournalLine.client_id.is_(None), JournalLine.agency_id.is_(None)],
        sign=-1,
    )
    totals: dict[str, int] = defaultdict(int)
    for (name,), amount in found.gbp.items():
        totals[name or ""] += amount
    return dict(totals)


def _names(model: Any, ids: set[Any]) -> dict[Any, str]:
    if not ids:
        return {}
    return dict(_rows(sa.select(model.id, model.name).where(model.id.in_(ids))))


def _ranked(result: dict[tuple[str, Any], list[int]]) -> list[Counterparty]:
    """Counterparties from (kind, id or name) -> [direct, agency], named, largest first."""
    clients = _names(Client, {key for kind, key in result if kind == "client"})
    agencies = _names(Agency, {key for kind, key in result if kind == "agency" and key})
    out = []
    for (kind, key), (direct_pence, agency_pence) in result.items():
        if kind == "client":
            name = clients.get(key, "")
        elif kind == "agency":
            name = agencies.get(key, "") if key else str(_l("Agency not recorded"))
        else:
            name = key or str(_l("Customer not recorded"))
        out.append(
            Counterparty(kind, key if kind != "other" else None, name, direct_pence, agency_pence)
        )
    out.sort(key=lambda c: (-c.total_pence, c.name.casefold()))
    return [c for c in out if c.direct_pence or c.agency_pence]


def income_by_counterparty(
    user_id: uuid.UUID, start: date, end: date, basis: str = CASH
) -> list[Counterparty]:
    """Income of the period per client and per agency, largest first: the turnover lines of
    the journal by the client or agency they name (direct or agency turnover by account).
    Turnover naming neither is grouped under its invoice's customer name. Kept until the
    journal, the names or the invoices change (:mod:`.kept`)."""
    check_period(start, end, basis)
    return kept(
        user_id,
        ("income_by_counterparty", start, end, basis),
        lambda: _income_by_counterparty(user_id, start, end, basis),
        also=[CONTACTS, INVOICES],
    )


def _income_by_counterparty(
    user_id: uuid.UUID, start: date, end: date, basis: str
) -> list[Counterparty]:
    found = journal.sums(
        user_id,
        start,
        end,
        basis,
        codes=journal.TURNOVER_ACCOUNTS,
        keys=[JournalLine.account, JournalLine.client_id, JournalLine.agency_id],
        sign=-1,
    )
    return ranked_from(user_id, start, end, basis, found)


def ranked_from(
    user_id: uuid.UUID, start: date, end: date, basis: str, found: journal.Sums
) -> list[Counterparty]:
    """Counterparties, largest first, from the turnover's credit by (account, client,
    agency); turnover naming neither is read again by its invoice's customer name."""
    result: dict[tuple[str, Any], list[int]] = defaultdict(lambda: [0, 0])
    loose = False
    for (account, client_id, agency_id), amount in found.gbp.items():
        column = 0 if account == accounts.TURNOVER_DIRECT else 1
        if client_id:
            result[("client", client_id)][column] += amount
        elif agency_id or column == 1:  # agency work whose agency is not recorded: None
            result[("agency", agency_id)][column] += amount
        else:
            loose = True
    if loose:
        for name, amount in _loose_names(user_id, start, end, basis).items():
            result[("other", name)][0] += amount
    return _ranked(result)
