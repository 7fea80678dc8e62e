"""Quotes: making one from a job (its lines as they stand, snapshotted), emailing it with its
PDF and accept link, withdrawing it, and the client accepting it (the job is confirmed).
Services add and flush; the request commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import gettext as _

from minimin.core.crypto import hash_token, new_token
from minimin.core.dates import uk_today
from minimin.core.db import utcnow
from minimin.core.user_error import CONFLICT, UserError
from minimin.extensions import db
from minimin.jobs.models import CONFIRMED, ENQUIRY, OPTION_FIRST, OPTION_SECOND, Job
from minimin.quotes.models import ACCEPTED, SENT, WITHDRAWN, Quote

#: A job can be quoted while it is not yet booked.
QUOTABLE = (ENQUIRY, OPTION_FIRST, OPTION_SECOND)
DEFAULT_DAYS = 30
MAX_DAYS = 365


class QuoteError(UserError):
    """A quote cannot be made, sent or accepted; the message says why."""


@dataclass(frozen=True)
class QuoteInput:
    """What the send-a-quote form collects: the address (one on record for the job's client or
    agency), how many days the quote stands, and a message."""

    to: str
    days: int = DEFAULT_DAYS
    message: str | None = None


@dataclass(frozen=True)
class NewQuote:
    quote: Quote
    #: The accept link's token: shown once (in the email and the PDF), stored only hashed.
    token: str


def _lines(job: Job) -> list[dict[str, Any]]:
    from minimin.jobs import services as job_services

    return [
        {
            "description": item.description,
            "quantity": str(item.quantity),
            "unit_pence": item.unit_amount_pence,
            "amount_pence": item.amount_pence,
        }
        for item in job_services.invoice_lines(job)
    ]


def addresses_of(job: Job) -> list[Any]:
    """The job's client and agency that have an email address: where a quote may go."""
    return [contact for contact in contacts_of(job) if contact.email]


def create_quote(job: Job, data: QuoteInput, *, today: dt.date | None = None) -> NewQuote:
    """A quote for *job* valid for ``data.days`` days, with a fresh accept token (not sent:
    :func:`send_quote` makes it and emails it)."""
    if job.status not in QUOTABLE:
        raise QuoteError(
            _("Only an enquiry or an option can be quoted: this job is booked."), code=CONFLICT
        )
    if not 1 <= data.days <= MAX_DAYS:
        raise QuoteError(_("Give the quote between 1 and %(max)d days.", max=MAX_DAYS), "days")
    if data.to not in {contact.email for contact in addresses_of(job)}:
        # Minimin emails only addresses on record, never one typed in on the spot.
        raise QuoteError(
            _("Send the quote to the email address of the job's client or agency."), "to"
        )
    lines = _lines(job)
    if not lines:
        raise QuoteError(_("Add the job's fee lines before quoting it."), code=CONFLICT)
    token = new_token()
    quote = Quote(
        user_id=job.user_id,
        job_id=job.id,
        token_hash=hash_token(token),
        status=SENT,
        sent_to=data.to,
        message=data.message or None,
        expires_on=(today or uk_today()) + dt.timedelta(days=data.days),
        currency=job.currency,
        total_pence=sum(line["amount_pence"] for line in lines),
        lines_snapshot=lines,
    )
    db.session.add(quote)
    db.session.flush()
    return NewQuote(quote, token)


def contacts_of(job: Job) -> list[Any]:
    """The job's client and agency (those it has), loaded by id."""
    from minimin.contacts.models import Agency, Client

    found = [
        db.session.get(Client, job.client_id) if job.client_id else None,
        db.session.get(Agency, job.agency_id) if job.agency_id else None,
    ]
    return [c for c in found if c is not None]


def quote_for_token(token: str) -> Quote | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(sa.select(Quote).where(Quote.token_hash == hash_token(token)))


def quotes_of(job: Job) -> list[Quote]:
    return list(db.session.scalars(job_quotes(job).order_by(Quote.created_at.desc())))


def send_quote(job: Job, data: QuoteInput) -> NewQuote:
    """Make a quote for *job* and email it with its PDF and accept link, replies going to the
    job's owner (the email leaves once the request commits)."""
    from minimin.accounts.models import User

    new = create_quote(job, data)
    owner = db.session.get(User, job.user_id)
    send(new, reply_to=owner.email if owner is not None else None)
    return new


def job_quotes(job: Job) -> sa.Select[tuple[Quote]]:
    """The quotes of *job*, in no order (the pages and the API order them)."""
    return sa.select(Quote).where(Quote.user_id == job.user_id, Quote.job_id == job.id)


def withdraw(quote: Quote) -> None:
    if quote.status != SENT:
        raise QuoteError(
            _("Only a quote still waiting for an answer can be withdrawn."), code=CONFLICT
        )
    quote.status = WITHDRAWN
    db.session.flush()


def accept(quote: Quote, today: dt.date | None = None) -> None:
    """The client accepts: the quote is accepted and its job confirmed."""
    from minimin.jobs import services as job_services

    if quote.status == ACCEPTED:
        return  # a second click, or the back button: nothing more to do
    if not quote.can_be_accepted(today or uk_today()):
        raise QuoteError(_("This quote can no longer be accepted. Please ask for a new one."))
    job = db.session.get(Job, quote.job_id)
    if job is None or job.status not in QUOTABLE:
        raise QuoteError(_("This booking has changed since the quote. Please ask for a new one."))
    try:
        job_services.change_status(job, job_services.StatusInput(status=CONFIRMED))
    except job_services.JobError as exc:
        raise QuoteError(str(exc)) from exc
    quote.status = ACCEPTED
    quote.accepted_at = utcnow()
    db.session.flush()


# ----------------------------------------------------------------------------- the document


def document(quote: Quote, token: str | None) -> dict[str, Any]:
    """What the quote PDF and the client's page show (the supplier from the profile now)."""
    from minimin.business.models import BusinessProfile
    from minimin.invoices import documents

    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == quote.user_id)
    )
    supplier = documents.supplier_snapshot(profile) if profile else {"name": ""}
    job = db.session.get(Job, quote.job_id)
    contacts = contacts_of(job) if job is not None else []
    customer = contacts[0] if contacts else None
    return {
        "quote": quote,
        "job": job,
        "supplier": supplier,
        "customer_name": customer.name if customer is not None else "",
        "vat_registered": bool(supplier.get("vat_registered")),
        "accept_link": url_for("quote_public.view", token=token, _external=True) if token else None,
    }


def pdf_bytes(quote: Quote, token: str | None) -> bytes:
    from minimin.invoices import pdf

    html = render_template("quotes/pdf.html", money=pdf.money, **document(quote, token))
    return pdf.render_pdf(html)


def send(new: NewQuote, *, reply_to: str | None) -> None:
    """Email the quote with its PDF and accept link (after the request commits)."""
    from minimin.core.mail import Attachment, queue_email

    doc = document(new.quote, new.token)
    attachment = Attachment(
        filename="quote.pdf",
        content_type="application/pdf",
        content=pdf_bytes(new.quote, new.token),
    )
    queue_email(
        to=new.quote.sent_to,
        template="quote",
        context=doc,
        user_id=new.quote.user_id,
        attachments=[attachment],
        reply_to=reply_to,
        sender_name=doc["supplier"].get("name"),
    )
