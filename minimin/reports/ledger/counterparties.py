"""Income by counterparty: each client's and each agency's share of the period's income,
largest first; invoices addressed to neither record are grouped by customer name."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.contacts.models import Agency, Client
from minimin.invoices.models import Invoice
from minimin.jobs.models import Job
from minimin.remittances.models import AgencyIncome
from minimin.reports.ledger.periods import CASH, check_period
from minimin.reports.ledger.sql import _rows, _to_gbp
from minimin.reports.ledger.turnover import (
    _agency_income_queries,
    _collect,
    _direct_income_queries,
)


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


def income_by_counterparty(
    user_id: uuid.UUID, start: date, end: date, basis: str = CASH
) -> list[Counterparty]:
    """Income of the period per client and per agency, largest first. Invoices addressed to
    neither a client nor an agency record are grouped under their customer name."""
    check_period(start, end, basis)
    direct_keys = [Invoice.client_id, Invoice.agency_id]
    direct = _collect(_direct_income_queries(user_id, start, end, basis, direct_keys), {})
    # Agency income: by the remittance's agency (cash) or the job's agency (accruals).
    agency: dict[Any, int] = defaultdict(int)
    for key, (amount, _vat) in _collect(_agency_by_agency(user_id, start, end, basis), {}).items():
        agency[key[0]] += amount
    loose_names = _loose_invoice_names(user_id, start, end, basis)
    client_ids = {k[0] for k in direct if k[0]}
    agency_ids = {k[1] for k in direct if k[1]} | {k for k in agency if k}
    clients = dict(
        _rows(sa.select(Client.id, Client.name).where(Client.id.in_(client_ids)))
        if client_ids
        else []
    )
    agencies = dict(
        _rows(sa.select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)))
        if agency_ids
        else []
    )
    result: dict[tuple[str, Any], list[int]] = defaultdict(lambda: [0, 0])
    for (client_id, agency_id), (amount, _vat) in direct.items():
        if client_id:
            result[("client", client_id)][0] += amount
        elif agency_id:
            result[("agency", agency_id)][0] += amount
    for name, amount in loose_names.items():
        result[("other", name)][0] += amount
    for agency_id, amount in agency.items():
        result[("agency", agency_id)][1] += amount
    out = []
    for (kind, key), (direct_pence, agency_pence) in result.items():
        if kind == "client":
            name = clients.get(key, "")
        elif kind == "agency":
            name = agencies.get(key, "") if key else str(_l("Agency not recorded"))
        else:
            name = key or str(_l("Customer not recorded"))
        out.append(
            Counterparty(
                kind,
                key if kind != "other" else None,
                name,
                direct_pence,
                agency_pence,
            )
        )
    out.sort(key=lambda c: (-c.total_pence, c.name.casefold()))
    return [c for c in out if c.total_pence or c.direct_pence or c.agency_pence]


def _agency_by_agency(user_id: uuid.UUID, start: date, end: date, basis: str) -> list[Any]:
    if basis == CASH:
        return _agency_income_queries(user_id, start, end, basis, [AgencyIncome.agency_id])
    unlinked = _agency_income_queries(user_id, start, end, basis, [AgencyIncome.agency_id])[0]
    jobs = _agency_income_queries(user_id, start, end, basis, [Job.agency_id])[1]
    return [unlinked, jobs]


def _loose_invoice_names(user_id: uuid.UUID, start: date, end: date, basis: str) -> dict[str, int]:
    """Direct income from invoices with neither a client nor an agency record, by name."""
    totals: dict[str, int] = defaultdict(int)
    keys = [Invoice.customer_name]
    for statement in _direct_income_queries(user_id, start, end, basis, keys):
        statement = statement.where(Invoice.client_id.is_(None), Invoice.agency_id.is_(None))
        for currency, rate, amount, _vat, name in _rows(statement):
            value = _to_gbp(amount, currency, rate)
            if value is not None:
                totals[name or ""] += value
    return dict(totals)
