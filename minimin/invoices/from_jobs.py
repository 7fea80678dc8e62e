"""Drafts made from completed jobs (their fee lines are copied with their VAT treatment) and
from cancelled jobs with a cancellation fee (one line: the fee, VAT-able).

A fee line's VAT follows the job: standard rate (at the tax point's rate; no VAT when the user
is not registered) unless the user marked the line outside the scope. Expenses re-billed on a
job are part of the supply like the fee; "outside the scope" is for a true disbursement, which
the user chooses on the job against HMRC's conditions (jobs/form.html)."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _

from minimin.invoices import calc, services
from minimin.invoices.inputs import DraftInput, FromJobsInput
from minimin.invoices.models import Invoice


def invoiceable_jobs(user_id: uuid.UUID) -> list[Any]:
    from minimin.jobs import listing

    return listing.invoiceable_jobs(user_id)


def parse_job_ids(raw: list[str]) -> list[uuid.UUID]:
    """The job ids a page sent (hidden values a changed page could spoil)."""
    parsed: list[uuid.UUID] = []
    for value in raw:
        try:
            parsed.append(uuid.UUID(str(value)))
        except ValueError as exc:
            raise services.InvoiceError(_("One of the jobs does not exist."), "job_ids") from exc
    return parsed


def create_from_jobs(user_id: uuid.UUID, data: FromJobsInput) -> Invoice:
    """One draft billing the jobs (all the user's, all for the same client or agency).

    The jobs are marked invoiced by this draft at once, so they leave the "to invoice" list and
    cannot be billed twice; deleting the draft gives them back.
    """
    from minimin.jobs import listing
    from minimin.jobs import services as job_services

    parsed = list(dict.fromkeys(data.job_ids))
    if not parsed:
        raise services.InvoiceError(_("Choose at least one job."), "job_ids")
    jobs = listing.jobs_by_ids(user_id, parsed)
    if len(jobs) != len(parsed):
        raise services.InvoiceError(_("One of the jobs does not exist."), "job_ids")
    # Agency jobs are billed to the agency (it invoices the client and pays the user net).
    payers = {(job.agency_id, None) if job.agency_id else (None, job.client_id) for job in jobs}
    if len(payers) > 1:
        raise services.InvoiceError(
            _("These jobs are for different clients or agencies: invoice them separately.")
        )
    (agency_id, client_id) = payers.pop()
    if agency_id is None and client_id is None:
        raise services.InvoiceError(_("Give the job a client or an agency before invoicing it."))
    from minimin.contacts.models import Agency, Client
    from minimin.core.tenancy import owned_by_or_404

    client = owned_by_or_404(Client, client_id, user_id) if client_id else None
    agency = owned_by_or_404(Agency, agency_id, user_id) if agency_id else None
    currencies = {job.currency for job in jobs}
    if len(currencies) > 1:
        raise services.InvoiceError(_("These jobs are in different currencies."))
    lines = []
    for job in jobs:
        for item in job_services.invoice_lines(job):
            lines.append(
                services.LineInput(
                    description=item.description,
                    quantity=item.quantity,
                    unit_price_pence=item.unit_amount_pence,
                    vat_treatment=calc.STANDARD if item.vat_applies else calc.OUTSIDE_SCOPE,
                    job_id=job.id,
                )
            )
    if not lines:
        raise services.InvoiceError(_("These jobs have no fee lines to invoice."))
    currency = currencies.pop()
    if currency != "GBP":
        raise services.InvoiceError(
            _(
                "Jobs in %(currency)s: make the invoice by hand and enter the exchange rate.",
                currency=currency,
            )
        )
    invoice = services.create_draft(
        user_id,
        DraftInput(
            client_id=client.id if client is not None else None,
            agency_id=agency.id if agency is not None else None,
            lines=lines,
        ),
    )
    try:
        job_services.mark_invoiced(user_id, parsed, invoice_id=invoice.id)
    except job_services.JobError as exc:
        raise services.InvoiceError(str(exc)) from exc
    return invoice
