"""Invoices (draft, issue, PDF, payments) and credit notes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from flask import Response
from flask_login import current_user
from pydantic import Field, field_validator, model_validator

from minimin.api import paging
from minimin.api.operations import PDF, operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import (
    CURRENCY_PATTERN,
    In,
    ListQuery,
    Money,
    MoneyIn,
    Out,
    Page,
    Text,
)
from minimin.contacts.models import Agency, Client
from minimin.core.tenancy import owned_or_404
from minimin.invoices import listing, services
from minimin.invoices.forms import PAYMENT_METHOD_LABELS, parse_rate
from minimin.invoices.models import (
    DESCRIPTION_MAX,
    DRAFT,
    MAX_PENCE,
    NOTES_MAX,
    OPEN_STATUSES,
    REFERENCE_MAX,
    CreditNote,
    Invoice,
    Payment,
)
from minimin.invoices.vat import VATTreatment

MAX_LINES = 50
StatusFilter = Literal["open", "draft", "issued", "sent", "part_paid", "paid", "void"]
Treatment = Literal[tuple(t.value for t in VATTreatment)]  # type: ignore[valid-type]
HandMethod = Literal[tuple(PAYMENT_METHOD_LABELS)]  # type: ignore[valid-type]


# --------------------------------------------------------------------------- shapes


class InvoiceQuery(ListQuery):
    status: StatusFilter | None = Field(
        default=None, description="As on the invoices page: a status, or open (money expected)."
    )


class InvoiceSummary(Out):
    id: uuid.UUID
    number: str | None
    status: str
    customer_name: str
    issue_date: dt.date | None
    due_date: dt.date | None
    total: Money
    outstanding: Money


class InvoiceLine(Out):
    description: str
    quantity: Decimal
    unit_price: Money
    vat_treatment: str
    vat_rate: Decimal
    net: Money
    vat: Money
    job_id: uuid.UUID | None


class PaymentOut(Out):
    id: uuid.UUID
    paid_on: dt.date
    amount: Money
    method: str
    reference: str | None


class InvoiceOut(InvoiceSummary):
    client_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    tax_point: dt.date | None
    currency: str
    exchange_rate: Decimal | None
    net: Money
    vat: Money
    paid: Money
    credited: Money
    refunded: Money
    notes: str | None
    pdf_sha256: str | None
    lines: list[InvoiceLine]
    payments: list[PaymentOut]
    credit_note_ids: list[uuid.UUID]


class LineIn(In):
    description: Text(DESCRIPTION_MAX, min_length=1)  # type: ignore[valid-type]
    quantity: Decimal = Field(default=Decimal(1), gt=0, lt=Decimal("1000000000"), decimal_places=3)
    unit_price: MoneyIn
    vat_treatment: Treatment = "standard"  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None


class DraftIn(In):
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    currency: str = Field(default="GBP", pattern=CURRENCY_PATTERN)
    exchange_rate: str | None = Field(
        default=None, max_length=20, description="Units of the currency per £1 (not for GBP)."
    )
    issue_date: dt.date | None = None
    tax_point: dt.date | None = None
    due_date: dt.date | None = None
    notes: Text(NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]
    lines: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return MoneyIn(amount="0", currency=value).currency

    @model_validator(mode="after")
    def _consistent(self) -> DraftIn:
        if self.client_id and self.agency_id:
            raise ValueError("Bill either a client or an agency, not both.")
        for line in self.lines:
            if line.unit_price.currency != self.currency:
                raise ValueError("Each line's unit price must be in the invoice's currency.")
            if line.unit_price.pence() > MAX_PENCE or line.unit_price.pence() < 0:
                raise ValueError("A unit price must be from zero to 100,000,000.")
        if self.issue_date and self.due_date and self.due_date < self.issue_date:
            raise ValueError("The due date cannot be before the issue date.")
        if self.currency != "GBP":
            try:
                parse_rate(self.exchange_rate or "")
            except ValueError as exc:
                raise ValueError(str(exc)) from exc
        return self


class PaymentIn(In):
    amount: MoneyIn
    paid_on: dt.date
    method: HandMethod = "bank_transfer"  # type: ignore[valid-type]
    reference: Text(REFERENCE_MAX) | None = None  # type: ignore[valid-type]


class CreditNoteOut(Out):
    id: uuid.UUID
    invoice_id: uuid.UUID
    number: str
    issue_date: dt.date
    reason: str | None
    full: bool
    net: Money
    vat: Money
    total: Money


# --------------------------------------------------------------------------- converters


def _summary_of(row: Any) -> InvoiceSummary:
    return InvoiceSummary(
        id=row.id,
        number=row.number,
        status=row.status,
        customer_name=row.customer_name,
        issue_date=row.issue_date,
        due_date=row.due_date,
        total=Money.of(row.total_pence, row.currency),
        outstanding=Money.of(row.outstanding_pence, row.currency),
    )


def _invoice_out(invoice: Invoice) -> InvoiceOut:
    c = invoice.currency
    outstanding = invoice.outstanding_pence if invoice.status in OPEN_STATUSES else 0
    return InvoiceOut(
        id=invoice.id,
        number=invoice.number,
        status=invoice.status,
        customer_name=invoice.customer_name,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        total=Money.of(invoice.total_pence, c),
        outstanding=Money.of(outstanding, c),
        client_id=invoice.client_id,
        agency_id=invoice.agency_id,
        tax_point=invoice.tax_point,
        currency=c,
        exchange_rate=invoice.exchange_rate,
        net=Money.of(invoice.net_pence, c),
        vat=Money.of(invoice.vat_pence, c),
        paid=Money.of(invoice.paid_pence, c),
        credited=Money.of(invoice.credited_pence, c),
        refunded=Money.of(invoice.refunded_pence, c),
        notes=invoice.notes,
        pdf_sha256=invoice.pdf_sha256,
        lines=[
            InvoiceLine(
                description=line.description,
                quantity=line.quantity,
                unit_price=Money.of(line.unit_price_pence, c),
                vat_treatment=line.vat_treatment,
                vat_rate=line.vat_rate,
                net=Money.of(line.net_pence, c),
                vat=Money.of(line.vat_pence, c),
                job_id=line.job_id,
            )
            for line in invoice.lines
        ],
        payments=[_payment_out(p) for p in invoice.payments],
        credit_note_ids=[note.id for note in invoice.credit_notes],
    )


def _payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        paid_on=payment.paid_on,
        amount=Money.of(payment.amount_pence, payment.currency),
        method=payment.method,
        reference=payment.reference,
    )


def _credit_note_out(note: CreditNote) -> CreditNoteOut:
    c = note.currency
    return CreditNoteOut(
        id=note.id,
        invoice_id=note.invoice_id,
        number=note.number,
        issue_date=note.issue_date,
        reason=note.reason,
        full=note.full,
        net=Money.of(note.net_pence, c),
        vat=Money.of(note.vat_pence, c),
        total=Money.of(note.total_pence, c),
    )


def _pdf(data: bytes, number: str | None) -> Response:
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in (number or "document"))
    response = Response(data, mimetype=PDF)
    response.headers["Content-Disposition"] = f'attachment; filename="{name[:60]}.pdf"'
    return response


# --------------------------------------------------------------------------- invoices


@operation(
    "GET",
    "/invoices",
    summary="List invoices",
    tag="invoices",
    scope="invoices:read",
    query=InvoiceQuery,
    response=Page[InvoiceSummary],
)
def list_invoices(query: InvoiceQuery) -> Page[InvoiceSummary]:
    """Newest first. Filter by status as on the invoices page."""
    return paging.page(
        listing.rows_statement(current_user.id, query.status),
        Invoice,
        query,
        _summary_of,
        scalars=False,
    )


@operation(
    "GET",
    "/invoices/<invoice_id>",
    summary="One invoice, with its lines and payments",
    tag="invoices",
    scope="invoices:read",
    response=InvoiceOut,
)
def get_invoice(invoice_id: str) -> InvoiceOut:
    return _invoice_out(owned_or_404(Invoice, invoice_id))


def _bill_to(body: DraftIn) -> tuple[Client | None, Agency | None]:
    client = owned_or_404(Client, body.client_id) if body.client_id else None
    agency = owned_or_404(Agency, body.agency_id) if body.agency_id else None
    return client, agency


@operation(
    "POST",
    "/invoices",
    summary="Create a draft invoice",
    tag="invoices",
    scope="invoices:write",
    body=DraftIn,
    response=InvoiceOut,
    status=201,
    covers=("invoices.new",),
)
def create_draft(body: DraftIn) -> InvoiceOut:
    """A draft can be changed on the invoice's page until it is issued. A client or agency
    id that is not yours answers 404."""
    client, agency = _bill_to(body)
    invoice = services.create_draft(
        current_user.id,
        client=client,
        agency=agency,
        currency=body.currency,
        exchange_rate=parse_rate(body.exchange_rate) if body.currency != "GBP" else None,
        issue_date=body.issue_date,
        tax_point=body.tax_point,
        due_date=body.due_date,
        notes=body.notes,
        lines=[
            services.LineInput(
                description=line.description,
                quantity=line.quantity,
                unit_price_pence=line.unit_price.pence(),
                vat_treatment=line.vat_treatment,
                job_id=line.job_id,
            )
            for line in body.lines
        ],
    )
    return _invoice_out(invoice)


@operation(
    "POST",
    "/invoices/<invoice_id>/issue",
    summary="Issue a draft invoice",
    tag="invoices",
    scope="invoices:write",
    response=InvoiceOut,
    covers=("invoices.issue",),
    load=(Invoice, "invoice"),
    lock=True,
)
def issue_invoice(invoice: Invoice) -> InvoiceOut:
    """Numbers the invoice, freezes its details and renders its PDF, as on the page."""
    if invoice.status != DRAFT:
        raise ApiProblem(409, "This invoice has already been issued.")
    return _invoice_out(services.issue(invoice))


@operation(
    "GET",
    "/invoices/<invoice_id>/pdf",
    summary="The issued invoice's PDF",
    tag="invoices",
    scope="invoices:read",
    media=PDF,
)
def invoice_pdf(invoice_id: str) -> Response:
    """The PDF stored when the invoice was issued (404 for a draft)."""
    invoice = owned_or_404(Invoice, invoice_id)
    if not invoice.pdf_key:
        raise ApiProblem(404, "A draft has no PDF yet: issue it first.")
    return _pdf(services.pdf_bytes(invoice.pdf_key), invoice.number)


@operation(
    "POST",
    "/invoices/<invoice_id>/payments",
    summary="Record a payment received",
    tag="invoices",
    scope="invoices:write",
    body=PaymentIn,
    response=PaymentOut,
    status=201,
    covers=("invoices.add_payment",),
    load=(Invoice, "invoice"),
    lock=True,
)
def record_payment(invoice: Invoice, body: PaymentIn) -> PaymentOut:
    if body.amount.currency != invoice.currency:
        raise ApiProblem(
            422,
            errors=[
                {
                    "field": "amount.currency",
                    "code": "currency",
                    "detail": f"This invoice is in {invoice.currency}.",
                }
            ],
        )
    payment = services.record_payment(
        invoice,
        amount_pence=body.amount.pence(),
        paid_on=body.paid_on,
        method=body.method,
        reference=body.reference,
    )
    return _payment_out(payment)


# --------------------------------------------------------------------------- credit notes


@operation(
    "GET",
    "/credit-notes",
    summary="List credit notes",
    tag="invoices",
    scope="invoices:read",
    query=ListQuery,
    response=Page[CreditNoteOut],
)
def list_credit_notes(query: ListQuery) -> Page[CreditNoteOut]:
    statement = listing.every_credit_note(current_user.id)
    return paging.page(statement, CreditNote, query, _credit_note_out)


@operation(
    "GET",
    "/credit-notes/<note_id>",
    summary="One credit note",
    tag="invoices",
    scope="invoices:read",
    response=CreditNoteOut,
)
def get_credit_note(note_id: str) -> CreditNoteOut:
    return _credit_note_out(owned_or_404(CreditNote, note_id))
