"""What the remittance pages read: the list, searched (reference, agency invoice number,
agency name) and sorted by its column headers, two statements (the remittances, then their
agencies) at any size; the agencies to choose from, and what a remittance points at (the
remittance a PDF import read, a posted remittance's jobs, its bank deposit)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from minimin.contacts.models import Agency
from minimin.core import listing_params
from minimin.extensions import db
from minimin.remittances.models import Remittance, RemittanceImport

if TYPE_CHECKING:
    from minimin.banking.models import BankTransaction
    from minimin.jobs.models import Job

SORT_KEYS = ("date", "agency", "reference", "net", "status")
DESCENDING_FIRST = ("date", "net")


def _sorts() -> dict[str, list[Any]]:
    return {
        "date": [Remittance.date, Remittance.created_at],
        "agency": [sa.func.lower(Agency.name)],
        "reference": [
            sa.func.lower(
                sa.func.coalesce(Remittance.reference, Remittance.agency_invoice_number, "")
            )
        ],
        "net": [Remittance.total_net_pence],
        "status": [Remittance.status],
    }


def parse(args: Any) -> listing_params.ListParams:
    return listing_params.parse(
        args, SORT_KEYS, "date", listing_params.DESC, descending_first=DESCENDING_FIRST
    )


def remittances(
    user_id: uuid.UUID, status: str | None, params: listing_params.ListParams
) -> list[Remittance]:
    query = (
        sa.select(Remittance)
        .join(Agency, Agency.id == Remittance.agency_id)
        .where(
            Remittance.user_id == user_id,
            listing_params.contains(
                params.q, Remittance.reference, Remittance.agency_invoice_number, Agency.name
            ),
        )
    )
    if status:
        query = query.where(Remittance.status == status)
    order = listing_params.order_by(_sorts(), params)
    return list(db.session.scalars(query.order_by(*order, Remittance.id)))


def agency_choices(
    user_id: uuid.UUID, keep: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str]]:
    """The user's agencies (id, name) by name: the ones not archived, and *keep* (the current
    choice) even if it is."""
    query = sa.select(Agency.id, Agency.name).where(Agency.user_id == user_id)
    query = query.where(sa.or_(Agency.archived_at.is_(None), Agency.id == keep))
    return [(i, n) for i, n in db.session.execute(query.order_by(Agency.name))]


def read_remittance(job: RemittanceImport) -> Remittance | None:
    """The remittance a PDF import read into (None before it has, or once it is deleted)."""
    if job.remittance_id is None:
        return None
    return db.session.get(Remittance, job.remittance_id)


def jobs_of(remittance: Remittance) -> dict[uuid.UUID, Job]:
    """The user's jobs that *remittance*'s lines point at, by id."""
    from minimin.jobs.models import Job

    ids = [line.job_id for line in remittance.lines if line.job_id]
    if not ids:
        return {}
    query = sa.select(Job).where(Job.user_id == remittance.user_id, Job.id.in_(ids))
    return {j.id: j for j in db.session.scalars(query)}


def deposit_of(remittance: Remittance) -> BankTransaction | None:
    """The bank deposit *remittance* is matched to, if any."""
    if not remittance.bank_transaction_id:
        return None
    from minimin.banking.models import BankTransaction

    return db.session.get(BankTransaction, remittance.bank_transaction_id)


def every_remittance(user_id: uuid.UUID) -> sa.Select[tuple[Remittance]]:
    """All of the user's remittances; the caller orders and pages the statement."""
    return sa.select(Remittance).where(Remittance.user_id == user_id)
