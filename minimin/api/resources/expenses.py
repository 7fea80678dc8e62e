"""Expenses (with receipt upload) and mileage journeys."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from flask_login import current_user
from pydantic import Field, model_validator
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, ListQuery, Money, MoneyIn, Out, Page, Text
from minimin.core.tenancy import owned_or_404
from minimin.core.uploads import UploadError
from minimin.core.user_error import UserError
from minimin.expenses import categories, listing, mileage, services
from minimin.expenses import models as m

Category = Literal[categories.CODES]  # type: ignore[valid-type]
ExpenseVat = Literal[tuple(m.VAT_TREATMENTS)]  # type: ignore[valid-type]
PaidWith = Literal[tuple(m.PAYMENT_METHODS)]  # type: ignore[valid-type]
#: The service's field names, as the API's members are named.
FIELD_NAMES = {"amount_pence": "amount", "vat_pence": "vat"}


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
    source: str
    receipts: list[ReceiptOut]


class ExpenseIn(In):
    date: dt.date
    supplier: Text(m.SUPPLIER_MAX) = ""  # type: ignore[valid-type]
    description: Text(m.DESCRIPTION_MAX) = ""  # type: ignore[valid-type]
    category: Category = "other"
    amount: MoneyIn
    vat: MoneyIn | None = None
    vat_treatment: ExpenseVat | None = None  # type: ignore[valid-type]
    vat_reclaimable: bool | None = None
    business_percent: Decimal = Field(default=Decimal(100), ge=0, le=100, decimal_places=3)
    payment_method: PaidWith | None = None  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None
    rebillable: bool = False
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _same_currency(self) -> ExpenseIn:
        if self.vat is not None and self.vat.currency != self.amount.currency:
            raise ValueError("The VAT must be in the currency of the amount.")
        return self


class JourneyOut(Out):
    id: uuid.UUID
    date: dt.date
    origin: str
    destination: str
    purpose: str
    miles: Decimal
    vehicle: str
    job_id: uuid.UUID | None


class ReceiptFields(In):
    """Nothing but the file is sent with a receipt."""


class JourneyQuery(ListQuery):
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _expense_out(expense: m.Expense) -> ExpenseOut:
    c = expense.currency
    return ExpenseOut(
        id=expense.id,
        date=expense.date,
        supplier=expense.supplier,
        description=expense.description,
        category=expense.category,
        amount=Money.of(expense.amount_pence, c),
        vat=Money.of(expense.vat_pence, c),
        vat_treatment=expense.vat_treatment,
        vat_reclaimable=expense.vat_reclaimable,
        business_percent=expense.business_percent,
        allowable=Money.of(expense.allowable_pence, c),
        payment_method=expense.payment_method,
        job_id=expense.job_id,
        rebillable=expense.rebillable,
        notes=expense.notes,
        source=expense.source,
        receipts=[
            ReceiptOut(id=r.id, filename=r.file.filename or "", content_type=r.file.content_type)
            for r in expense.receipts
        ],
    )


def _renamed(exc: UserError) -> UserError:
    exc.field = FIELD_NAMES.get(exc.field or "", exc.field)
    return exc


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
    fields: dict[str, Any] = body.model_dump(exclude={"amount", "vat"}, exclude_none=True)
    fields["amount_pence"] = body.amount.pence()
    fields["currency"] = body.amount.currency
    fields["vat_pence"] = body.vat.pence() if body.vat else 0
    try:
        expense = services.create_expense(current_user.id, **fields)
    except UserError as exc:
        raise _renamed(exc) from exc
    return _expense_out(expense)


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
    "GET",
    "/journeys",
    summary="List mileage journeys",
    tag="expenses",
    scope="expenses:read",
    query=JourneyQuery,
    response=Page[JourneyOut],
)
def list_journeys(query: JourneyQuery) -> Page[JourneyOut]:
    statement = listing.journeys(current_user.id, query.date_from, query.date_to)
    return paging.page(statement, m.Journey, query, JourneyOut.model_validate)


@operation(
    "GET",
    "/journeys/<journey_id>",
    summary="One mileage journey",
    tag="expenses",
    scope="expenses:read",
    response=JourneyOut,
)
def get_journey(journey_id: str) -> JourneyOut:
    return JourneyOut.model_validate(owned_or_404(m.Journey, journey_id))


class JourneyIn(In):
    date: dt.date
    origin: Text(m.PLACE_MAX, min_length=1)  # type: ignore[valid-type]
    destination: Text(m.PLACE_MAX, min_length=1)  # type: ignore[valid-type]
    purpose: Text(m.PURPOSE_MAX, min_length=1)  # type: ignore[valid-type]
    miles: Decimal = Field(gt=0, le=m.MAX_MILES, decimal_places=1)
    vehicle: Literal[mileage.VEHICLES] = mileage.CAR_VAN  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None


@operation(
    "POST",
    "/journeys",
    summary="Log a journey",
    tag="expenses",
    scope="expenses:write",
    body=JourneyIn,
    response=JourneyOut,
    status=201,
    covers=("expenses.journey_new",),
)
def create_journey(body: JourneyIn) -> JourneyOut:
    """Miles to one decimal place; a job, if given, must be yours."""
    journey = services.create_journey(current_user.id, **body.model_dump(exclude_none=True))
    return JourneyOut.model_validate(journey)
