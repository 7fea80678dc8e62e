"""Agency remittances (read)."""

from __future__ import annotations

import datetime as dt
import uuid

from flask_login import current_user

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.schemas import ListQuery, Money, Out, Page
from minimin.core.tenancy import owned_or_404
from minimin.remittances import listing
from minimin.remittances import models as m


class RemittanceLineOut(Out):
    job_id: uuid.UUID | None
    reference: str | None
    description: str | None
    work_date: dt.date | None
    gross: Money
    commission: Money
    commission_vat: Money
    expenses: Money
    net: Money


class RemittanceOut(Out):
    id: uuid.UUID
    agency_id: uuid.UUID
    kind: str
    date: dt.date
    reference: str | None
    agency_invoice_number: str | None
    status: str
    total_net: Money
    bank_transaction_id: uuid.UUID | None
    lines: list[RemittanceLineOut]


def _remittance_out(r: m.Remittance) -> RemittanceOut:
    c = r.currency
    return RemittanceOut(
        id=r.id,
        agency_id=r.agency_id,
        kind=r.kind,
        date=r.date,
        reference=r.reference,
        agency_invoice_number=r.agency_invoice_number,
        status=r.status,
        total_net=Money.of(r.total_net_pence, c),
        bank_transaction_id=r.bank_transaction_id,
        lines=[
            RemittanceLineOut(
                job_id=line.job_id,
                reference=line.reference,
                description=line.description,
                work_date=line.work_date,
                gross=Money.of(line.gross_pence, c),
                commission=Money.of(line.commission_pence, c),
                commission_vat=Money.of(line.commission_vat_pence, c),
                expenses=Money.of(line.expenses_pence, c),
                net=Money.of(line.net_pence, c),
            )
            for line in r.lines
        ],
    )


@operation(
    "GET",
    "/remittances",
    summary="List remittances",
    tag="remittances",
    scope="remittances:read",
    query=ListQuery,
    response=Page[RemittanceOut],
)
def list_remittances(query: ListQuery) -> Page[RemittanceOut]:
    statement = listing.every_remittance(current_user.id)
    return paging.page(statement, m.Remittance, query, _remittance_out)


@operation(
    "GET",
    "/remittances/<remittance_id>",
    summary="One remittance, with its lines",
    tag="remittances",
    scope="remittances:read",
    response=RemittanceOut,
)
def get_remittance(remittance_id: str) -> RemittanceOut:
    return _remittance_out(owned_or_404(m.Remittance, remittance_id))
