"""The invoice list: one page of invoices, the counts by status and the ageing of what is owed.

A list page reads one page of rows from the ``(user_id, sequence, created_at)`` index in its
order (no sort of the whole set) and the summary: an aggregate over all the user's invoices
(counts by status and outstanding amounts by ageing bucket, bucketed in SQL so one row comes
back per status and currency). The summary is kept per user and day until one of the user's
invoices changes (:mod:`minimin.core.changes`), so browsing the list pays for the aggregate
once, not on every page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from minimin.core import changes, listing_params
from minimin.extensions import db
from minimin.invoices.models import (
    DRAFT,
    INVOICES_CHANGED,
    OPEN_STATUSES,
    STATUSES,
    VOID,
    Invoice,
)

if TYPE_CHECKING:
    from minimin.invoices.models import CreditNote

PAGE_SIZE = 50
#: The filters of the list: every status, plus "open" (money still expected).
OPEN = "open"
FILTERS = (OPEN, *STATUSES)

AGEING_BUCKETS = ("current", "1_30", "31_60", "61_90", "90_plus")
#: Days late covered by the buckets between "current" and "90_plus", first and last day.
_LATE_RANGES = (("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90))
_LAST_LATE_DAY = 90


def ageing_bucket(due: date | None, today: date) -> str:
    """The ageing bucket of an invoice due on *due*, seen on *today* (no due date: current)."""
    if due is None or today <= due:
        return "current"
    days = (today - due).days
    for name, _first, last in _LATE_RANGES:
        if days <= last:
            return name
    return "90_plus"


def _bucket_columns(today: date) -> list[Any]:
    """One SUM per ageing bucket, in AGEING_BUCKETS order: the rule of ageing_bucket in SQL."""
    outstanding = _still_owed()
    due = Invoice.due_date

    def total(condition: Any, name: str) -> Any:
        amount = sa.func.sum(sa.case((condition, outstanding), else_=0))
        return sa.func.coalesce(amount, 0).label(name)

    def days_ago(days: int) -> date:
        return today - timedelta(days=days)

    columns = [total(sa.or_(due.is_(None), due >= today), "current")]
    for name, first, last in _LATE_RANGES:
        columns.append(total(sa.and_(due <= days_ago(first), due >= days_ago(last)), name))
    columns.append(total(due < days_ago(_LAST_LATE_DAY), "90_plus"))
    return columns


@dataclass
class InvoiceSummary:
    """Counts of the user's invoices by status and what is owed by currency and ageing bucket."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    ageing: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, status_filter: str = "") -> int:
        """How many invoices the list shows under *status_filter* ("" for all)."""
        if status_filter == OPEN:
            return sum(self.counts[s] for s in OPEN_STATUSES)
        if status_filter:
            return self.counts.get(status_filter, 0)
        return sum(self.counts.values())


def summary(user_id: uuid.UUID, today: date) -> InvoiceSummary:
    """Counts by status and the ageing of open invoices on *today*: computed by
    :func:`compute_summary`, or kept from an earlier page while no invoice has changed.
    The result is shared: do not modify it."""
    return changes.cached(
        db.session,
        user_id,
        INVOICES_CHANGED,
        ("summary", today),
        lambda: compute_summary(user_id, today),
    )


def compute_summary(user_id: uuid.UUID, today: date) -> InvoiceSummary:
    """Counts by status and the ageing of open invoices, in one aggregate statement."""
    rows = db.session.execute(
        sa.select(Invoice.status, Invoice.currency, sa.func.count(), *_bucket_columns(today))
        .where(Invoice.user_id == user_id)
        .group_by(Invoice.status, Invoice.currency)
    ).all()
    result = InvoiceSummary()
    for status, currency, count, *amounts in rows:
        result.counts[status] = result.counts.get(status, 0) + int(count)
        if status in OPEN_STATUSES:
            buckets = result.ageing.setdefault(currency, dict.fromkeys(AGEING_BUCKETS, 0))
            for name, amount in zip(AGEING_BUCKETS, amounts, strict=True):
                buckets[name] += int(amount or 0)
    return result


def ageing(user_id: uuid.UUID, today: date) -> dict[str, dict[str, int]]:
    """What is owed on open invoices, by currency and ageing bucket."""
    return summary(user_id, today).ageing


def _still_owed() -> Any:
    """What the customer still owes on an invoice, in SQL, never below zero: the total less
    credit notes, less what the business holds (payments less refunds)."""
    owed = (
        Invoice.total_pence - Invoice.credited_pence - (Invoice.paid_pence - Invoice.refunded_pence)
    )
    return sa.case((owed > 0, owed), else_=0)


def page_of_invoices(
    user_id: uuid.UUID, status_filter: str, page: int, page_size: int = PAGE_SIZE
) -> list[sa.Row[Any]]:
    """One page of the list as plain rows (no ORM objects: the list shows only these columns):
    drafts first (newest first), then issued invoices by number, newest first. Drafts have no
    sequence, so one index on (user_id, sequence, created_at) read backwards gives exactly this
    order."""
    parameters = {"user_id": user_id, "limit": page_size, "offset": (page - 1) * page_size}
    return list(db.session.execute(_page_statement(status_filter), parameters))


@cache
def _page_statement(status_filter: str) -> sa.Select[Any]:
    """The page query of one filter, built once (the user and page are bound parameters): the
    list is the most visited page, and building the expression cost more than running it."""
    outstanding = sa.case((Invoice.status.in_((DRAFT, VOID)), 0), else_=_still_owed()).label(
        "outstanding_pence"
    )
    query = sa.select(
        Invoice.id,
        Invoice.number,
        Invoice.status,
        Invoice.customer_name,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.currency,
        Invoice.total_pence,
        outstanding,
    ).where(Invoice.user_id == sa.bindparam("user_id"))
    if status_filter == OPEN:
        query = query.where(Invoice.status.in_(OPEN_STATUSES))
    elif status_filter == DRAFT:
        query = query.where(Invoice.sequence.is_(None), Invoice.status == DRAFT)
    elif status_filter:
        query = query.where(Invoice.status == status_filter)
    return (
        query.order_by(Invoice.sequence.desc().nulls_first(), Invoice.created_at.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )


# --------------------------------------------------------------------------- search and sort

#: Sort keys of the list's column headers; the list's own order is "number", newest first.
SORT_KEYS = ("number", "customer", "issued", "due", "status", "total", "outstanding")
DEFAULT_SORT = "number"


def _row_columns() -> list[Any]:
    outstanding = sa.case((Invoice.status.in_((DRAFT, VOID)), 0), else_=_still_owed())
    return [
        Invoice.id,
        Invoice.number,
        Invoice.status,
        Invoice.customer_name,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.currency,
        Invoice.net_pence,
        Invoice.vat_pence,
        Invoice.total_pence,
        outstanding.label("outstanding_pence"),
    ]


def _sort_columns(key: str) -> list[Any]:
    outstanding = sa.case((Invoice.status.in_((DRAFT, VOID)), 0), else_=_still_owed())
    sorts: dict[str, list[Any]] = {
        "customer": [sa.func.lower(sa.func.coalesce(Invoice.customer_name, ""))],
        "issued": [Invoice.issue_date],
        "due": [Invoice.due_date],
        "status": [Invoice.status],
        "total": [Invoice.total_pence],
        "outstanding": [outstanding],
    }
    return sorts[key]


def _order(params: listing_params.ListParams) -> list[Any]:
    if params.sort == DEFAULT_SORT:
        # Drafts (no number yet) come first when newest-first, as on the unsorted list.
        if params.descending:
            return [Invoice.sequence.desc().nulls_first(), Invoice.created_at.desc()]
        return [Invoice.sequence.asc().nulls_last(), Invoice.created_at.asc()]
    return [*listing_params.order_by({params.sort: _sort_columns(params.sort)}, params)]


def _filtered(user_id: uuid.UUID, status_filter: str, q: str) -> list[Any]:
    conditions: list[Any] = [Invoice.user_id == user_id]
    if status_filter == OPEN:
        conditions.append(Invoice.status.in_(OPEN_STATUSES))
    elif status_filter == DRAFT:
        conditions.append(sa.and_(Invoice.sequence.is_(None), Invoice.status == DRAFT))
    elif status_filter:
        conditions.append(Invoice.status == status_filter)
    if q:
        conditions.append(listing_params.contains(q, Invoice.number, Invoice.customer_name))
    return conditions


def is_plain(params: listing_params.ListParams) -> bool:
    """The list as it opens (no search, newest first): the kept counts and the prepared page
    statement serve it."""
    return not params.q and params.sort == DEFAULT_SORT and params.descending


def count_matching(user_id: uuid.UUID, status_filter: str, q: str) -> int:
    """How many invoices a search matches (one statement)."""
    statement = sa.select(sa.func.count(Invoice.id)).where(*_filtered(user_id, status_filter, q))
    return int(db.session.scalar(statement) or 0)


def searched_page(
    user_id: uuid.UUID,
    status_filter: str,
    params: listing_params.ListParams,
    page: int | None,
    page_size: int = PAGE_SIZE,
) -> list[sa.Row[Any]]:
    """One page (or, with *page* None, every row: the CSV) of the searched and sorted list."""
    statement = (
        sa.select(*_row_columns())
        .where(*_filtered(user_id, status_filter, params.q))
        .order_by(*_order(params), Invoice.id)
    )
    if page is not None:
        statement = statement.limit(page_size).offset((page - 1) * page_size)
    return list(db.session.execute(statement))


@cache
def rows_statement(status_filter: str | None) -> sa.Select[Any]:
    """The list's rows as plain columns (with ``created_at``, which the API pages by), of one
    filter of :data:`FILTERS` (or none), in no order: the caller orders and limits. Built once
    per filter: the owner is the bound parameter ``user_id``, given when it runs (building the
    expression cost more than running it)."""
    outstanding = sa.case((Invoice.status.in_(OPEN_STATUSES), _still_owed()), else_=0).label(
        "outstanding_pence"
    )
    statement = sa.select(
        Invoice.id,
        Invoice.number,
        Invoice.status,
        Invoice.customer_name,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.currency,
        Invoice.total_pence,
        Invoice.created_at,
        outstanding,
    ).where(Invoice.user_id == sa.bindparam("user_id"))
    if status_filter == OPEN:
        return statement.where(Invoice.status.in_(OPEN_STATUSES))
    if status_filter:
        return statement.where(Invoice.status == status_filter)
    return statement


# --------------------------------------------------------------------------- credit notes

CREDIT_SORT_KEYS = ("number", "date", "invoice", "customer", "total")
CREDIT_PAGE_SIZE = 50


def _credit_sorts() -> dict[str, list[Any]]:
    from minimin.invoices.models import CreditNote

    return {
        "number": [CreditNote.sequence],
        "date": [CreditNote.issue_date, CreditNote.sequence],
        "invoice": [Invoice.sequence],
        "customer": [sa.func.lower(sa.func.coalesce(Invoice.customer_name, ""))],
        "total": [CreditNote.total_pence],
    }


def credit_notes(
    user_id: uuid.UUID, params: listing_params.ListParams, page: int | None
) -> tuple[int, list[sa.Row[Any]]]:
    """How many credit notes match and one page of them (every one with *page* None), with
    their invoice's number and customer: two statements."""
    from minimin.invoices.models import CreditNote

    conditions = [
        CreditNote.user_id == user_id,
        listing_params.contains(
            params.q, CreditNote.number, Invoice.number, Invoice.customer_name, CreditNote.reason
        ),
    ]
    joined = sa.select(CreditNote.id).join(Invoice, Invoice.id == CreditNote.invoice_id)
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(joined.where(*conditions).subquery())
    )
    statement = (
        sa.select(
            CreditNote.id,
            CreditNote.number,
            CreditNote.issue_date,
            CreditNote.reason,
            CreditNote.currency,
            CreditNote.net_pence,
            CreditNote.vat_pence,
            CreditNote.total_pence,
            Invoice.id.label("invoice_id"),
            Invoice.number.label("invoice_number"),
            Invoice.customer_name,
        )
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(*conditions)
        .order_by(*listing_params.order_by(_credit_sorts(), params), CreditNote.id)
    )
    if page is not None:
        statement = statement.limit(CREDIT_PAGE_SIZE).offset((page - 1) * CREDIT_PAGE_SIZE)
    return int(count or 0), list(db.session.execute(statement))


#: How many clients, and how many agencies, the draft form offers to bill.
BILL_TO_CHOICES = 500


def bill_to_choices(user_id: uuid.UUID) -> list[tuple[str, uuid.UUID, str]]:
    """Whom a draft can be billed to: the user's clients, then agencies, not archived, each
    by name, as (``"client"`` or ``"agency"``, id, name)."""
    from minimin.contacts.models import Agency, Client

    found: list[tuple[str, uuid.UUID, str]] = []
    kinds: tuple[tuple[str, Any], ...] = (("client", Client), ("agency", Agency))
    for kind, model in kinds:
        rows = db.session.execute(
            sa.select(model.id, model.name)
            .where(model.user_id == user_id, model.archived_at.is_(None))
            .order_by(model.name)
            .limit(BILL_TO_CHOICES)
        ).all()
        found.extend((kind, row.id, row.name) for row in rows)
    return found


def every_credit_note(user_id: uuid.UUID) -> sa.Select[tuple[CreditNote]]:
    """All of the user's credit notes; the caller orders and pages the statement."""
    from minimin.invoices.models import CreditNote

    return sa.select(CreditNote).where(CreditNote.user_id == user_id)
