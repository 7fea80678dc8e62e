"""Expenses, one by one, with their receipts: listed, read, recorded, changed and deleted as
on the expense pages, through the same services."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal

from flask import Response
from flask_login import current_user
from pydantic import Field
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.resources.expenses.costs import (
    Category,
    CostIn,
    CostPatch,
    cost_out,
    named_as_sent,
)
from minimin.api.schemas import ListQuery, Money, Out, Page, Text
from minimin.core.tenancy import owned_or_404
from minimin.core.uploads import UploadError
from minimin.expenses import listing, services
from minimin.expenses import models as m
from minimin.expenses.inputs import ExpenseInput

# --------------------------------------------------------------------------- shapes


class ExpenseQuery(ListQuery):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: Category | None = None


class ReceiptOut(Out):
    id: uuid.UUID
    filename: str
    content_type: str


class ExpenseOut(Out):
    id: uuid.UUID
    date: dt.date
    supplier: str
    description: str
    category: str
    amount: Money
    vat: Money
    vat_treatment: str
    vat_reclaimable: bool
    business_percent: Decimal
    allowable: Money
    payment_method: str | None
    job_id: uuid.UUID | None
    rebillable: bool
    notes: str | None
    warnings_confirmed: bool
    source: str
    receipts: list[ReceiptOut]


class ExpenseIn(CostIn):
    date: dt.date
    supplier: Text(m.SUPPLIER_MAX) = ""  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None
    rebillable: bool = False
    warnings_confirmed: bool = Field(
        default=False,
        description="You confirm that a cost the books warn about (clothing, grooming, "
        "entertaining...) is wholly and exclusively for your business.",
    )

    def to_input(self) -> ExpenseInput:
        return ExpenseInput(
            date=self.date,
            supplier=self.supplier,
            job_id=self.job_id,
            rebillable=self.rebillable,
            warnings_confirmed=self.warnings_confirmed,
            **self.cost_fields(),
        )


class ExpensePatch(CostPatch):
    """Only the members sent change; a member sent as null is cleared (where it may be)."""

    # None tells a member left out, as in CostPatch.
    date: dt.date = None  # type: ignore[assignment]
    supplier: Text(m.SUPPLIER_MAX) = None  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None
    rebillable: bool = None  # type: ignore[assignment]
    warnings_confirmed: bool = None  # type: ignore[assignment]

    def merged(self, expense: m.Expense) -> ExpenseInput:
        return replace(services.expense_input(expense), **self.changes(expense.currency))


# --------------------------------------------------------------------------- converters


def _expense_out(expense: m.Expense) -> ExpenseOut:
    return ExpenseOut(
        id=expense.id,
        date=expense.date,
        supplier=expense.supplier,
        **cost_out(expense),
        allowable=Money.of(expense.allowable_pence, expense.currency),
        job_id=expense.job_id,
        rebillable=expense.rebillable,
        warnings_confirmed=expense.warnings_confirmed,
        source=expense.source,
        receipts=[
            ReceiptOut(id=r.id, filename=r.file.filename or "", content_type=r.file.content_type)
            for r in expense.receipts
        ],
    )


# --------------------------------------------------------------------------- expenses


@operation(
    "GET",
    "/expenses",
    summary="List expenses",
    tag="expenses",
    scope="expenses:read",
    query=ExpenseQuery,
    response=Page[ExpenseOut],
)
def list_expenses(query: ExpenseQuery) -> Page[ExpenseOut]:
    statement = listing.dated(current_user.id, query.date_from, query.date_to, query.category)
    return paging.page(statement, m.Expense, query, _expense_out)


@operation(
    "GET",
    "/expenses/<expense_id>",
    summary="One expense",
    tag="expenses",
    scope="expenses:read",
    response=ExpenseOut,
)
def get_expense(expense_id: str) -> ExpenseOut:
    return _expense_out(owned_or_404(m.Expense, expense_id))


@operation(
    "POST",
    "/expenses",
    summary="Record an expense",
    tag="expenses",
    scope="expenses:write",
    body=ExpenseIn,
    response=ExpenseOut,
    status=201,
    covers=("expenses.new",),
)
def create_expense(body: ExpenseIn) -> ExpenseOut:
    """The same checks as the expense form: an amount of zero or more, VAT no larger than the
    amount, a job of yours for a re-billable cost, a date in an open period."""
    with named_as_sent():
        expense = services.create_expense(current_user.id, body.to_input())
    return _expense_out(expense)


@operation(
    "PATCH",
    "/expenses/<expense_id>",
    summary="Change an expense",
    tag="expenses",
    scope="expenses:write",
    body=ExpensePatch,
    response=ExpenseOut,
    covers=("expenses.edit",),
    load=(m.Expense, "expense"),
    lock=True,
)
def update_expense(expense: m.Expense, body: ExpensePatch) -> ExpenseOut:
    """Only the members sent change, with the same checks as the expense form. The figures of
    a closed period (a filed VAT return, a closed year) cannot change: 422 on ``date``."""
    with named_as_sent():
        services.update_expense(expense, body.merged(expense))
    return _expense_out(expense)


@operation(
    "DELETE",
    "/expenses/<expense_id>",
    summary="Delete an expense and its receipts",
    tag="expenses",
    scope="expenses:write",
    status=204,
    covers=("expenses.delete",),
    load=(m.Expense, "expense"),
    lock=True,
)
def delete_expense(expense: m.Expense) -> Response:
    """An expense dated in a closed period stays (422 on ``date``)."""
    services.delete_expense(expense)
    return Response(status=204)


@operation(
    "POST",
    "/expenses/<expense_id>/receipts",
    summary="Attach a receipt (image or PDF)",
    tag="expenses",
    scope="expenses:write",
    response=ExpenseOut,
    status=201,
    upload="receipt",
    covers=("expenses.add_receipt",),
    load=(m.Expense, "expense"),
)
def add_receipt(expense: m.Expense, upload: FileStorage) -> ExpenseOut:
    """Send the file as multipart/form-data in the part named ``receipt``."""
    try:
        # werkzeug types an upload's stream as IO[bytes]; it is a binary file.
        services.add_receipt(expense, upload.stream, upload.filename)  # type: ignore[arg-type]
    except UploadError as exc:
        status = exc.status if exc.status in (413, 415) else 422
        raise ApiProblem(
            status,
            exc.message,
            errors=[{"field": "receipt", "code": "upload", "detail": exc.message}],
        ) from exc
    return _expense_out(expense)


@operation(
    "DELETE",
    "/expenses/<expense_id>/receipts/<receipt_id>",
    summary="Remove a receipt from an expense",
    tag="expenses",
    scope="expenses:write",
    status=204,
    covers=("expenses.remove_receipt",),
    load=(m.ExpenseReceipt, "receipt"),
)
def remove_receipt(expense_id: str, receipt: m.ExpenseReceipt) -> Response:
    """The file goes too, unless another expense of yours keeps it."""
    if owned_or_404(m.Expense, expense_id).id != receipt.expense_id:
        raise ApiProblem(404)
    services.remove_receipt(receipt)
    return Response(status=204)
