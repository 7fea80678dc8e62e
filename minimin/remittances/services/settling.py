"""Remittance lines that settle the user's own invoices.

When the user invoiced an agency job, the invoice is the income document and the agency's
remittance for the job is its payment: posting the remittance records a payment on the invoice
(method "agency remittance", dated the day the money arrived) of what the agency paid for the
job before its commission, at most what the invoice still owes, so the invoice shows paid and
no reminder chases the agency. When the user matched the remittance's deposit to the invoice
first, that match's payment is the remittance's money: the remittance adopts it and pays only
the rest (:func:`_adopt_deposit_payments`). What is settled is worked out by the pure
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

from minimin.banking.models import BankTransaction
from minimin.extensions import db
from minimin.invoices.models import METHOD_AGENCY_REMITTANCE, Invoice, Payment
from minimin.jobs.models import Job
from minimin.remittances import matching
from minimin.remittances.models import AgencyIncome, Remittance, RemittanceLine
from minimin.remittances.services.errors import RemittanceError


def _invoice_in(invoice: Invoice, adopted_pence: int = 0) -> matching.InvoiceIn:
    """The invoice's figures for a settlement; *adopted_pence* of what it was paid is the
    remittance's own money (:func:`_adopt_deposit_payments`), so still the remittance's to pay."""
    billed: dict[uuid.UUID, int] = defaultdict(int)
    for line in invoice.lines:
        if line.job_id is not None:
            billed[line.job_id] += line.net_pence + line.vat_pence
    return matching.InvoiceIn(
        id=invoice.id,
        number=invoice.display_number,
        currency=invoice.currency,
        open=invoice.is_open or adopted_pence > 0,
        outstanding_pence=invoice.outstanding_pence + adopted_pence,
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
    adopted: dict[uuid.UUID, int] | None = None,
) -> list[matching.Settlement]:
    """What posting would settle, with the jobs *job_ids* (line position -> job); *adopted*
    (by invoice id) is what the invoices were paid with the remittance's own deposit (by
    default what posting would adopt: :func:`adoptable`)."""
    if adopted is None:
        adopted = adoptable(remittance, {invoice.id for invoice in invoices.values()})
    return matching.settlements(
        [line_in(line, job_ids.get(line.position)) for line in remittance.lines],
        {
            job_id: _invoice_in(invoice, adopted.get(invoice.id, 0))
            for job_id, invoice in invoices.items()
        },
        remittance.currency,
    )


def _adopt_deposit_payments(
    remittance: Remittance,
    deposit: BankTransaction | None,
    invoices: Iterable[Invoice],
    reference: str,
) -> dict[uuid.UUID, int]:
    """Take as the remittance's own the payments its deposit was matched to on the invoices
    it settles (the user matched the agency's deposit to the invoice before posting): the
    deposit is the remittance's money, so its payment becomes the remittance's (method agency
    remittance, posting to agency clearing, which the deposit's match, now the remittance's,
    clears) and is not paid again. Returns what was adopted, by invoice id."""
    from minimin.banking.services.matching import adopt_for_remittance

    if deposit is None:
        return {}
    adopted: dict[uuid.UUID, int] = defaultdict(int)
    settled = {invoice.id for invoice in invoices}
    for payment in adopt_for_remittance(deposit, remittance.id, settled):
        payment.method = METHOD_AGENCY_REMITTANCE
        payment.remittance_id = remittance.id
        payment.reference = reference
        adopted[payment.invoice_id] += payment.amount_pence
    return dict(adopted)


def deposit_matched_to_invoice(
    remittance: Remittance, invoice_ids: set[uuid.UUID]
) -> BankTransaction | None:
    """The remittance's deposit when the user matched it to one of *invoice_ids* (the
    invoices the remittance settles) instead of naming it on the remittance: a deposit of
    exactly the remittance's net matched to a payment on one of those invoices, that no other
    remittance names as its deposit."""
    from minimin.banking.services.matching import deposits_matched_to_invoices

    for deposit in deposits_matched_to_invoices(
        remittance.user_id, invoice_ids, remittance.total_net_pence, remittance.currency
    ):
        named = db.session.scalar(
            sa.select(Remittance.id).where(
                Remittance.bank_transaction_id == deposit.id, Remittance.id != remittance.id
            )
        )
        if named is None:
            return deposit
    return None


def adoptable(remittance: Remittance, invoice_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    """What posting would adopt (:func:`_adopt_deposit_payments`), by invoice id, changing
    nothing: the payments its deposit's matches recorded on *invoice_ids*."""
    from minimin.banking.services.matching import payments_matched

    deposit = (
        db.session.get(BankTransaction, remittance.bank_transaction_id)
        if remittance.bank_transaction_id
        else deposit_matched_to_invoice(remittance, invoice_ids)
    )
    adopted: dict[uuid.UUID, int] = defaultdict(int)
    if deposit is not None and deposit.user_id == remittance.user_id:
        for _match, payment in payments_matched(deposit, invoice_ids):
            adopted[payment.invoice_id] += payment.amount_pence
    return dict(adopted)


def record_payments(
    remittance: Remittance,
    jobs: Iterable[Job],
    received_on: dt.date,
    deposit: BankTransaction | None = None,
) -> dict[uuid.UUID, tuple[Invoice, Payment | None]]:
    """Settle the invoices billing the remittance's jobs: record a payment on each for what
    its line pays (through the invoices service, which marks the invoice and its jobs paid
    when nothing is left), less what the payments adopted from a match of its *deposit* to
    the invoice already pay. Returns, by line id, the invoice each line settles and the
    payment recorded for it (``None`` when the invoice owed nothing more, or the adopted
    payments cover the line)."""
    from minimin.invoices.services import InvoiceError, PaymentInput, record_payment

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
    adopted = _adopt_deposit_payments(remittance, deposit, invoices.values(), reference[:120])
    adopted_left = dict(adopted)
    result: dict[uuid.UUID, tuple[Invoice, Payment | None]] = {}
    job_ids = {p: ln.job_id for p, ln in by_position.items()}
    for settled in planned(remittance, job_ids, invoices, adopted):
        line = by_position[settled.line_index]
        assert line.job_id is not None  # only lines with an invoiced job settle
        invoice = invoices[line.job_id]
        covered = min(settled.paid_pence, adopted_left.get(invoice.id, 0))
        adopted_left[invoice.id] = adopted_left.get(invoice.id, 0) - covered
        payment = None
        if settled.paid_pence > covered:
            try:
                payment = record_payment(
                    invoice,
                    PaymentInput(
                        amount_pence=settled.paid_pence - covered,
                        paid_on=received_on,
                        method=METHOD_AGENCY_REMITTANCE,
                        reference=reference[:120],
                    ),
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
            sa.select(AgencyIncome)
            .join(RemittanceLine, RemittanceLine.id == AgencyIncome.remittance_line_id)
            .where(
                AgencyIncome.remittance_id == remittance.id,
                AgencyIncome.invoice_id.is_not(None),
            )
            .order_by(RemittanceLine.position)
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
    payments = list(
        db.session.scalars(sa.select(Payment).where(Payment.remittance_id == remittance.id))
    )
    amounts = {payment.id: payment.amount_pence for payment in payments}
    # Payments adopted from a match of the deposit (named by no income row) pay the lines of
    # their invoice first, in line order, as posting applied them.
    named = {income.payment_id for income in incomes}
    adopted_left: dict[uuid.UUID, int] = defaultdict(int)
    for payment in payments:
        if payment.id not in named:
            adopted_left[payment.invoice_id] += payment.amount_pence
    lines = {line.id: line for line in remittance.lines}
    found = []
    for income in incomes:
        line = lines.get(income.remittance_line_id)
        invoice = invoices.get(income.invoice_id) if income.invoice_id else None
        if line is None or invoice is None:
            continue
        billed = _invoice_in(invoice).billed_pence
        received = line_in(line, line.job_id).received_pence
        own = amounts.get(income.payment_id, 0) if income.payment_id else 0
        from_deposit = min(adopted_left[invoice.id], max(received - own, 0))
        adopted_left[invoice.id] -= from_deposit
        found.append(
            matching.Settlement(
                line_index=line.position,
                invoice_id=invoice.id,
                invoice_number=invoice.display_number,
                received_pence=received,
                billed_pence=billed.get(line.job_id, 0) if line.job_id else 0,
                paid_pence=own + from_deposit,
            )
        )
    return sorted(found, key=lambda s: s.line_index)
