"""Quotes: a job's offer emailed to its client or agency with a PDF and a link to accept it
(accepted, the job is confirmed), and withdrawn. In the jobs area: a quote is the offer of a
job. The accept link is only ever in the email, as on the pages."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pydantic import Field

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.schemas import In, ListQuery, Money, Out, Page, Text
from minimin.core.tenancy import owned_or_404
from minimin.jobs.models import Job
from minimin.quotes import services
from minimin.quotes.models import EMAIL_MAX, MESSAGE_MAX, Quote


class QuoteLineOut(Out):
    description: str
    quantity: Decimal
    unit_amount: Money
    amount: Money


class QuoteOut(Out):
    id: uuid.UUID
    job_id: uuid.UUID
    status: str = Field(description="sent, accepted or withdrawn.")
    sent_to: str
    message: str | None
    created_at: dt.datetime
    expires_on: dt.date = Field(description="The last day the client can accept it.")
    accepted_at: dt.datetime | None
    total: Money
    lines: list[QuoteLineOut] = Field(
        description="The offer as sent (a later edit of the job does not change it)."
    )


class QuoteIn(In):
    to: Text(EMAIL_MAX, min_length=1) = Field(  # type: ignore[valid-type]
        description="The email address of the job's client or agency, as on record."
    )
    days: int = Field(
        default=services.DEFAULT_DAYS,
        ge=1,
        le=services.MAX_DAYS,
        description="How many days the quote stands.",
    )
    message: Text(MESSAGE_MAX, multiline=True) | None = None  # type: ignore[valid-type]

    def to_input(self) -> services.QuoteInput:
        return services.QuoteInput(to=self.to, days=self.days, message=self.message or None)


def _quote_out(quote: Quote) -> QuoteOut:
    c = quote.currency
    return QuoteOut(
        id=quote.id,
        job_id=quote.job_id,
        status=quote.status,
        sent_to=quote.sent_to,
        message=quote.message,
        created_at=quote.created_at,
        expires_on=quote.expires_on,
        accepted_at=quote.accepted_at,
        total=Money.of(quote.total_pence, c),
        lines=[
            QuoteLineOut(
                description=line["description"],
                quantity=Decimal(line["quantity"]),
                unit_amount=Money.of(line["unit_pence"], c),
                amount=Money.of(line["amount_pence"], c),
            )
            for line in quote.lines_snapshot
        ],
    )


@operation(
    "GET",
    "/jobs/<job_id>/quotes",
    summary="The quotes sent for a job",
    tag="jobs",
    scope="jobs:read",
    query=ListQuery,
    response=Page[QuoteOut],
)
def list_job_quotes(job_id: str, query: ListQuery) -> Page[QuoteOut]:
    """Newest first."""
    job = owned_or_404(Job, job_id)
    return paging.page(services.job_quotes(job), Quote, query, _quote_out)


@operation(
    "GET",
    "/quotes/<quote_id>",
    summary="One quote, with the offer as sent and whether it was accepted",
    tag="jobs",
    scope="jobs:read",
    response=QuoteOut,
)
def get_quote(quote_id: str) -> QuoteOut:
    return _quote_out(owned_or_404(Quote, quote_id))


@operation(
    "POST",
    "/jobs/<job_id>/quotes",
    summary="Send a job's quote to its client or agency",
    tag="jobs",
    scope="jobs:write",
    body=QuoteIn,
    response=QuoteOut,
    status=201,
    covers=("quotes.send",),
    load=(Job, "job"),
    lock=True,
)
def send_quote(job: Job, body: QuoteIn) -> QuoteOut:
    """As the job's quote page: the job's fee lines as they stand, emailed as a PDF with a
    link to accept, to an address on record for the job's client or agency (any other is
    refused, 422). Only an enquiry or an option with fee lines can be quoted (409)."""
    new = services.send_quote(job, body.to_input())
    return _quote_out(new.quote)


@operation(
    "POST",
    "/quotes/<quote_id>/withdraw",
    summary="Withdraw a quote: its link no longer accepts it",
    tag="jobs",
    scope="jobs:write",
    response=QuoteOut,
    covers=("quotes.withdraw",),
    load=(Quote, "quote"),
    lock=True,
)
def withdraw_quote(quote: Quote) -> QuoteOut:
    """Only a quote still waiting for an answer (409 otherwise)."""
    services.withdraw(quote)
    return _quote_out(quote)
