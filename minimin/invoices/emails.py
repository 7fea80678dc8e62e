"""Invoice emails: the invoice with its PDF, copies to self, and the per-invoice email log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_login import current_user

from minimin.core.mail import FAILED, Attachment, OutboundEmail, queue_email
from minimin.extensions import db
from minimin.invoices import services
from minimin.invoices.models import Invoice, InvoiceEmail
from minimin.invoices.pdf import money


def _filename(invoice: Invoice) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in (invoice.number or "invoice"))
    return f"{cleaned[:60]}.pdf"


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    supplier = invoice.supplier_snapshot or {}
    customer = invoice.customer_snapshot or {}
    return {
        "number": invoice.number,
        "business": supplier.get("name", ""),
        "customer": customer.get("contact_name") or customer.get("name", ""),
        "total": money(invoice.total_pence, invoice.currency),
        "amount": money(invoice.outstanding_pence, invoice.currency),
        "due_date": invoice.due_date.strftime("%d/%m/%Y") if invoice.due_date else "",
        "link": services.public_url(invoice) or "",
    }


def _log(invoice: Invoice, email: OutboundEmail, kind: str) -> None:
    db.session.add(
        InvoiceEmail(user_id=invoice.user_id, invoice_id=invoice.id, email_id=email.id, kind=kind)
    )


def send_invoice(
    invoice: Invoice,
    *,
    to: str,
    message: str | None,
    copy_to_self: bool,
    owner_email: str | None = None,
) -> None:
    """Queue the invoice email (PDF attached) in this transaction; it is sent after commit."""
    pdf = services.pdf_bytes(invoice.pdf_key)
    attachment = Attachment(_filename(invoice), "application/pdf", pdf)
    context = {**invoice_context(invoice), "message": message or ""}
    email = queue_email(
        to=to,
        template="invoice",
        context=context,
        user_id=invoice.user_id,
        attachments=[attachment],
    )
    _log(invoice, email, "invoice")
    if copy_to_self:
        own = owner_email or (current_user.email if current_user.is_authenticated else None)
        if own:
            copy = queue_email(
                to=own,
                template="invoice",
                context={**context, "is_copy": True, "sent_to": to},
                user_id=invoice.user_id,
                attachments=[attachment],
            )
            _log(invoice, copy, "copy")
    services.mark_sent(invoice)


def failed_delivery(invoice: Invoice) -> OutboundEmail | None:
    """The latest email of *invoice* to its customer (the invoice or a reminder) when it could
    not be delivered and will not be tried again: the invoice says "sent", but the customer
    may not have it."""
    latest = db.session.scalar(
        sa.select(OutboundEmail)
        .join(InvoiceEmail, InvoiceEmail.email_id == OutboundEmail.id)
        .where(
            InvoiceEmail.invoice_id == invoice.id,
            InvoiceEmail.user_id == invoice.user_id,
            InvoiceEmail.kind != "copy",
        )
        .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id)
        .limit(1)
    )
    return latest if latest is not None and latest.status == FAILED else None


def email_log(invoice: Invoice) -> list[OutboundEmail]:
    return list(
        db.session.scalars(
            sa.select(OutboundEmail)
            .join(InvoiceEmail, InvoiceEmail.email_id == OutboundEmail.id)
            .where(InvoiceEmail.invoice_id == invoice.id, InvoiceEmail.user_id == invoice.user_id)
            .order_by(OutboundEmail.created_at.desc())
        )
    )
