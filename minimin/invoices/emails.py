"""Invoice emails: the invoice with its PDF, copies to self, and the per-invoice email log.

Email sent on the user's behalf (the invoice, its copy, reminders) goes only to an address on
record for the invoice's client or agency (:func:`recipients_on_record`); another address is
first added to the contact, through the contact's own page. It shows the business as the sender
and answers go to the business's invoice email (:func:`on_behalf`).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, TypedDict

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse

from minimin.business.models import BusinessProfile
from minimin.contacts.models import Agency, Client
from minimin.core.mail import FAILED, Attachment, OutboundEmail, queue_email
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.invoices import services
from minimin.invoices.inputs import SendInput
from minimin.invoices.models import VOID, Invoice, InvoiceEmail
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


#: A message that opens with its own greeting gets no second one from the template.
_GREETING = re.compile(
    r"^\s*(hi|hiya|hello|hey|dear|good\s+(morning|afternoon|evening)|morning|afternoon|"
    r"helo|shwmae|s'mae|annwyl|bore\s+da|prynhawn\s+da|noswaith\s+dda)\b",
    re.I,
)


def starts_with_greeting(message: str | None) -> bool:
    return bool(message and _GREETING.match(message))


def contact_of(invoice: Invoice) -> Client | Agency | None:
    """The client or agency the invoice is billed to (the user's own record)."""
    if invoice.client_id is not None:
        return db.session.get(Client, invoice.client_id)
    if invoice.agency_id is not None:
        return db.session.get(Agency, invoice.agency_id)
    return None


def recipients_on_record(invoice: Invoice) -> list[str]:
    """The addresses an invoice may be emailed to: the contact's address now, and the one it
    had when the invoice was issued; each once, whatever its case."""
    contact = contact_of(invoice)
    candidates = [
        contact.email if contact is not None and contact.user_id == invoice.user_id else None,
        (invoice.customer_snapshot or {}).get("email"),
    ]
    found: dict[str, str] = {}
    for address in candidates:
        address = (address or "").strip()
        if address and "@" in address:
            found.setdefault(address.casefold(), address)
    return list(found.values())


class Sender(TypedDict):
    reply_to: str | None
    sender_name: str | None


def on_behalf(user_id: uuid.UUID) -> Sender:
    """``queue_email`` arguments for email sent for the business: its name as the sender,
    replies to its invoice email."""
    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id)
    )
    if profile is None:
        return {"reply_to": None, "sender_name": None}
    return {
        "reply_to": (profile.invoice_email or "").strip() or None,
        "sender_name": (profile.business_name or "").strip() or None,
    }


def _log(invoice: Invoice, email: OutboundEmail, kind: str) -> None:
    db.session.add(
        InvoiceEmail(user_id=invoice.user_id, invoice_id=invoice.id, email_id=email.id, kind=kind)
    )


#: Invoices a user may try to email in an hour, on the pages and through the API together
#: (each with its copy): a month's invoicing fits easily, a script relaying mail does not.
#: Refused attempts count too. Operators (and tests) may set another figure in this key.
SENDS_CONFIG_KEY = "MINIMIN_INVOICE_SENDS_PER_HOUR"
SENDS_PER_HOUR = 30


def sends_per_hour() -> int:
    return int(current_app.config.get(SENDS_CONFIG_KEY, SENDS_PER_HOUR))


def use_send_allowance(user_id: uuid.UUID) -> int:
    """Count one attempt by *user_id* to email an invoice: 0 to go ahead, or the seconds to
    wait once the hour's allowance is spent (the attempt is then not counted)."""
    # Imported here: accounts builds on the features' models.
    from minimin.accounts import throttle

    rule = throttle.Rule("invoice-sends", parse(f"{sends_per_hour()}/hour"))
    subject = str(user_id)
    return 0 if throttle.hit(rule, subject) else throttle.retry_after(rule, subject)


def check_sendable(invoice: Invoice, data: SendInput) -> str:
    """The address *invoice* goes to: issued, not void, and only to an address on record
    for its customer (``data.to``, or the first one)."""
    if invoice.is_draft or invoice.status == VOID:
        raise services.InvoiceError(_("Issue the invoice before sending it."), code=CONFLICT)
    addresses = recipients_on_record(invoice)
    wanted = (data.to or (addresses[0] if addresses else "")).strip()
    for address in addresses:
        if wanted and address.casefold() == wanted.casefold():
            return wanted
    name = (invoice.customer_snapshot or {}).get("name") or _("this customer")
    raise services.InvoiceError(
        _(
            "Invoices are emailed only to an address on record for %(name)s. To use another "
            "address, add it to %(name)s first.",
            name=name,
        ),
        "to",
    )


def send_invoice(invoice: Invoice, data: SendInput, *, owner_email: str | None = None) -> None:
    """Queue the invoice email (PDF attached) in this transaction; it is sent after commit.
    *owner_email* is where the copy goes when no one is signed in (a repeat sent by the
    scheduler)."""
    to = check_sendable(invoice, data)
    message, copy_to_self = data.message, data.copy_to_self
    pdf = services.pdf_bytes(invoice.pdf_key)
    attachment = Attachment(_filename(invoice), "application/pdf", pdf)
    context = {
        **invoice_context(invoice),
        "message": message or "",
        "greet": not starts_with_greeting(message),
    }
    sender = on_behalf(invoice.user_id)
    email = queue_email(
        to=to,
        template="invoice",
        context=context,
        user_id=invoice.user_id,
        attachments=[attachment],
        **sender,
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
                **sender,
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
