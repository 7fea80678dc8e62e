"""The remittance list: searched (reference, agency invoice number, agency name) and sorted by
its column headers; two statements (the remittances, then their agencies) at any size."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from minimin.contacts.models import Agency
from minimin.core import listing_params
from minimin.extensions import db
from minimin.remittances.models import Remittance

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
