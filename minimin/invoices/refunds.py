"""Refunds: money paid back to a customer when a credit note took an invoice below what the
customer had already paid.

A refund is recorded against an invoice with a refund due (:attr:`Invoice.refund_due_pence`)
and linked to one of its credit notes, whose VAT fraction it carries on the cash basis and
under VAT cash accounting. The rules:

- the amount is more than zero and at most the refund due, and at most what is left
  unrefunded of the credit note it refunds;
- the date is the day the money left: not in the future, and not before the invoice was
  issued. Reports on the cash basis and cash-accounting VAT returns count the refund on
  that date (invoice income and output VAT go down by it);
- a refund recorded by mistake can be deleted; the refund is due again.

Refunds change only the invoice's balances and status (see :func:`services.settle`): an
invoice credited in full and refunded in full is void.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _

from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.invoices.inputs import RefundInput
from minimin.invoices.models import (
    DRAFT,
    METHOD_BANK,
    METHOD_CARD,
    METHOD_CASH,
    METHOD_CHEQUE,
    METHOD_OTHER,
    REFUND_NOTE_MAX,
    CreditNote,
    Invoice,
    Refund,
)
from minimin.invoices.pdf import money
from minimin.invoices.services import InvoiceError, ensure_open, settle, today_london

#: How money can be paid back (a card payment taken through Stripe is refunded in Stripe and
#: recorded here as a card refund).
REFUND_METHODS = (METHOD_BANK, METHOD_CARD, METHOD_CASH, METHOD_CHEQUE, METHOD_OTHER)


def unrefunded_pence(note: CreditNote) -> int:
    """What is left of *note* that no refund has yet paid back."""
    return max(note.total_pence - note.refunded_pence, 0)


def default_credit_note(invoice: Invoice) -> CreditNote | None:
    """The credit note a new refund most likely pays back: the newest one not yet refunded in
    full (the newest of all when every note is)."""
    notes = list(invoice.credit_notes)
    for note in reversed(notes):
        if unrefunded_pence(note) > 0:
            return note
    return notes[-1] if notes else None


def check_refundable(invoice: Invoice) -> None:
    """Refuse, with the reason, a refund on an invoice that owes nothing back."""
    if invoice.status == DRAFT:
        raise InvoiceError(_("A draft has no payments to refund."), code=CONFLICT)
    if invoice.refund_due_pence <= 0:
        raise InvoiceError(_("Nothing is due back to the customer on this invoice."), code=CONFLICT)


def _check_amount(invoice: Invoice, amount_pence: int) -> None:
    if amount_pence <= 0:
        raise InvoiceError(_("Enter an amount of more than zero."), "amount")
    due = invoice.refund_due_pence
    if amount_pence > due:
        raise InvoiceError(
            _(
                "That is more than the %(due)s due back to the customer on this invoice; "
                "record at most the refund due.",
                due=money(due, invoice.currency),
            ),
            "amount",
        )


def _allocate(
    invoice: Invoice, amount_pence: int, chosen: CreditNote | None
) -> list[tuple[CreditNote | None, int]]:
    """Split *amount_pence* over the credit notes it pays back: the chosen note first, then
    the others newest first, each up to what is left unrefunded of it. One transfer that pays
    back two credit notes is recorded as one refund per note, so each carries the VAT of its
    own note."""
    notes = [chosen] if chosen is not None else []
    notes += [n for n in reversed(invoice.credit_notes) if n is not chosen]
    parts: list[tuple[CreditNote | None, int]] = []
    left = amount_pence
    for note in notes:
        share = min(left, unrefunded_pence(note))
        if share > 0:
            parts.append((note, share))
            left -= share
    if left > 0:  # more than the notes' unrefunded total: only with refunds not linked to one
        if parts:
            parts[0] = (parts[0][0], parts[0][1] + left)
        else:
            parts.append((chosen, left))
    return parts


def _check_date(invoice: Invoice, refunded_on: date, today: date) -> None:
    if refunded_on > today:
        raise InvoiceError(_("The refund date cannot be in the future."), "refunded_on")
    if invoice.issue_date is not None and refunded_on < invoice.issue_date:
        raise InvoiceError(
            _(
                "The refund date cannot be before the invoice was issued (%(date)s).",
                date=invoice.issue_date.strftime("%d %B %Y"),
            ),
            "refunded_on",
        )


def _credit_note_of(invoice: Invoice, credit_note_id: uuid.UUID | None) -> CreditNote | None:
    """The invoice's credit note *credit_note_id*, or by default the one most likely refunded."""
    if credit_note_id is None:
        return default_credit_note(invoice)
    for credit_note in invoice.credit_notes:
        if credit_note.id == credit_note_id:
            return credit_note
    raise InvoiceError(_("That credit note is not for this invoice."), "credit_note_id")


def record_refund(
    invoice: Invoice, data: RefundInput, *, today: date | None = None
) -> list[Refund]:
    """Record money paid back to the customer of *invoice* (see the module docstring). Returns
    the refund recorded: one row, or one per credit note when the amount pays back more than
    what is left of the credit note (by default the newest not yet refunded in full)."""
    check_refundable(invoice)
    amount_pence, refunded_on, note = data.amount_pence, data.refunded_on, data.note
    if data.method not in REFUND_METHODS:
        raise InvoiceError(_("Choose how the money was paid back."), "method")
    if note is not None and len(note) > REFUND_NOTE_MAX:
        raise InvoiceError(_("The note is too long."), "note")
    credit_note = _credit_note_of(invoice, data.credit_note_id)
    _check_amount(invoice, amount_pence)
    _check_date(invoice, refunded_on, today or today_london())
    ensure_open(invoice.user_id, refunded_on, "refunded_on")
    recorded = []
    for refunded_note, part in _allocate(invoice, amount_pence, credit_note):
        refund = Refund(
            user_id=invoice.user_id,
            invoice=invoice,
            credit_note_id=refunded_note.id if refunded_note is not None else None,
            refunded_on=refunded_on,
            amount_pence=part,
            currency=invoice.currency,
            method=data.method,
            note=note or None,
        )
        db.session.add(refund)
        recorded.append(refund)
    invoice.refunded_pence += amount_pence
    settle(invoice)
    db.session.flush()
    return recorded


def delete_refund(refund: Refund) -> None:
    """Remove a refund recorded by mistake: the money is due back to the customer again."""
    invoice = refund.invoice
    ensure_open(invoice.user_id, refund.refunded_on)
    invoice.refunded_pence -= refund.amount_pence
    invoice.refunds.remove(refund)
    db.session.delete(refund)
    settle(invoice)
    db.session.flush()


__all__ = [
    "REFUND_METHODS",
    "RefundInput",
    "check_refundable",
    "default_credit_note",
    "delete_refund",
    "record_refund",
    "unrefunded_pence",
]
