"""Recurring expenses: a subscription or other regular cost that becomes an expense on every
due date, listed, read, added, changed and removed as on its page."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Literal

from flask import Response
from flask_login import current_user

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.resources.expenses.costs import CostIn, CostPatch, cost_out, named_as_sent
from minimin.api.schemas import ListQuery, Money, Out, Page, Text
from minimin.core.dates import uk_today
from minimin.core.tenancy import owned_or_404
from minimin.expenses import listing, services
from minimin.expenses import models as m
from minimin.expenses.inputs import RecurringInput

Frequency = Literal[tuple(m.FREQUENCIES)]  # type: ignore[valid-type]


# --------------------------------------------------------------------------- shapes


class RecurringOut(Out):
    id: uuid.UUID
    supplier: str
    description: str
    category: str
    amount: Money
    vat: Money
    vat_treatment: str
    vat_reclaimable: bool
    business_percent: Decimal
    payment_method: str | None
    frequency: str
    start_date: dt.date
    end_date: dt.date | None
    next_due: dt.date | None
    active: bool
    notes: str | None


class RecurringIn(CostIn):
    supplier: Text(m.SUPPLIER_MAX, min_length=1)  # type: ignore[valid-type]
    frequency: Frequency = "monthly"  # type: ignore[valid-type]
    start_date: dt.date
    end_date: dt.date | None = None
    active: bool = True

    def to_input(self) -> RecurringInput:
        return RecurringInput(
            supplier=self.supplier,
            start_date=self.start_date,
            frequency=self.frequency,
            end_date=self.end_date,
            active=self.active,
            **self.cost_fields(),
        )


class RecurringPatch(CostPatch):
    """Only the members sent change; a new start date restarts the schedule from there."""

    # None tells a member left out, as in CostPatch.
    supplier: Text(m.SUPPLIER_MAX, min_length=1) = None  # type: ignore[valid-type]
    frequency: Frequency = None  # type: ignore[valid-type]
    start_date: dt.date = None  # type: ignore[assignment]
    end_date: dt.date | None = None
    active: bool = None  # type: ignore[assignment]

    def merged(self, rec: m.RecurringExpense) -> RecurringInput:
        return replace(services.recurring_input(rec), **self.changes(rec.currency))


def _recurring_out(rec: m.RecurringExpense) -> RecurringOut:
    return RecurringOut(
        id=rec.id,
        supplier=rec.supplier,
        **cost_out(rec),
        frequency=rec.frequency,
        start_date=rec.start_date,
        end_date=rec.end_date,
        next_due=rec.next_due,
        active=rec.active,
    )


# --------------------------------------------------------------------------- operations


@operation(
    "GET",
    "/recurring-expenses",
    summary="List recurring expenses",
    tag="expenses",
    scope="expenses:read",
    query=ListQuery,
    response=Page[RecurringOut],
)
def list_recurring(query: ListQuery) -> Page[RecurringOut]:
    statement = listing.recurring_statement(current_user.id)
    return paging.page(statement, m.RecurringExpense, query, _recurring_out)


@operation(
    "GET",
    "/recurring-expenses/<recurring_id>",
    summary="One recurring expense",
    tag="expenses",
    scope="expenses:read",
    response=RecurringOut,
)
def get_recurring(recurring_id: str) -> RecurringOut:
    return _recurring_out(owned_or_404(m.RecurringExpense, recurring_id))


@operation(
    "POST",
    "/recurring-expenses",
    summary="Add a recurring expense",
    tag="expenses",
    scope="expenses:write",
    body=RecurringIn,
    response=RecurringOut,
    status=201,
    covers=("expenses.recurring_new",),
)
def create_recurring(body: RecurringIn) -> RecurringOut:
    """It becomes an expense on every due date from ``start_date``; those already due are
    added at once, as on the page."""
    with named_as_sent():
        rec = services.create_recurring(current_user.id, body.to_input())
    services.create_due_for(rec, uk_today())
    return _recurring_out(rec)


@operation(
    "PATCH",
    "/recurring-expenses/<recurring_id>",
    summary="Change a recurring expense",
    tag="expenses",
    scope="expenses:write",
    body=RecurringPatch,
    response=RecurringOut,
    covers=("expenses.recurring_edit",),
    load=(m.RecurringExpense, "rec"),
    lock=True,
)
def update_recurring(rec: m.RecurringExpense, body: RecurringPatch) -> RecurringOut:
    """Only the members sent change; expenses already added keep what they were."""
    with named_as_sent():
        services.update_recurring(rec, body.merged(rec))
    services.create_due_for(rec, uk_today())
    return _recurring_out(rec)


@operation(
    "DELETE",
    "/recurring-expenses/<recurring_id>",
    summary="Remove a recurring expense",
    tag="expenses",
    scope="expenses:write",
    status=204,
    covers=("expenses.recurring_delete",),
    load=(m.RecurringExpense, "rec"),
)
def delete_recurring(rec: m.RecurringExpense) -> Response:
    """No more expenses are added; those already added stay."""
    services.delete_recurring(rec)
    return Response(status=204)
