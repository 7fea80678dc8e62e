"""Invoices (drafts, issue, sending, PDF, payments, refunds, repeats, reminders) and credit
notes.

Every write is the service call the page makes (``minimin.invoices``), with the input built by
the body model's ``to_input()``. A refusal because of the invoice's state (changing an issued
invoice, sending a draft) is a 409 problem, any other refusal of the books a 422 naming the
field: the services say which (``core.user_error.CONFLICT``), the problem handler answers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from flask import Response
from flask_babel import gettext as _
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
from minimin.invoices import (
    credit_notes,
    emails,
    from_jobs,
    inputs,
    listing,
    recurring,
    refunds,
    reminders,
    services,
)
from minimin.invoices.forms import PAYMENT_METHOD_LABELS, parse_rate
from minimin.invoices.models import (
    DESCRIPTION_MAX,
    MAX_PENCE,
    NOTES_MAX,
    OPEN_STATUSES,
    RECURRENCES,
    REFERENCE_MAX,
    REFUND_NOTE_MAX,
    CreditNote,
    Invoice,
    Payment,
    Refund,
    ReminderRule,
)
from minimin.invoices.vat import VATTreatment

MAX_LINES = 50
StatusFilter = Literal["open", "draft", "issued", "sent", "part_paid", "paid", "void"]
Treatment = Literal[tuple(t.value for t in VATTreatment)]  # type: ignore[valid-type]
HandMethod = Literal[tuple(PAYMENT_METHOD_LABELS)]  # type: ignore[valid-type]
Recurrence = Literal[RECURRENCES]  # type: ignore[valid-type]


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
    id: uuid.UUID
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


class RefundOut(Out):
    id: uuid.UUID
    refunded_on: dt.date
    amount: Money
    method: str
    note: str | None
    credit_note_id: uuid.UUID | None


class Repeat(Out):
    """How the invoice repeats: a copy every month or three, as a draft or issued and sent."""

    recurrence: str
    next_on: dt.date | None
    issue_automatically: bool


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
    refund_due: Money
    notes: str | None
    pdf_sha256: str | None
    reminders_paused: bool
    repeat: Repeat | None
    lines: list[InvoiceLine]
    payments: list[PaymentOut]
    refunds: list[RefundOut]
    credit_note_ids: list[uuid.UUID]


class LineIn(In):
    description: Text(DESCRIPTION_MAX, min_length=1)  # type: ignore[valid-type]
    quantity: Decimal = Field(default=Decimal(1), gt=0, lt=Decimal("1000000000"), decimal_places=3)
    unit_price: MoneyIn
    vat_treatment: Treatment = "standard"  # type: ignore[valid-type]
    job_id: uuid.UUID | None = None

    def to_input(self) -> inputs.LineInput:
        return inputs.LineInput(
            description=self.description,
            quantity=self.quantity,
            unit_price_pence=self.unit_price.pence(),
            vat_treatment=self.vat_treatment,
            job_id=self.job_id,
        )


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

    def to_input(self) -> inputs.DraftInput:
        return inputs.DraftInput(
            client_id=self.client_id,
            agency_id=self.agency_id,
            currency=self.currency,
            exchange_rate=parse_rate(self.exchange_rate) if self.currency != "GBP" else None,
            issue_date=self.issue_date,
            tax_point=self.tax_point,
            due_date=self.due_date,
            notes=self.notes,
            lines=[line.to_input() for line in self.lines],
        )


class FromJobsIn(In):
    job_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_LINES)

    def to_input(self) -> inputs.FromJobsInput:
        return inputs.FromJobsInput(job_ids=list(dict.fromkeys(self.job_ids)))


class PaymentIn(In):
    amount: MoneyIn
    paid_on: dt.date
    method: HandMethod = "bank_transfer"  # type: ignore[valid-type]
    reference: Text(REFERENCE_MAX) | None = None  # type: ignore[valid-type]

    def to_input(self) -> inputs.PaymentInput:
        return inputs.PaymentInput(
            amount_pence=self.amount.pence(),
            paid_on=self.paid_on,
            method=self.method,
            reference=self.reference,
        )


class RefundIn(In):
    amount: MoneyIn
    refunded_on: dt.date
    method: HandMethod = "bank_transfer"  # type: ignore[valid-type]
    note: Text(REFUND_NOTE_MAX) | None = None  # type: ignore[valid-type]
    credit_note_id: uuid.UUID | None = Field(
        default=None, description="The credit note refunded (default: the newest not yet refunded)."
    )

    def to_input(self) -> inputs.RefundInput:
        return inputs.RefundInput(
            amount_pence=self.amount.pence(),
            refunded_on=self.refunded_on,
            method=self.method,
            note=self.note,
            credit_note_id=self.credit_note_id,
        )


class RefundsOut(Out):
    """The refund recorded: one, or one per credit note when the amount pays back more than
    one."""

    refunds: list[RefundOut]


class CreditLineIn(In):
    line_id: uuid.UUID = Field(description="The id of one of the invoice's lines.")
    quantity: Decimal = Field(gt=0, lt=Decimal("1000000000"), decimal_places=3)

    def to_input(self) -> inputs.CreditLineInput:
        return inputs.CreditLineInput(line_id=self.line_id, quantity=self.quantity)


class CreditNoteIn(In):
    full: bool = Field(default=False, description="Credit everything not yet credited.")
    lines: list[CreditLineIn] = Field(default_factory=list, max_length=MAX_LINES)
    reason: Text(500) | None = None  # type: ignore[valid-type]

    def to_input(self) -> inputs.CreditNoteInput:
        return inputs.CreditNoteInput(
            full=self.full, lines=[line.to_input() for line in self.lines], reason=self.reason
        )


class SendIn(In):
    to: Text(254) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="An address on record for the customer (default: the first one).",
    )
    message: Text(5000, multiline=True) | None = None  # type: ignore[valid-type]
    copy_to_self: bool = False

    def to_input(self) -> inputs.SendInput:
        return inputs.SendInput(
            to=self.to or None, message=self.message, copy_to_self=self.copy_to_self
        )


class RepeatIn(In):
    recurrence: Recurrence | None = Field(
        description="monthly, quarterly, or null to stop repeating."
    )
    next_on: dt.date | None = Field(default=None, description="Default: a month or three ahead.")
    issue_automatically: bool = False

    def to_input(self) -> inputs.RecurringInput:
        return inputs.RecurringInput(
            recurrence=self.recurrence,
            next_on=self.next_on,
            issue_automatically=self.issue_automatically,
        )


class RemindersIn(In):
    paused: bool

    def to_input(self) -> inputs.ReminderPauseInput:
        return inputs.ReminderPauseInput(paused=self.paused)


class ReminderRuleOut(Out):
    id: uuid.UUID
    offset_days: int
    subject: str
    body: str
    enabled: bool


class ReminderRuleIn(In):
    offset_days: int = Field(ge=-60, le=365, description="Days from the due date; negative before.")
    subject: Text(200, min_length=1)  # type: ignore[valid-type]
    body: Text(5000, min_length=1, multiline=True)  # type: ignore[valid-type]

    def to_input(self) -> inputs.ReminderRuleInput:
        return inputs.ReminderRuleInput(
            offset_days=self.offset_days, subject=self.subject, body=self.body
        )


class ReminderRuleStateIn(In):
    enabled: bool

    def to_input(self) -> inputs.ReminderRuleStateInput:
        return inputs.ReminderRuleStateInput(enabled=self.enabled)


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
        refund_due=Money.of(invoice.refund_due_pence, c),
        notes=invoice.notes,
        pdf_sha256=invoice.pdf_sha256,
        reminders_paused=invoice.reminders_paused,
        repeat=Repeat(
            recurrence=invoice.recurrence,
            next_on=invoice.recurrence_next_on,
            issue_automatically=invoice.recurrence_issue,
        )
        if invoice.recurrence
        else None,
        lines=[
            InvoiceLine(
                id=line.id,
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
        refunds=[_refund_out(r) for r in invoice.refunds],
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


def _refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        refunded_on=refund.refunded_on,
        amount=Money.of(refund.amount_pence, refund.currency),
        method=refund.method,
        note=refund.note,
        credit_note_id=refund.credit_note_id,
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


def _rule_out(rule: ReminderRule) -> ReminderRuleOut:
    return ReminderRuleOut(
        id=rule.id,
        offset_days=rule.offset_days,
        subject=rule.subject,
        body=rule.body,
        enabled=rule.enabled,
    )


def _pdf(data: bytes, number: str | None) -> Response:
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in (number or "document"))
    response = Response(data, mimetype=PDF)
    response.headers["Content-Disposition"] = f'attachment; filename="{name[:60]}.pdf"'
    return response


def _invoice_of(row_invoice_id: uuid.UUID, invoice_id: str) -> Invoice:
    """The caller's invoice *invoice_id*, locked, which must be the one a payment or refund
    (already loaded for the caller) belongs to: 404 otherwise."""
    invoice = owned_or_404(Invoice, invoice_id, for_update=True)
    if invoice.id != row_invoice_id:
        raise ApiProblem(404)
    return invoice


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
        listing.rows_statement(query.status),
        Invoice,
        query,
        _summary_of,
        scalars=False,
        parameters={"user_id": current_user.id},
    )


@operation(
    "GET",
    "/invoices/<invoice_id>",
    summary="One invoice, with its lines, payments and refunds",
    tag="invoices",
    scope="invoices:read",
    response=InvoiceOut,
)
def get_invoice(invoice_id: str) -> InvoiceOut:
    return _invoice_out(owned_or_404(Invoice, invoice_id))


def _check_bill_to(body: DraftIn) -> None:
    """A client or agency id that is not the caller's is 404, as in a URL."""
    if body.client_id:
        owned_or_404(Client, body.client_id)
    if body.agency_id:
        owned_or_404(Agency, body.agency_id)


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
    """A draft can be changed until it is issued. A client or agency id that is not yours
    answers 404."""
    _check_bill_to(body)
    return _invoice_out(services.create_draft(current_user.id, body.to_input()))


@operation(
    "PUT",
    "/invoices/<invoice_id>",
    summary="Replace a draft invoice's details and lines",
    tag="invoices",
    scope="invoices:write",
    body=DraftIn,
    response=InvoiceOut,
    covers=("invoices.edit",),
    load=(Invoice, "invoice"),
    lock=True,
)
def update_draft(invoice: Invoice, body: DraftIn) -> InvoiceOut:
    """The whole draft as sent (lines left out are removed). An issued invoice cannot be
    changed (409): credit it instead."""
    _check_bill_to(body)
    return _invoice_out(services.update_draft(invoice, body.to_input()))


@operation(
    "DELETE",
    "/invoices/<invoice_id>",
    summary="Delete a draft invoice",
    tag="invoices",
    scope="invoices:write",
    status=204,
    covers=("invoices.delete",),
    load=(Invoice, "invoice"),
    lock=True,
)
def delete_draft(invoice: Invoice) -> Response:
    """Only a draft can be deleted (409 otherwise); the jobs it billed can be invoiced again."""
    services.delete_draft(invoice)
    return Response(status=204)


@operation(
    "POST",
    "/invoices/<invoice_id>/duplicate",
    summary="Copy an invoice as a new draft",
    tag="invoices",
    scope="invoices:write",
    response=InvoiceOut,
    status=201,
    covers=("invoices.duplicate",),
    load=(Invoice, "invoice"),
)
def duplicate_invoice(invoice: Invoice) -> InvoiceOut:
    """The same customer, currency, notes and lines; the dates are left for you."""
    return _invoice_out(services.duplicate(invoice))


@operation(
    "POST",
    "/invoices/from-jobs",
    summary="Create a draft invoice billing jobs",
    tag="invoices",
    scope="invoices:write",
    body=FromJobsIn,
    response=InvoiceOut,
    status=201,
    covers=("invoices.from_jobs",),
)
def create_from_jobs(body: FromJobsIn) -> InvoiceOut:
    """The jobs' fee lines, for their one client or agency; the jobs are marked invoiced at
    once (deleting the draft gives them back)."""
    return _invoice_out(from_jobs.create_from_jobs(current_user.id, body.to_input()))


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
    """Numbers the invoice, freezes its details and renders its PDF, as on the page (an
    issued one: 409)."""
    return _invoice_out(services.issue(invoice))


def _check_send_allowance() -> None:
    """Count one attempt to email an invoice against the allowance the pages share; 429 with
    Retry-After once the hour's is spent."""
    wait = emails.use_send_allowance(current_user.id)
    if wait:
        raise ApiProblem(
            429,
            _("At most %(count)d invoices an hour can be emailed.", count=emails.sends_per_hour()),
            headers={"Retry-After": str(wait)},
        )


@operation(
    "POST",
    "/invoices/<invoice_id>/send",
    summary="Email an issued invoice to its customer",
    tag="invoices",
    scope="invoices:write",
    body=SendIn,
    response=InvoiceOut,
    covers=("invoices.send",),
    load=(Invoice, "invoice"),
    lock=True,
)
def send_invoice(invoice: Invoice, body: SendIn) -> InvoiceOut:
    """Queued with its PDF attached, from your business's name, as the page sends it; only to
    an address on record for the client or agency (add another on their page first)."""
    _check_send_allowance()
    emails.send_invoice(invoice, body.to_input())
    return _invoice_out(invoice)


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
    "PUT",
    "/invoices/<invoice_id>/repeat",
    summary="Set how an invoice repeats",
    tag="invoices",
    scope="invoices:write",
    body=RepeatIn,
    response=InvoiceOut,
    covers=("invoices.recurring",),
    load=(Invoice, "invoice"),
    lock=True,
)
def set_repeat(invoice: Invoice, body: RepeatIn) -> InvoiceOut:
    """A copy every month or three months from next_on, made as a draft or (with
    issue_automatically) issued and emailed to the customer; null recurrence stops it."""
    recurring.configure(invoice, body.to_input())
    return _invoice_out(invoice)


@operation(
    "PUT",
    "/invoices/<invoice_id>/reminders",
    summary="Pause or resume an invoice's payment reminders",
    tag="invoices",
    scope="invoices:write",
    body=RemindersIn,
    response=InvoiceOut,
    covers=("invoices.toggle_reminders",),
    load=(Invoice, "invoice"),
    lock=True,
)
def set_reminders(invoice: Invoice, body: RemindersIn) -> InvoiceOut:
    reminders.pause(invoice, body.to_input())
    return _invoice_out(invoice)


# --------------------------------------------------------------------------- payments, refunds


def _money_in(invoice: Invoice, amount: MoneyIn) -> None:
    if amount.currency != invoice.currency:
        raise ApiProblem(
            422,
            errors=[
                {
                    "field": "amount.currency",
                    "code": "currency",
                    "detail": _("This invoice is in %(currency)s.", currency=invoice.currency),
                }
            ],
        )


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
    _money_in(invoice, body.amount)
    payment = services.record_payment(invoice, body.to_input())
    return _payment_out(payment)


@operation(
    "DELETE",
    "/invoices/<invoice_id>/payments/<payment_id>",
    summary="Remove a payment recorded by mistake",
    tag="invoices",
    scope="invoices:write",
    status=204,
    covers=("invoices.delete_payment",),
    load=(Payment, "payment"),
)
def delete_payment(invoice_id: str, payment: Payment) -> Response:
    """The invoice's balance and status follow (409 for a payment a posted remittance
    recorded, or one that money refunded since depends on)."""
    _invoice_of(payment.invoice_id, invoice_id)
    services.delete_payment(payment)
    return Response(status=204)


@operation(
    "POST",
    "/invoices/<invoice_id>/refunds",
    summary="Record money paid back to the customer",
    tag="invoices",
    scope="invoices:write",
    body=RefundIn,
    response=RefundsOut,
    status=201,
    covers=("invoices.add_refund",),
    load=(Invoice, "invoice"),
    lock=True,
)
def record_refund(invoice: Invoice, body: RefundIn) -> RefundsOut:
    """Once a credit note took the invoice below what was paid (refund_due on the invoice),
    at most that amount."""
    _money_in(invoice, body.amount)
    recorded = refunds.record_refund(invoice, body.to_input())
    return RefundsOut(refunds=[_refund_out(r) for r in recorded])


@operation(
    "DELETE",
    "/invoices/<invoice_id>/refunds/<refund_id>",
    summary="Remove a refund recorded by mistake",
    tag="invoices",
    scope="invoices:write",
    status=204,
    covers=("invoices.delete_refund",),
    load=(Refund, "refund"),
)
def delete_refund(invoice_id: str, refund: Refund) -> Response:
    """The money is due back to the customer again."""
    _invoice_of(refund.invoice_id, invoice_id)
    refunds.delete_refund(refund)
    return Response(status=204)


# --------------------------------------------------------------------------- credit notes


@operation(
    "POST",
    "/invoices/<invoice_id>/credit-notes",
    summary="Issue a credit note on an invoice",
    tag="invoices",
    scope="invoices:write",
    body=CreditNoteIn,
    response=CreditNoteOut,
    status=201,
    covers=("invoices.new_credit_note",),
    load=(Invoice, "invoice"),
    lock=True,
)
def create_credit_note(invoice: Invoice, body: CreditNoteIn) -> CreditNoteOut:
    """The whole invoice (full) or quantities of its lines (line_id from the invoice's lines).
    Whatever it credits above what was outstanding becomes the invoice's refund_due."""
    note = credit_notes.create_credit_note(invoice, body.to_input())
    return _credit_note_out(note)


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


# --------------------------------------------------------------------------- reminder schedule


@operation(
    "GET",
    "/reminder-rules",
    summary="The payment reminder schedule",
    tag="invoices",
    scope="invoices:read",
    response=Page[ReminderRuleOut],
)
def list_reminder_rules() -> Page[ReminderRuleOut]:
    """Every step, by days from the due date (one page: a schedule has few steps)."""
    return Page[ReminderRuleOut](data=[_rule_out(r) for r in reminders.rules_for(current_user.id)])


@operation(
    "POST",
    "/reminder-rules",
    summary="Set the reminder sent a number of days from the due date",
    tag="invoices",
    scope="invoices:write",
    body=ReminderRuleIn,
    response=ReminderRuleOut,
    status=201,
    covers=("invoices.reminder_settings",),
)
def save_reminder_rule(body: ReminderRuleIn) -> ReminderRuleOut:
    """A new step, or new wording for the step already at that offset; it is turned on. The
    wording may use placeholders in single braces, such as {invoice_number}."""
    return _rule_out(reminders.save_rule(current_user.id, body.to_input()))


@operation(
    "PATCH",
    "/reminder-rules/<rule_id>",
    summary="Turn one reminder off or on",
    tag="invoices",
    scope="invoices:write",
    body=ReminderRuleStateIn,
    response=ReminderRuleOut,
    covers=("invoices.reminder_toggle",),
    load=(ReminderRule, "rule"),
)
def set_reminder_rule(rule: ReminderRule, body: ReminderRuleStateIn) -> ReminderRuleOut:
    reminders.set_rule_state(rule, body.to_input())
    return _rule_out(rule)


@operation(
    "DELETE",
    "/reminder-rules/<rule_id>",
    summary="Remove one reminder from the schedule",
    tag="invoices",
    scope="invoices:write",
    status=204,
    covers=("invoices.reminder_delete",),
    load=(ReminderRule, "rule"),
)
def delete_reminder_rule(rule: ReminderRule) -> Response:
    reminders.delete_rule(rule)
    return Response(status=204)
