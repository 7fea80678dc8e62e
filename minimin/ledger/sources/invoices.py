"""Ledger sources: the invoices feature's money documents.

Four kinds post (rules in :mod:`minimin.ledger.rules.invoices`): ``invoice`` (issued, not a
draft, and not voided without a credit note), ``credit_note``, ``payment`` (every
``invoice_payment`` row, whoever recorded it: a page, Stripe, a bank match, a remittance) and
``refund``. This module reads the rows into the rules' facts and says which documents a change
touches.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minimin.invoices.models import (
    DRAFT,
    METHOD_AGENCY_REMITTANCE,
    VOID,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from minimin.invoices.vat import VATTreatment
from minimin.ledger import posting
from minimin.ledger.entries import Posting
from minimin.ledger.rules import invoices as rules

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PAYMENT = "payment"
REFUND = "refund"

#: An invoice's columns that its payments', refunds' and credit notes' postings read: a change
#: to one of them (a VAT or total recalculated, a rate corrected, the customer changed) touches
#: those documents too.
_SHARED_FIELDS = (
    "number",
    "client_id",
    "agency_id",
    "customer_name",
    "currency",
    "exchange_rate",
    "net_pence",
    "vat_pence",
    "total_pence",
    "vat_gbp_pence",
    "supplier_snapshot",
)

Touched = Iterator[tuple[str, uuid.UUID | None]]


# --------------------------------------------------------------------------- facts


def _registered(snapshot: dict[str, Any] | None) -> bool:
    """Whether the business charged VAT on the document (its frozen supplier details; a
    document without them - never issued - is taken at its lines' treatments)."""
    return snapshot is None or bool(snapshot.get("vat_registered"))


def _vat_code(treatment: str | None, registered: bool) -> str | None:
    """The line's VAT treatment; ``not_registered`` for a business that charged no VAT, except
    supplies that are not taxable (exempt, outside the scope, services to customers abroad):
    they keep their code, as the VAT registration threshold test leaves them out."""
    if registered or treatment in _NOT_TAXABLE:
        return treatment
    return rules.NOT_REGISTERED


_NOT_TAXABLE = frozenset(t.value for t in VATTreatment if not t.is_taxable_supply)


def counts_as_issued(invoice: Invoice) -> bool:
    """Issued and not voided without a credit note: an invoice credited in full is void, yet
    it was issued and its credit notes reverse it on their own dates."""
    if invoice.status == DRAFT:
        return False
    return invoice.status != VOID or bool(invoice.credit_notes)


def _issued_sql() -> Any:
    """SQL of :func:`counts_as_issued`."""
    credited = sa.exists().where(CreditNote.invoice_id == Invoice.id)
    return sa.or_(Invoice.status.notin_((DRAFT, VOID)), sa.and_(Invoice.status == VOID, credited))


def invoice_facts(invoice: Invoice) -> rules.SalesDocument:
    registered = _registered(invoice.supplier_snapshot)
    return rules.SalesDocument(
        number=invoice.number or "",
        # The tax point (the date of supply, which issuing sets to the issue date unless the
        # user gave another): VAT is due then, and the work was earned then.
        date=invoice.tax_point or invoice.issue_date or invoice.created_at.date(),
        client_id=invoice.client_id,
        agency_id=invoice.agency_id,
        lines=tuple(
            rules.SaleLine(
                net=line.net_pence,
                vat=line.vat_pence,
                vat_code=_vat_code(line.vat_treatment, registered),
                job_id=line.job_id,
            )
            for line in invoice.lines
        ),
        net=invoice.net_pence,
        vat=invoice.vat_pence,
        currency=invoice.currency,
        exchange_rate=invoice.exchange_rate,
        vat_gbp=invoice.vat_gbp_pence,
        customer_name=invoice.customer_name,
    )


def _credited_lines(note: CreditNote) -> Iterator[rules.SaleLine]:
    """The note's lines as printed, with the job of the invoice line each one credits."""
    from minimin.invoices.credit_notes import _line_for_item

    registered = _registered(note.supplier_snapshot)
    for item in note.lines_snapshot or []:
        credited = _line_for_item(item, note.invoice)
        yield rules.SaleLine(
            net=int(item.get("net_pence", 0)),
            vat=int(item.get("vat_pence", 0)),
            vat_code=_vat_code(item.get("treatment"), registered),
            job_id=credited.job_id if credited is not None else None,
        )


def credit_note_facts(note: CreditNote) -> rules.SalesDocument:
    invoice = note.invoice
    return rules.SalesDocument(
        number=note.number,
        date=note.issue_date,
        client_id=invoice.client_id,
        agency_id=invoice.agency_id,
        lines=tuple(_credited_lines(note)),
        net=note.net_pence,
        vat=note.vat_pence,
        currency=note.currency,
        exchange_rate=invoice.exchange_rate,
        vat_gbp=note.vat_gbp_pence,
        customer_name=invoice.customer_name,
    )


# --------------------------------------------------------------------------- posters


def post_invoice(session: Session, invoice_id: uuid.UUID) -> Posting | None:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or not counts_as_issued(invoice):
        return None
    return rules.invoice_posting(invoice_facts(invoice))


def post_credit_note(session: Session, note_id: uuid.UUID) -> Posting | None:
    note = session.get(CreditNote, note_id)
    if note is None:
        return None
    return rules.credit_note_posting(credit_note_facts(note), note.invoice.number or "")


def post_payment(session: Session, payment_id: uuid.UUID) -> Posting | None:
    payment = session.get(Payment, payment_id)
    if payment is None:
        return None
    receipt = rules.Receipt(
        date=payment.paid_on,
        amount=payment.amount_pence,
        via_agency=payment.method == METHOD_AGENCY_REMITTANCE,
        reference=payment.reference or "",
    )
    return rules.payment_posting(receipt, invoice_facts(payment.invoice))


def post_refund(session: Session, refund_id: uuid.UUID) -> Posting | None:
    refund = session.get(Refund, refund_id)
    if refund is None:
        return None
    invoice = refund.invoice
    # A refund carries the VAT fraction of the credit note it pays back (of the invoice when
    # it names none, or its note has gone).
    refunded = (
        credit_note_facts(refund.credit_note)
        if refund.credit_note is not None
        else invoice_facts(invoice)
    )
    receipt = rules.Receipt(date=refund.refunded_on, amount=refund.amount_pence)
    return rules.refund_posting(receipt, refunded, invoice.number or "")


# --------------------------------------------------------------------------- listers


def _ids(session: Session, statement: Any) -> list[uuid.UUID]:
    return list(session.scalars(statement))


def list_invoices(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    return _ids(session, sa.select(Invoice.id).where(Invoice.user_id == user_id, _issued_sql()))


def list_credit_notes(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    return _ids(session, sa.select(CreditNote.id).where(CreditNote.user_id == user_id))


def list_payments(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    return _ids(session, sa.select(Payment.id).where(Payment.user_id == user_id))


def list_refunds(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    return _ids(session, sa.select(Refund.id).where(Refund.user_id == user_id))


# --------------------------------------------------------------------------- what a change touches


def _shared_fields_changed(invoice: Invoice) -> bool:
    state: sa.orm.InstanceState[Invoice] = sa.inspect(invoice)
    if state.deleted or state.was_deleted:
        return True
    return any(state.attrs[name].history.has_changes() for name in _SHARED_FIELDS)


def _dependents(invoice: Invoice | None) -> Touched:
    """The documents whose postings read *invoice*'s figures: its payments, refunds and
    credit notes (a draft has none)."""
    if invoice is None or invoice.status == DRAFT:
        return
    yield from ((PAYMENT, p.id) for p in invoice.payments)
    yield from ((REFUND, r.id) for r in invoice.refunds)
    yield from ((CREDIT_NOTE, n.id) for n in invoice.credit_notes)


def _invoice_of(row: Any) -> Invoice | None:
    """The invoice of a line, payment, credit note or refund, from the session (a line
    removed from its invoice no longer points at it)."""
    session = sa.orm.object_session(row)
    if session is None or row.invoice_id is None:
        return None
    return session.get(Invoice, row.invoice_id)


def invoice_touches(invoice: Invoice) -> Touched:
    yield INVOICE, invoice.id
    if _shared_fields_changed(invoice):
        yield from _dependents(invoice)


def line_touches(line: InvoiceLine) -> Touched:
    # The lines share the postings out by VAT code and job: the invoice's payments, refunds
    # and credit notes read them too.
    yield INVOICE, line.invoice_id
    yield from _dependents(_invoice_of(line))


def payment_touches(payment: Payment) -> Touched:
    yield PAYMENT, payment.id


def credit_note_touches(note: CreditNote) -> Touched:
    yield CREDIT_NOTE, note.id
    # Its refunds carry its VAT fraction; the invoice counts as issued while it has notes.
    yield INVOICE, note.invoice_id
    invoice = _invoice_of(note)
    if invoice is not None:
        yield from ((REFUND, r.id) for r in invoice.refunds if r.credit_note_id == note.id)


def refund_touches(refund: Refund) -> Touched:
    yield REFUND, refund.id


def register() -> None:
    """Register this family's documents with :mod:`minimin.ledger.posting`."""
    posting.source(INVOICE, post_invoice, list_invoices)
    posting.source(CREDIT_NOTE, post_credit_note, list_credit_notes)
    posting.source(PAYMENT, post_payment, list_payments)
    posting.source(REFUND, post_refund, list_refunds)
    posting.watch(Invoice, invoice_touches)
    posting.watch(InvoiceLine, line_touches)
    posting.watch(Payment, payment_touches)
    posting.watch(CreditNote, credit_note_touches)
    posting.watch(Refund, refund_touches)
