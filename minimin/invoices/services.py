"""Invoice services: drafts, numbering, issue, payments and the status that follows from the
balances. Credit notes are in :mod:`minimin.invoices.credit_notes`, refunds in
:mod:`minimin.invoices.refunds`.

Services add and flush; the request (or task) transaction commits. Every function that changes
an invoice takes the already owner-checked object.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from minimin.core.db import utcnow
from minimin.core.storage import save_in_transaction, storage
from minimin.core.user_error import CONFLICT, UserError
from minimin.extensions import db
from minimin.invoices import calc as vat_rules
from minimin.invoices import documents
from minimin.invoices.inputs import DraftInput, LineInput, PaymentInput
from minimin.invoices.models import (
    DRAFT,
    ISSUED,
    MAX_PENCE,
    METHOD_AGENCY_REMITTANCE,
    METHOD_STRIPE,
    OPEN_STATUSES,
    PAID,
    PART_PAID,
    SENT,
    VOID,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
)
from minimin.invoices.pdf import render_document, sha256


class InvoiceError(UserError):
    """A refused invoice operation."""


#: Payments recorded as they arrive, not entered by the user: a closed period cannot refuse
#: money that came in; their postings go on the first open day (docs/ledger.md).
ARRIVED_METHODS = (METHOD_STRIPE, METHOD_AGENCY_REMITTANCE)


def ensure_open(user_id: uuid.UUID, day: date, field: str | None = None) -> None:
    """Refuse a change dated *day* in a closed period (up to the latest filed VAT return)."""
    from minimin.ledger.posting import LedgerError
    from minimin.ledger.posting import ensure_open as ledger_ensure_open

    try:
        ledger_ensure_open(db.session(), user_id, day)
    except LedgerError as exc:
        raise InvoiceError(exc.message, field, code=exc.code) from exc


def today_london() -> date:
    from minimin.core.templating import LONDON

    return utcnow().astimezone(LONDON).date()


# --------------------------------------------------------------------------- profile access


def business_profile(user_id: uuid.UUID, *, for_update: bool = False) -> Any:
    from minimin.business.models import BusinessProfile

    query = sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id)
    if for_update:
        query = query.with_for_update(of=BusinessProfile).execution_options(populate_existing=True)
    return db.session.scalar(query)


def default_terms_days(user_id: uuid.UUID, contact: Any | None) -> int:
    if contact is not None and contact.payment_terms_days is not None:
        return int(contact.payment_terms_days)
    profile = business_profile(user_id)
    days = getattr(profile, "payment_terms_days", None) if profile else None
    return int(days) if days is not None else 30


# --------------------------------------------------------------------------- numbering


def _format_number(prefix: str | None, padding: int | None, value: int) -> str:
    width = max(0, min(int(padding or 0), 12))
    return f"{prefix or ''}{value:0{width}d}"


def allocate_number(user_id: uuid.UUID, kind: str = "invoice") -> tuple[int, str]:
    """Take the next number of the user's invoice or credit-note sequence.

    The profile row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the UPDATE
    takes the database write lock) and the counter is advanced inside the caller's transaction:
    concurrent issues queue behind each other, and a rolled-back issue gives its number back,
    so the sequence has neither gaps nor duplicates.
    """
    profile = business_profile(user_id, for_update=True)
    if profile is None:
        raise InvoiceError(_("Fill in your business details before issuing invoices."))
    if kind == "invoice":
        value = int(profile.next_invoice_number or 1)
        profile.next_invoice_number = value + 1
        number = _format_number(profile.invoice_prefix, profile.invoice_padding, value)
    else:
        value = int(profile.next_credit_note_number or 1)
        profile.next_credit_note_number = value + 1
        prefix = getattr(profile, "credit_note_prefix", None) or "CN-"
        number = _format_number(prefix, profile.invoice_padding, value)
    db.session.flush()
    return value, number


# --------------------------------------------------------------------------- drafts


def _bill_to_name(client: Any | None, agency: Any | None) -> str:
    contact = client or agency
    return str(contact.name) if contact is not None else ""


def _own_contact(model: Any, contact_id: uuid.UUID | None, user_id: uuid.UUID, field: str) -> Any:
    """The user's client or agency *contact_id* (None for none); refused when it is not
    theirs (each door has already answered 404 for an id not the caller's)."""
    if contact_id is None:
        return None
    contact = db.session.get(model, contact_id)
    if contact is None or contact.user_id != user_id:
        raise InvoiceError(_("Choose one of your own clients or agencies."), field)
    return contact


def _bill_to(user_id: uuid.UUID, data: DraftInput) -> tuple[Any | None, Any | None]:
    from minimin.contacts.models import Agency, Client

    if data.client_id is not None and data.agency_id is not None:
        raise InvoiceError(_("Bill either a client or an agency, not both."), "client_id")
    return (
        _own_contact(Client, data.client_id, user_id, "client_id"),
        _own_contact(Agency, data.agency_id, user_id, "agency_id"),
    )


def create_draft(user_id: uuid.UUID, data: DraftInput) -> Invoice:
    """A new draft for *user_id* (a refusal leaves it to the request's rollback)."""
    _bill_to(user_id, data)
    invoice = Invoice(user_id=user_id, status=DRAFT)
    db.session.add(invoice)
    return update_draft(invoice, data)


def _check_own_jobs(user_id: uuid.UUID, lines: Sequence[LineInput]) -> None:
    """Refuse lines that name a job the user does not have.

    The job id travels in a hidden field of the form; a changed one would otherwise link the
    line to another user's job and, once issued, mark that job invoiced.
    """
    wanted = {item.job_id for item in lines if item.job_id is not None}
    if not wanted:
        return
    from minimin.jobs.models import Job

    found = set(
        db.session.scalars(sa.select(Job.id).where(Job.user_id == user_id, Job.id.in_(wanted)))
    )
    if wanted - found:
        raise InvoiceError(
            _(
                "A line refers to a job that is not one of yours. Remove the line, or add it "
                "again from the job."
            )
        )


def update_draft(invoice: Invoice, data: DraftInput) -> Invoice:
    """Replace the draft's details and lines with *data*."""
    if not invoice.is_draft:
        raise InvoiceError(
            _("An issued invoice cannot be changed; issue a credit note instead."), code=CONFLICT
        )
    client, agency = _bill_to(invoice.user_id, data)
    if data.issue_date and data.due_date and data.due_date < data.issue_date:
        raise InvoiceError(_("The due date cannot be before the issue date."), "due_date")
    currency = data.currency
    if currency != "GBP" and data.exchange_rate is None:
        raise InvoiceError(
            _(
                "Enter the exchange rate to pounds sterling for an invoice in %(currency)s.",
                currency=currency,
            ),
            "exchange_rate",
        )
    lines = data.lines
    _check_own_jobs(invoice.user_id, lines)
    invoice.client_id = client.id if client is not None else None
    invoice.agency_id = agency.id if agency is not None else None
    invoice.customer_name = _bill_to_name(client, agency)
    invoice.currency = currency
    invoice.exchange_rate = data.exchange_rate if currency != "GBP" else None
    invoice.issue_date = data.issue_date
    invoice.tax_point = data.tax_point
    invoice.due_date = data.due_date
    invoice.notes = data.notes or None
    invoice.lines.clear()
    db.session.flush()
    for position, item in enumerate(lines):
        invoice.lines.append(
            InvoiceLine(
                user_id=invoice.user_id,
                position=position,
                description=item.description,
                quantity=item.quantity,
                unit_price_pence=item.unit_price_pence,
                vat_treatment=item.vat_treatment,
                job_id=item.job_id,
            )
        )
    recalculate(invoice)
    db.session.flush()
    return invoice


def vat_registered(user_id: uuid.UUID) -> bool:
    profile = business_profile(user_id)
    return bool(profile is not None and getattr(profile, "vat_registered", False))


def charges_vat(invoice: Invoice) -> bool:
    """Whether *invoice* charges VAT: as issued (its supplier snapshot) or, for a draft, as the
    business is registered now. Pages show VAT rates and amounts only when it does."""
    if invoice.supplier_snapshot is not None:
        return bool(invoice.supplier_snapshot.get("vat_registered"))
    return vat_registered(invoice.user_id)


def highest_issued_numbers(user_id: uuid.UUID) -> tuple[int, int]:
    """The highest invoice and credit-note sequence numbers *user_id* has issued (0: none)."""
    invoices = sa.select(sa.func.coalesce(sa.func.max(Invoice.sequence), 0)).where(
        Invoice.user_id == user_id
    )
    notes = sa.select(sa.func.coalesce(sa.func.max(CreditNote.sequence), 0)).where(
        CreditNote.user_id == user_id
    )
    row = db.session.execute(sa.select(invoices.scalar_subquery(), notes.scalar_subquery())).one()
    return int(row[0]), int(row[1])


def _calc_date(invoice: Invoice) -> date:
    return invoice.tax_point or invoice.issue_date or today_london()


def recalculate(invoice: Invoice, *, registered: bool | None = None) -> None:
    """Line and invoice totals through the pure VAT rules (rounding per :mod:`vat`)."""
    if registered is None:
        registered = vat_registered(invoice.user_id)
    result = vat_rules.invoice_totals(
        [
            vat_rules.LineAmounts(
                quantity=line.quantity,
                unit_price_pence=line.unit_price_pence,
                treatment=line.vat_treatment if registered else vat_rules.NOT_REGISTERED,
            )
            for line in invoice.lines
        ],
        tax_point=_calc_date(invoice),
        currency=invoice.currency,
        units_per_gbp=invoice.exchange_rate,
    )
    for line, computed in zip(invoice.lines, result.lines, strict=True):
        line.net_pence = computed.net_pence
        line.vat_pence = computed.vat_pence
        line.vat_rate = computed.rate_percent
    if result.total_pence > MAX_PENCE:
        raise InvoiceError(_("The invoice total is too large."))
    invoice.net_pence = result.net_pence
    invoice.vat_pence = result.vat_pence
    invoice.total_pence = result.total_pence
    invoice.vat_gbp_pence = result.vat_gbp_pence


def duplicate(invoice: Invoice) -> Invoice:
    """A new draft with the same customer, currency, notes and lines (dates left for the user)."""
    copy = Invoice(
        user_id=invoice.user_id,
        status=DRAFT,
        client_id=invoice.client_id,
        agency_id=invoice.agency_id,
        customer_name=invoice.customer_name,
        currency=invoice.currency,
        exchange_rate=invoice.exchange_rate,
        notes=invoice.notes,
    )
    for line in invoice.lines:
        copy.lines.append(
            InvoiceLine(
                user_id=invoice.user_id,
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit_price_pence=line.unit_price_pence,
                vat_treatment=line.vat_treatment,
            )
        )
    db.session.add(copy)
    recalculate(copy)
    db.session.flush()
    return copy


# --------------------------------------------------------------------------- the client link


def _link_token(invoice: Invoice) -> str:
    """The client page token: derived from the server's key, so it can be put in every email
    and the PDF while the database holds only its hash."""
    key = current_app.config["MINIMIN_SETTINGS"].hmac_key.encode()
    message = f"invoice-link:{invoice.id}:{invoice.public_token_salt}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    import base64

    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    from minimin.core.crypto import hash_token

    return hash_token(token)


def ensure_public_token(invoice: Invoice) -> str:
    if not invoice.public_token_salt:
        invoice.public_token_salt = secrets.token_hex(16)
    token = _link_token(invoice)
    invoice.public_token_hash = token_hash(token)
    return token


def public_token(invoice: Invoice) -> str | None:
    if not invoice.public_token_salt:
        return None
    return _link_token(invoice)


def _public_link(token: str) -> str:
    """The client page's full address. Built from the URL map, not ``url_for``, which needs a
    request: the periodic jobs (reminders, recurring invoices) run without one and email it."""
    path = current_app.url_map.bind("").build("invoices.public_view", {"token": token})
    base: str = current_app.config["BASE_URL"]
    return base + path


def public_url(invoice: Invoice) -> str | None:
    token = public_token(invoice)
    return _public_link(token) if token is not None else None


def invoice_for_token(token: str) -> Invoice | None:
    if not token or len(token) > 100:
        return None
    invoice: Invoice | None = db.session.scalar(
        sa.select(Invoice).where(Invoice.public_token_hash == token_hash(token))
    )
    if invoice is None or invoice.status == DRAFT:
        return None
    return invoice


# --------------------------------------------------------------------------- issue


def issue(invoice: Invoice, *, today: date | None = None) -> Invoice:
    """Number, freeze and render the invoice. Refuses anything an HMRC invoice cannot lack."""
    if not invoice.is_draft:
        raise InvoiceError(_("This invoice has already been issued."), code=CONFLICT)
    if invoice.client_id is None and invoice.agency_id is None:
        raise InvoiceError(_("Choose who the invoice is for before issuing it."))
    if not invoice.lines:
        raise InvoiceError(_("Add at least one line before issuing the invoice."))
    if invoice.total_pence <= 0:
        raise InvoiceError(_("The invoice total must be more than zero."))
    today = today or today_london()
    issue_date = invoice.issue_date or today
    tax_point = invoice.tax_point or issue_date
    customer = _customer(invoice)
    if invoice.due_date is None:
        invoice.due_date = issue_date + timedelta(
            days=default_terms_days(invoice.user_id, customer)
        )
    if invoice.due_date < issue_date:
        raise InvoiceError(_("The due date cannot be before the issue date."))
    ensure_open(invoice.user_id, tax_point, "tax_point" if invoice.tax_point else "issue_date")

    sequence, number = allocate_number(invoice.user_id, "invoice")
    profile = business_profile(invoice.user_id)
    invoice.sequence = sequence
    invoice.number = number
    invoice.issue_date = issue_date
    invoice.tax_point = tax_point
    recalculate(invoice, registered=bool(getattr(profile, "vat_registered", False)))
    invoice.supplier_snapshot = documents.supplier_snapshot(profile)
    invoice.customer_snapshot = documents.customer_snapshot(customer, invoice)
    invoice.status = ISSUED
    invoice.issued_at = utcnow()
    token = ensure_public_token(invoice)
    db.session.flush()

    link = None
    if stripe_enabled(invoice.user_id):
        link = _public_link(token)
    document = documents.invoice_document(invoice, payment_link=link)
    pdf = render_document(document)
    invoice.pdf_key = save_in_transaction(db.session, pdf, "application/pdf")
    invoice.pdf_sha256 = sha256(pdf)
    _mark_jobs_invoiced(invoice)
    db.session.flush()
    return invoice


def stripe_enabled(user_id: uuid.UUID) -> bool:
    try:
        from minimin.payments.services import stripe_account
    except ImportError:  # pragma: no cover - payments is part of the product
        return False
    account = stripe_account(user_id)
    return account is not None and account.enabled


def _customer(invoice: Invoice) -> Any:
    from minimin.contacts.models import Agency, Client

    if invoice.client_id is not None:
        return db.session.get(Client, invoice.client_id)
    if invoice.agency_id is not None:
        return db.session.get(Agency, invoice.agency_id)
    return None


def _mark_jobs_invoiced(invoice: Invoice) -> None:
    job_ids = {line.job_id for line in invoice.lines if line.job_id is not None}
    if not job_ids:
        return
    from minimin.jobs import services as job_services

    try:
        job_services.mark_invoiced(invoice.user_id, sorted(job_ids, key=str), invoice_id=invoice.id)
    except job_services.JobError as exc:
        raise InvoiceError(str(exc)) from exc


def pdf_bytes(key: str | None) -> bytes:
    if not key:
        raise InvoiceError(_("There is no PDF for this document."))
    return storage().read(key)


# --------------------------------------------------------------------------- payments


def record_payment(
    invoice: Invoice,
    data: PaymentInput,
    *,
    stripe_payment_intent_id: str | None = None,
    stripe_checkout_session_id: str | None = None,
    stripe_event_id: str | None = None,
) -> Payment:
    """Money received against *invoice*: entered by the user, matched from a bank line, or
    arrived through Stripe (whose ids only the webhook knows) or an agency's remittance."""
    amount_pence, paid_on, method = data.amount_pence, data.paid_on, data.method
    if invoice.status not in OPEN_STATUSES:
        if invoice.status == DRAFT:
            raise InvoiceError(_("Issue the invoice before recording a payment."), code=CONFLICT)
        raise InvoiceError(_("This invoice is not awaiting payment."), code=CONFLICT)
    if amount_pence <= 0:
        raise InvoiceError(_("Enter an amount of more than zero."), "amount")
    outstanding = invoice.outstanding_pence
    if amount_pence > outstanding:
        from minimin.invoices.pdf import money

        raise InvoiceError(
            _(
                "That is more than the %(outstanding)s still owed on this invoice; "
                "record at most the outstanding amount.",
                outstanding=money(outstanding, invoice.currency),
            ),
            "amount",
        )
    if paid_on > today_london() + timedelta(days=1):
        raise InvoiceError(_("The payment date cannot be in the future."), "paid_on")
    if method not in ARRIVED_METHODS:
        ensure_open(invoice.user_id, paid_on, "paid_on")
    payment = Payment(
        user_id=invoice.user_id,
        invoice=invoice,
        paid_on=paid_on,
        amount_pence=amount_pence,
        currency=invoice.currency,
        method=method,
        reference=data.reference or None,
        stripe_payment_intent_id=stripe_payment_intent_id,
        stripe_checkout_session_id=stripe_checkout_session_id,
        stripe_event_id=stripe_event_id,
    )
    db.session.add(payment)
    invoice.paid_pence += amount_pence
    settle(invoice)
    db.session.flush()
    return payment


def delete_payment(payment: Payment) -> None:
    invoice = payment.invoice
    if invoice.status == VOID:
        raise InvoiceError(_("Payments of a voided invoice cannot be changed."), code=CONFLICT)
    if payment.remittance_id is not None:
        # A posted remittance is a record: its payment goes with it (and its commission).
        raise InvoiceError(
            _("This payment was recorded by posting an agency remittance."), code=CONFLICT
        )
    ensure_open(invoice.user_id, payment.paid_on)
    if invoice.refunded_pence and (
        invoice.held_pence - payment.amount_pence < max(invoice.billed_pence, 0)
    ):
        # Refunds are paid out of money received: without this payment they would be more
        # than was ever overpaid.
        raise InvoiceError(
            _("Money has been refunded on this invoice: remove the refund before this payment."),
            code=CONFLICT,
        )
    invoice.paid_pence -= payment.amount_pence
    invoice.payments.remove(payment)
    db.session.delete(payment)
    settle(invoice)
    db.session.flush()


def settle(invoice: Invoice) -> None:
    """Set the status from the balances (see the models' docstring for the terms).

    - Fully credited (nothing left billed): **void** once the business holds none of the
      customer's money, whether the invoice was never paid or its payments were refunded in
      full. A fully credited invoice that was paid stays **paid** (with a refund due) until the
      refund is recorded: it is then void, like an invoice cancelled before payment, because
      in both cases nothing is owed either way and the invoice no longer bills anything.
    - Otherwise **paid** once the money held covers what is billed (a partial credit above
      what was outstanding leaves a refund due on a paid invoice), **part paid** while some
      of it is held, and back to issued or sent when nothing is.
    """
    if invoice.status == DRAFT:
        return
    billed, held = invoice.billed_pence, invoice.held_pence
    if billed <= 0 and held <= 0:
        if invoice.status != VOID:
            invoice.status = VOID
            invoice.voided_at = utcnow()
        return
    invoice.voided_at = None
    if held >= billed:
        invoice.status = PAID
        invoice.paid_at = invoice.paid_at or utcnow()
        if billed > 0:
            _mark_jobs_paid(invoice)
    elif held > 0:
        invoice.status = PART_PAID
        invoice.paid_at = None
    else:
        invoice.status = SENT if invoice.sent_at else ISSUED
        invoice.paid_at = None


def _mark_jobs_paid(invoice: Invoice) -> None:
    job_ids = {line.job_id for line in invoice.lines if line.job_id is not None}
    if not job_ids:
        return
    from minimin.jobs import services as job_services

    # A job edited since it was invoiced does not stop the payment being recorded.
    with contextlib.suppress(job_services.JobError):
        job_services.mark_paid(invoice.user_id, sorted(job_ids, key=str))


def revert_jobs(invoice: Invoice) -> None:
    """An invoice that no longer bills its jobs (a deleted draft, or an invoice credited in
    full, paid or not): they can be invoiced again. Only jobs this invoice still bills are
    touched, so a job already billed again by another invoice is left alone."""
    job_ids = {line.job_id for line in invoice.lines if line.job_id is not None}
    if not job_ids:
        return
    from minimin.jobs import services as job_services
    from minimin.jobs.models import Job

    still_billed = db.session.scalars(
        sa.select(Job.id).where(
            Job.user_id == invoice.user_id,
            Job.id.in_(job_ids),
            sa.or_(Job.invoice_id == invoice.id, Job.invoice_id.is_(None)),
        )
    ).all()
    if still_billed:
        job_services.revert_invoiced(invoice.user_id, sorted(still_billed, key=str))


def mark_sent(invoice: Invoice) -> None:
    invoice.sent_at = invoice.sent_at or utcnow()
    if invoice.status == ISSUED:
        invoice.status = SENT
    db.session.flush()


def delete_draft(invoice: Invoice) -> None:
    if not invoice.is_draft:
        raise InvoiceError(
            _("Issued invoices cannot be deleted; issue a credit note instead."), code=CONFLICT
        )
    revert_jobs(invoice)
    db.session.delete(invoice)
    db.session.flush()


__all__ = [
    "PAID",
    "DraftInput",
    "InvoiceError",
    "LineInput",
    "PaymentInput",
    "allocate_number",
    "create_draft",
    "issue",
    "record_payment",
    "revert_jobs",
    "settle",
]
