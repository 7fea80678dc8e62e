"""Expenses (with their receipts), recurring expenses and mileage journeys: listed, read,
recorded, changed and deleted as on their pages, through the same services."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Response
from flask_login import current_user
from pydantic import Field, model_validator
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, ListQuery, Money, MoneyIn, Out, Page, Text
from minimin.core.dates import uk_today
from minimin.core.tenancy import owned_or_404
from minimin.core.uploads import UploadError
from minimin.core.user_error import UserError
from minimin.expenses import categories, listing, mileage, services
from minimin.expenses import models as m
from minimin.expenses.inputs import ExpenseInput, JourneyInput, RecurringInput

Category = Literal[categories.CODES]  # type: ignore[valid-type]
ExpenseVat = Literal[tuple(m.VAT_TREATMENTS)]  # type: ignore[valid-type]
PaidWith = Literal[tuple(m.PAYMENT_METHODS)]  # type: ignore[valid-type]
Frequency = Literal[tuple(m.FREQUENCIES)]  # type: ignore[valid-type]
Vehicle = Literal[mileage.VEHICLES]  # type: ignore[valid-type]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=3)]
Miles = Annotated[Decimal, Field(gt=0, le=m.MAX_MILES, decimal_places=1)]
#: The inputs' field names, as the API's members are named.
FIELD_NAMES = {"amount_pence": "amount", "vat_pence": "vat", "currency": "amount.currency"}


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


def _check_vat_currency(amount: MoneyIn | None, vat: MoneyIn | None) -> None:
    if amount is not None and vat is not None and vat.currency != amount.currency:
        raise ValueError("The VAT must be in the currency of the amount.")


class ExpenseIn(In):
    date: dt.date
    supplier: Text(m.SUPPLIER_MAX) = ""  # type: ignore[valid-type]
    description: Text(m.DESCRIPTION_MAX) = ""  # type: ignore[valid-type]
    category: Category = "other"
    amount: MoneyIn
    vat: MoneyIn | None = None
    vat_treatment: ExpenseVat | None = Field(  # type: ignore[valid-type]
        default=None, description="Left out: standard rated when there is VAT, else none."
    )
    vat_reclaimable: bool | None = Field(
        default=None, description="Left out: reclaimed when your business may reclaim VAT."
    )
    business_percent: Percent = Decimal(100)
    payment_method: PaidWith | None = None  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None
    rebillable: bool = False
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]
    warnings_confirmed: bool = Field(
        default=False,
        description="You confirm that a cost the books warn about (clothing, grooming, "
        "entertaining...) is wholly and exclusively for your business.",
    )

    @model_validator(mode="after")
    def _same_currency(self) -> ExpenseIn:
        _check_vat_currency(self.amount, self.vat)
        return self

    def to_input(self) -> ExpenseInput:
        return ExpenseInput(
            date=self.date,
            amount_pence=self.amount.pence(),
            supplier=self.supplier,
            description=self.description,
            category=self.category,
            currency=self.amount.currency,
            vat_pence=self.vat.pence() if self.vat else 0,
            vat_treatment=self.vat_treatment,
            vat_reclaimable=self.vat_reclaimable,
            business_percent=self.business_percent,
            payment_method=self.payment_method,
            job_id=self.job_id,
            rebillable=self.rebillable,
            notes=self.notes or "",
            warnings_confirmed=self.warnings_confirmed,
        )


def _sent(body: In) -> dict[str, Any]:
    """The members *body* sent, but money, as the input's fields (a null text as empty)."""
    changes = {
        name: getattr(body, name) for name in body.model_fields_set if name not in ("amount", "vat")
    }
    if "notes" in changes:
        changes["notes"] = changes["notes"] or ""
    return changes


def _money_sent(
    body: In, amount: MoneyIn | None, vat: MoneyIn | None, currency: str
) -> dict[str, Any]:
    """The amount (with its currency) and the VAT *body* sent, in pence (a null VAT is none).
    A VAT amount sent alone must be in the currency the row already has."""
    sent = body.model_fields_set
    changes: dict[str, Any] = {}
    if "amount" in sent and amount is not None:
        changes["amount_pence"] = amount.pence()
        changes["currency"] = amount.currency
    elif vat is not None and vat.currency != currency:
        raise ApiProblem(
            422,
            errors=[
                {"field": "vat.currency", "code": "currency", "detail": f"This is in {currency}."}
            ],
        )
    if "vat" in sent:
        changes["vat_pence"] = vat.pence() if vat is not None else 0
    return changes


class ExpensePatch(In):
    """Only the members sent change; a member sent as null is cleared (where it may be)."""

    # The patches' members default to None to tell a member left out (pydantic does not check
    # defaults); a null sent for a member that cannot be empty is refused, as its type says.
    # Hence each such default's "type: ignore[assignment]".

    date: dt.date = None  # type: ignore[assignment]
    supplier: Text(m.SUPPLIER_MAX) = None  # type: ignore[valid-type]
    description: Text(m.DESCRIPTION_MAX) = None  # type: ignore[valid-type]
    category: Category = None
    amount: MoneyIn = None  # type: ignore[assignment]
    vat: MoneyIn | None = None
    vat_treatment: ExpenseVat | None = None  # type: ignore[valid-type]
    vat_reclaimable: bool | None = None
    business_percent: Percent = None  # type: ignore[assignment]
    payment_method: PaidWith | None = None  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None
    rebillable: bool = None  # type: ignore[assignment]
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]
    warnings_confirmed: bool = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _same_currency(self) -> ExpensePatch:
        _check_vat_currency(self.amount, self.vat)
        return self

    def merged(self, expense: m.Expense) -> ExpenseInput:
        money = _money_sent(self, self.amount, self.vat, expense.currency)
        return replace(services.expense_input(expense), **_sent(self), **money)


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


class RecurringIn(In):
    supplier: Text(m.SUPPLIER_MAX, min_length=1)  # type: ignore[valid-type]
    description: Text(m.DESCRIPTION_MAX) = ""  # type: ignore[valid-type]
    category: Category = "other"
    amount: MoneyIn
    vat: MoneyIn | None = None
    vat_treatment: ExpenseVat | None = None  # type: ignore[valid-type]
    vat_reclaimable: bool | None = None
    business_percent: Percent = Decimal(100)
    payment_method: PaidWith | None = None  # type: ignore[valid-type]
    frequency: Frequency = "monthly"  # type: ignore[valid-type]
    start_date: dt.date
    end_date: dt.date | None = None
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]
    active: bool = True

    @model_validator(mode="after")
    def _same_currency(self) -> RecurringIn:
        _check_vat_currency(self.amount, self.vat)
        return self

    def to_input(self) -> RecurringInput:
        return RecurringInput(
            supplier=self.supplier,
            amount_pence=self.amount.pence(),
            start_date=self.start_date,
            frequency=self.frequency,
            end_date=self.end_date,
            description=self.description,
            category=self.category,
            currency=self.amount.currency,
            vat_pence=self.vat.pence() if self.vat else 0,
            vat_treatment=self.vat_treatment,
            vat_reclaimable=self.vat_reclaimable,
            business_percent=self.business_percent,
            payment_method=self.payment_method,
            notes=self.notes or "",
            active=self.active,
        )


class RecurringPatch(In):
    """Only the members sent change; a new start date restarts the schedule from there."""

    supplier: Text(m.SUPPLIER_MAX, min_length=1) = None  # type: ignore[valid-type]
    description: Text(m.DESCRIPTION_MAX) = None  # type: ignore[valid-type]
    category: Category = None
    amount: MoneyIn = None  # type: ignore[assignment]
    vat: MoneyIn | None = None
    vat_treatment: ExpenseVat | None = None  # type: ignore[valid-type]
    vat_reclaimable: bool | None = None
    business_percent: Percent = None  # type: ignore[assignment]
    payment_method: PaidWith | None = None  # type: ignore[valid-type]
    frequency: Frequency = None  # type: ignore[valid-type]
    start_date: dt.date = None  # type: ignore[assignment]
    end_date: dt.date | None = None
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]
    active: bool = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _same_currency(self) -> RecurringPatch:
        _check_vat_currency(self.amount, self.vat)
        return self

    def merged(self, rec: m.RecurringExpense) -> RecurringInput:
        money = _money_sent(self, self.amount, self.vat, rec.currency)
        return replace(services.recurring_input(rec), **_sent(self), **money)


class JourneyQuery(ListQuery):
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class JourneyOut(Out):
    id: uuid.UUID
    date: dt.date
    origin: str
    destination: str
    purpose: str
    miles: Decimal
    vehicle: str
    job_id: uuid.UUID | None


class JourneyIn(In):
    date: dt.date
    origin: Text(m.PLACE_MAX, min_length=1)  # type: ignore[valid-type]
    destination: Text(m.PLACE_MAX, min_length=1)  # type: ignore[valid-type]
    purpose: Text(m.PURPOSE_MAX, min_length=1)  # type: ignore[valid-type]
    miles: Miles
    vehicle: Vehicle = mileage.CAR_VAN
    job_id: uuid.UUID | None = None

    def to_input(self) -> JourneyInput:
        return JourneyInput(
            date=self.date,
            origin=self.origin,
            destination=self.destination,
            purpose=self.purpose,
            miles=self.miles,
            vehicle=self.vehicle,
            job_id=self.job_id,
        )


class JourneyPatch(In):
    """Only the members sent change."""

    date: dt.date = None  # type: ignore[assignment]
    origin: Text(m.PLACE_MAX, min_length=1) = None  # type: ignore[valid-type]
    destination: Text(m.PLACE_MAX, min_length=1) = None  # type: ignore[valid-type]
    purpose: Text(m.PURPOSE_MAX, min_length=1) = None  # type: ignore[valid-type]
    miles: Miles = None  # type: ignore[assignment]
    vehicle: Vehicle = None
    job_id: uuid.UUID | None = None

    def merged(self, journey: m.Journey) -> JourneyInput:
        return replace(services.journey_input(journey), **_sent(self))


class ReceiptFields(In):
    """Nothing but the file is sent with a receipt."""


# --------------------------------------------------------------------------- converters


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
        warnings_confirmed=expense.warnings_confirmed,
        source=expense.source,
        receipts=[
            ReceiptOut(id=r.id, filename=r.file.filename or "", content_type=r.file.content_type)
            for r in expense.receipts
        ],
    )


def _recurring_out(rec: m.RecurringExpense) -> RecurringOut:
    c = rec.currency
    return RecurringOut(
        id=rec.id,
        supplier=rec.supplier,
        description=rec.description,
        category=rec.category,
        amount=Money.of(rec.amount_pence, c),
        vat=Money.of(rec.vat_pence, c),
        vat_treatment=rec.vat_treatment,
        vat_reclaimable=rec.vat_reclaimable,
        business_percent=rec.business_percent,
        payment_method=rec.payment_method,
        frequency=rec.frequency,
        start_date=rec.start_date,
        end_date=rec.end_date,
        next_due=rec.next_due,
        active=rec.active,
        notes=rec.notes,
    )


@contextmanager
def _named_as_sent() -> Iterator[None]:
    """A service's refusal names the input's field (``amount_pence``); the answer names the
    member that was sent (``amount``)."""
    try:
        yield
    except UserError as exc:
        exc.field = FIELD_NAMES.get(exc.field or "", exc.field)
        raise


def _no_content() -> Response:
    return Response(status=204)


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
    with _named_as_sent():
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
    with _named_as_sent():
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
    return _no_content()


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
    return _no_content()


# --------------------------------------------------------------------------- recurring


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
    with _named_as_sent():
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
    with _named_as_sent():
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
    return _no_content()


# --------------------------------------------------------------------------- journeys


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
    """Miles to one decimal place; a job, if given, must be yours; a date in an open period."""
    journey = services.create_journey(current_user.id, body.to_input())
    return JourneyOut.model_validate(journey)


@operation(
    "PATCH",
    "/journeys/<journey_id>",
    summary="Change a journey",
    tag="expenses",
    scope="expenses:write",
    body=JourneyPatch,
    response=JourneyOut,
    covers=("expenses.journey_edit",),
    load=(m.Journey, "journey"),
    lock=True,
)
def update_journey(journey: m.Journey, body: JourneyPatch) -> JourneyOut:
    """Only the members sent change; the miles of a closed period cannot (422 on ``date``)."""
    services.update_journey(journey, body.merged(journey))
    return JourneyOut.model_validate(journey)


@operation(
    "DELETE",
    "/journeys/<journey_id>",
    summary="Delete a journey",
    tag="expenses",
    scope="expenses:write",
    status=204,
    covers=("expenses.journey_delete",),
    load=(m.Journey, "journey"),
    lock=True,
)
def delete_journey(journey: m.Journey) -> Response:
    """A journey dated in a closed period stays (422 on ``date``)."""
    services.delete_journey(journey)
    return _no_content()
