"""Remittance lines that settle the user's own invoices.

When the user invoiced an agency job, the invoice is the income document and the agency's
remittance for the job is its payment: posting the remittance records a payment on the invoice
(method "agency remittance", dated the day the money arrived) of what the agency paid for the
job before its commission, at most what the invoice still owes, so the invoice shows paid and
no reminder chases the agency. What is settled is worked out by the pure
:func:`minimin.remittances.matching.settlements`; this module loads the invoices, records the
payments, and reads back what a posted remittance settled.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.extensions import db
from minimin.invoices.models import METHOD_AGENCY_REMITTANCE, Invoice, Payment
from minimin.jobs.models import Job
from minimin.remittances import matching
from minimin.remittances.models import AgencyIncome, Remittance, RemittanceLine
from minimin.remittances.services.errors import RemittanceError


def _invoice_in(invoice: Invoice) -> matching.InvoiceIn:
    billed: dict[uuid.UUID, int] = defaultdict(int)
    for line in invoice.lines:
        if line.job_id is not None:
            billed[line.job_id] += line.net_pence + line.vat_pence
    return matching.InvoiceIn(
        id=invoice.id,
        number=invoice.display_number,
        currency=invoice.currency,
        open=invoice.is_open,
        outstanding_pence=invoice.outstanding_pence,
        billed_pence=dict(billed),
    )


def load_invoices(
    user_id: uuid.UUID, jobs: Iterable[Job], *, for_update: bool = False
) -> dict[uuid.UUID, Invoice]:
    """The user's invoices billing *jobs*, by job id."""
    by_invoice: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for job in jobs:
        if job.invoice_id is not None:
            by_invoice[job.invoice_id].append(job.id)
    if not by_invoice:
        return {}
    query = sa.select(Invoice).where(Invoice.user_id == user_id, Invoice.id.in_(list(by_invoice)))
    if for_update:
        query = query.with_for_update()
    return {
        job_id: invoice
        for invoice in db.session.scalars(query)
        for job_id in by_invoice[invoice.id]
    }


def line_in(line: RemittanceLine, job_id: uuid.UUID | None) -> matching.LineIn:
    """The figures of *line* a settlement needs, for the job *job_id*."""
    return matching.LineIn(
        index=line.position,
        gross_pence=line.gross_pence,
        fee_vat_pence=line.fee_vat_pence,
        expenses_pence=line.expenses_pence,
        job_id=job_id,
    )


def planned(
    remittance: Remittance,
    job_ids: dict[int, uuid.UUID | None],
    invoices: dict[uuid.UUID, Invoice],
) -> list[matching.Settlement]:
    """What posting would settle, with the jobs *job_ids* (line position -> job)."""
    return matching.settlements(
        [line_in(line, job_ids.get(line.position)) for line in remittance.lines],
        {job_id: _invoice_in(invoice) for job_id, invoice in invoices.items()},
        remittance.currency,
    )


def record_payments(
    remittance: Remittance,
    jobs: Iterable[Job],
    received_on: dt.date,
) -> dict[uuid.UUID, tuple[Invoice, Payment | None]]:
    """Settle the invoices billing the remittance's jobs: record a payment on each for what
    its line pays (through the invoices service, which marks the invoice and its jobs paid
    when nothing is left). Returns, by line id, the invoice each line settles and the payment
    recorded for it (``None`` when the invoice owed nothing more)."""
    from minimin.invoices.services import InvoiceError, record_payment

    invoices = load_invoices(remittance.user_id, jobs, for_update=True)
    for invoice in invoices.values():
        if invoice.is_draft:
            # Issued later, the draft would count the job's income again.
            raise RemittanceError(
                _l(
                    "A job of this remittance is on a draft invoice: issue the invoice (the "
                    "remittance then pays it) or delete the draft before posting."
                )
            )
    by_position = {line.position: line for line in remittance.lines}
    reference = str(_l("Agency remittance %(ref)s", ref=remittance.reference or remittance.date))
    result: dict[uuid.UUID, tuple[Invoice, Payment | None]] = {}
    for settled in planned(remittance, {p: ln.job_id for p, ln in by_position.items()}, invoices):
        line = by_position[settled.line_index]
        assert line.job_id is not None  # only lines with an invoiced job settle
        invoice = invoices[line.job_id]
        payment = None
        if settled.paid_pence > 0:
            try:
                payment = record_payment(
                    invoice,
                    amount_pence=settled.paid_pence,
                    paid_on=received_on,
                    method=METHOD_AGENCY_REMITTANCE,
                    reference=reference[:120],
                )
            except InvoiceError as exc:
                raise RemittanceError(
                    _l("Invoice %(n)s: %(e)s", n=invoice.display_number, e=str(exc))
                ) from exc
            payment.remittance_id = remittance.id
        result[line.id] = (invoice, payment)
    db.session.flush()
    return result


def posted(remittance: Remittance) -> list[matching.Settlement]:
    """What a posted remittance settled, from its income rows and the payments they name."""
    incomes = list(
        db.session.scalars(
            sa.select(AgencyIncome).where(
                AgencyIncome.remittance_id == remittance.id,
                AgencyIncome.invoice_id.is_not(None),
            )
        )
    )
    if not incomes:
        return []
    invoices = {
        invoice.id: invoice
        for invoice in db.session.scalars(
            sa.select(Invoice).where(
                Invoice.user_id == remittance.user_id,
                Invoice.id.in_([income.invoice_id for income in incomes]),
            )
        )
    }
    payments = {
        payment.id: payment.amount_pence
        for payment in db.session.scalars(
            sa.select(Payment).where(Payment.remittance_id == remittance.id)
        )
    }
    lines = {line.id: line for line in remittance.lines}
    found = []
    for income in incomes:
        line = lines.get(income.remittance_line_id)
        invoice = invoices.get(income.invoice_id) if income.invoice_id else None
        if line is None or invoice is None:
            continue
        billed = _invoice_in(invoice).billed_pence
        received = line_in(line, line.job_id).received_pence
        found.append(
            matching.Settlement(
                line_index=line.position,
                invoice_id=invoice.id,
                invoice_number=invoice.display_number,
                received_pence=received,
                billed_pence=billed.get(line.job_id, 0) if line.job_id else 0,
                paid_pence=payments.get(income.payment_id, 0) if income.payment_id else 0,
            )
        )
    return sorted(found, key=lambda s: s.line_index)
