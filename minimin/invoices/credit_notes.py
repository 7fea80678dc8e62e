"""Credit notes: crediting an issued invoice in full or by line and quantity, before or after
it has been paid.

What can be credited is bounded twice: per line, by the quantity not yet credited on earlier
credit notes, and in total, by the invoice total less what is already credited. A credit note
may take an invoice below what the customer has already paid: the difference is then a refund
due to the customer (recorded with :mod:`minimin.invoices.refunds`).

Amounts. A line credited in part is priced by the VAT rules like an invoice line (quantity x
unit price, VAT per line, each half-up to the penny). The part that completes a line takes
exactly what is left of the line's net and VAT, so a line credited in pieces never credits
more, or less, than it billed whatever the rounding of the pieces; likewise the credit note
that completes an invoice in another currency states the sterling VAT that is left, so its
credit notes add up to the invoice's sterling VAT.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from minimin.core.money import Money
from minimin.core.storage import save_in_transaction
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.invoices import calc as vat_rules
from minimin.invoices import documents
from minimin.invoices import vat as vat_arithmetic
from minimin.invoices.inputs import CreditLineInput, CreditNoteInput
from minimin.invoices.models import (
    DRAFT,
    ISSUED,
    PAID,
    PART_PAID,
    SENT,
    CreditNote,
    Invoice,
    InvoiceLine,
)
from minimin.invoices.pdf import money, render_document, sha256
from minimin.invoices.services import (
    InvoiceError,
    allocate_number,
    revert_jobs,
    settle,
    today_london,
)

#: Invoices that can be credited: issued and not yet credited in full, paid or not.
CREDITABLE_STATUSES = (ISSUED, SENT, PART_PAID, PAID)


@dataclass(frozen=True)
class LineBalance:
    """One invoice line: what it billed, and what earlier credit notes took off it."""

    line: InvoiceLine
    credited_quantity: Decimal
    credited_net_pence: int
    credited_vat_pence: int

    @property
    def quantity_left(self) -> Decimal:
        return max(self.line.quantity - self.credited_quantity, Decimal(0))

    @property
    def net_left_pence(self) -> int:
        return max(self.line.net_pence - self.credited_net_pence, 0)

    @property
    def vat_left_pence(self) -> int:
        return max(self.line.vat_pence - self.credited_vat_pence, 0)


@dataclass(frozen=True)
class CreditedLine:
    line: InvoiceLine
    quantity: Decimal
    net_pence: int
    vat_pence: int


def can_be_credited(invoice: Invoice) -> bool:
    return invoice.status in CREDITABLE_STATUSES and invoice.creditable_pence > 0


def _line_for_item(item: dict[str, Any], invoice: Invoice) -> InvoiceLine | None:
    """The invoice line a credit-note item credited: by the id it records or, for items
    written before ids were recorded, the first line with the same description, unit price
    and treatment."""
    by_id = {str(line.id): line for line in invoice.lines}
    if item.get("line_id"):
        return by_id.get(str(item["line_id"]))
    for line in invoice.lines:
        if (
            line.description == item.get("description")
            and line.unit_price_pence == item.get("unit_price_pence")
            and line.vat_treatment == item.get("treatment")
        ):
            return line
    return None


def line_balances(invoice: Invoice) -> list[LineBalance]:
    """Every line of *invoice* with what its credit notes already took off it, in order."""
    credited: dict[uuid.UUID, list[Any]] = {line.id: [Decimal(0), 0, 0] for line in invoice.lines}
    for note in invoice.credit_notes:
        for item in note.lines_snapshot or []:
            line = _line_for_item(item, invoice)
            if line is None:
                continue
            slot = credited[line.id]
            slot[0] += Decimal(str(item.get("quantity", "0")))
            slot[1] += int(item.get("net_pence", 0))
            slot[2] += int(item.get("vat_pence", 0))
    return [
        LineBalance(line, credited[line.id][0], credited[line.id][1], credited[line.id][2])
        for line in invoice.lines
    ]


def _check_creditable(invoice: Invoice) -> None:
    if invoice.status == DRAFT:
        raise InvoiceError(
            _("A draft can simply be deleted; credit notes are for issued invoices."),
            code=CONFLICT,
        )
    if invoice.status not in CREDITABLE_STATUSES or invoice.creditable_pence <= 0:
        raise InvoiceError(
            _("Everything on this invoice has already been credited."), code=CONFLICT
        )


def _chosen_quantities(
    balances: list[LineBalance], full: bool, lines: Sequence[CreditLineInput]
) -> list[tuple[LineBalance, Decimal]]:
    """The (line, quantity) pairs to credit: every line's remaining quantity for a full
    credit, else the quantities asked for, each at most what is left of its line."""
    if full:
        chosen = [(b, b.quantity_left) for b in balances if b.quantity_left > 0]
        if not chosen:
            raise InvoiceError(
                _("Everything on this invoice has already been credited."), code=CONFLICT
            )
        return chosen
    by_id = {b.line.id: b for b in balances}
    asked: dict[uuid.UUID, Decimal] = {}
    for item in lines:
        if item.line_id not in by_id:
            raise InvoiceError(_("That line is not on this invoice."), "lines")
        if item.quantity > 0:
            asked[item.line_id] = asked.get(item.line_id, Decimal(0)) + item.quantity
    chosen = []
    for line_id, quantity in asked.items():
        balance = by_id[line_id]
        if quantity > balance.quantity_left:
            if balance.credited_quantity == 0:
                raise InvoiceError(
                    _(
                        "You cannot credit more than the quantity invoiced (%(q)s) for “%(d)s”.",
                        q=balance.line.quantity.normalize(),
                        d=balance.line.description,
                    )
                )
            raise InvoiceError(
                _(
                    "Only %(left)s of “%(d)s” is left to credit: %(q)s invoiced, %(done)s "
                    "already credited.",
                    left=balance.quantity_left.normalize(),
                    d=balance.line.description,
                    q=balance.line.quantity.normalize(),
                    done=balance.credited_quantity.normalize(),
                )
            )
        chosen.append((balance, quantity))
    if not chosen:
        raise InvoiceError(_("Choose at least one line and a quantity to credit."))
    return chosen


def _price(
    invoice: Invoice, chosen: list[tuple[LineBalance, Decimal]], registered: bool
) -> list[CreditedLine]:
    """Net and VAT of each credited quantity (see the module docstring for the rounding)."""
    result = []
    for balance, quantity in chosen:
        line = balance.line
        if quantity == balance.quantity_left:
            net, vat = balance.net_left_pence, balance.vat_left_pence
        else:
            computed = vat_rules.invoice_totals(
                [
                    vat_rules.LineAmounts(
                        quantity=quantity,
                        unit_price_pence=line.unit_price_pence,
                        treatment=line.vat_treatment if registered else vat_rules.NOT_REGISTERED,
                    )
                ],
                tax_point=invoice.tax_point or invoice.issue_date or today_london(),
                currency=invoice.currency,
                units_per_gbp=invoice.exchange_rate,
            ).lines[0]
            net = min(computed.net_pence, balance.net_left_pence)
            vat = min(computed.vat_pence, balance.vat_left_pence)
        result.append(CreditedLine(line, quantity, net, vat))
    return result


def _sterling_vat(invoice: Invoice, vat_pence: int, completes: bool) -> int | None:
    """The credit note's VAT in sterling: the invoice's own figure for a sterling invoice; for
    another currency the VAT converted at the invoice's rate or, for the note that completes
    the invoice, the invoice's sterling VAT less that of its earlier credit notes."""
    if invoice.currency == vat_arithmetic.GBP:
        return vat_pence
    if invoice.exchange_rate is None:
        return None
    if completes and invoice.vat_gbp_pence is not None:
        left = invoice.vat_gbp_pence - sum(n.vat_gbp_pence or 0 for n in invoice.credit_notes)
        if left >= 0:
            return left
    converted = vat_arithmetic.to_gbp(
        Money.from_pence(vat_pence, invoice.currency), invoice.exchange_rate
    )
    return converted.pence


def create_credit_note(
    invoice: Invoice, data: CreditNoteInput, *, today: date | None = None
) -> CreditNote:
    """Credit every line's remaining quantity (*full*) or the chosen quantities of some lines.

    Works on issued, sent, part-paid and paid invoices. The part of the credit above what was
    still outstanding is owed back to the customer: the invoice shows it as a refund due and
    the credit note's PDF states it. An invoice credited in full no longer bills its jobs:
    they can be invoiced again.
    """
    _check_creditable(invoice)
    full = data.full
    registered = bool((invoice.supplier_snapshot or {}).get("vat_registered"))
    chosen = _chosen_quantities(line_balances(invoice), full, data.lines)
    credited = _price(invoice, chosen, registered)
    net = sum(c.net_pence for c in credited)
    vat = sum(c.vat_pence for c in credited)
    total = net + vat
    available = invoice.creditable_pence
    if total > available:
        raise InvoiceError(
            _(
                "The credit (%(credit)s) is more than the %(available)s left to credit on this "
                "invoice: its total is %(total)s and %(credited)s is already credited.",
                credit=money(total, invoice.currency),
                available=money(available, invoice.currency),
                total=money(invoice.total_pence, invoice.currency),
                credited=money(invoice.credited_pence, invoice.currency),
            )
        )
    if total <= 0:
        raise InvoiceError(_("The credit must be more than zero."))
    outstanding_before = invoice.outstanding_pence
    completes = total == available
    vat_gbp = _sterling_vat(invoice, vat, completes)

    sequence, number = allocate_number(invoice.user_id, "credit_note")
    note = CreditNote(
        user_id=invoice.user_id,
        invoice=invoice,
        number=number,
        sequence=sequence,
        issue_date=today or today_london(),
        reason=data.reason or None,
        full=full or completes,
        currency=invoice.currency,
        net_pence=net,
        vat_pence=vat,
        total_pence=total,
        vat_gbp_pence=vat_gbp,
        supplier_snapshot=invoice.supplier_snapshot,
        customer_snapshot=invoice.customer_snapshot,
        lines_snapshot=[
            {
                "line_id": str(c.line.id),
                "description": c.line.description,
                "quantity": f"{c.quantity.normalize():f}",
                "unit_price_pence": c.line.unit_price_pence,
                "treatment": c.line.vat_treatment,
                "rate_percent": str(c.line.vat_rate),
                "net_pence": c.net_pence,
                "vat_pence": c.vat_pence,
            }
            for c in credited
        ],
    )
    db.session.add(note)
    invoice.credited_pence += total
    db.session.flush()
    refund_due = max(total - outstanding_before, 0)
    document = documents.credit_note_document(note, invoice, refund_due_pence=refund_due)
    pdf = render_document(document)
    note.pdf_key = save_in_transaction(db.session, pdf, "application/pdf")
    note.pdf_sha256 = sha256(pdf)
    if invoice.billed_pence <= 0:
        revert_jobs(invoice)
    settle(invoice)
    db.session.flush()
    return note


__all__ = [
    "CREDITABLE_STATUSES",
    "CreditLineInput",
    "CreditNoteInput",
    "can_be_credited",
    "create_credit_note",
    "line_balances",
]
