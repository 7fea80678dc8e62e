"""Posting rules of the invoicing documents: issued invoices, credit notes, payments, refunds.

Pure: plain facts in (:class:`SalesDocument`, :class:`Receipt`), a
:class:`~minimin.ledger.entries.Posting` out. The scheme is docs/ledger.md:

- an invoice debits its customer's debtor account with its total; on the accruals basis it
  credits turnover and output VAT line by line, on the cash basis "unpaid sales";
- a credit note is the opposite of an invoice for its own figures;
- a payment moves money from the debtor to undeposited money (agency clearing when an agency
  remittance settles the invoice) and, on the cash basis only, from unpaid sales into turnover
  and output VAT by the invoice's VAT fraction;
- a refund is the opposite of a payment, at the VAT fraction of the credit note it pays back.

Currency. A document in another currency with a rate (units per £1) is posted in sterling:
its net is converted once from the document's net, half up (as the VAT rules state an
invoice's sterling net), its VAT is the sterling VAT the document states, and its total is
their sum. A payment or refund is that sterling total pro rata (so paying an invoice in full
clears its debtor exactly), its VAT share the sterling VAT pro rata. A document without a rate
is posted in its own currency.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, Line, Posting, split_vat_share

GBP = "GBP"
#: The VAT code of a sale by a business that was not VAT-registered when it invoiced.
NOT_REGISTERED = "not_registered"

#: What a sale's income is analysed by: (vat_code, job_id).
SaleKey = tuple[str | None, uuid.UUID | None]


@dataclass(frozen=True)
class SaleLine:
    """One line of an invoice or credit note: its net and VAT in the document's currency."""

    net: int
    vat: int
    vat_code: str | None = None
    job_id: uuid.UUID | None = None

    @property
    def key(self) -> SaleKey:
        return (self.vat_code, self.job_id)


@dataclass(frozen=True)
class SalesDocument:
    """An issued invoice or a credit note, as the journal needs it."""

    number: str
    date: dt.date
    client_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    lines: tuple[SaleLine, ...]
    net: int
    vat: int
    currency: str = GBP
    #: Units of ``currency`` per £1 (``None`` for sterling, or when no rate is recorded).
    exchange_rate: Decimal | None = None
    #: The VAT in sterling the document states (``None``: not stated).
    vat_gbp: int | None = None
    customer_name: str = ""

    @property
    def total(self) -> int:
        return self.net + self.vat


@dataclass(frozen=True)
class Receipt:
    """Money received for an invoice (a payment) or paid back (a refund), in the invoice's
    currency."""

    date: dt.date
    amount: int
    #: Paid by an agency remittance settling the invoice: the money reaches the bank through
    #: agency clearing (net of the commission the remittance deducts), not as undeposited money.
    via_agency: bool = False
    reference: str = ""


@dataclass(frozen=True)
class Figures:
    """A document's net, VAT and total in the currency it is posted in."""

    currency: str
    net: int
    vat: int

    @property
    def total(self) -> int:
        return self.net + self.vat


# --------------------------------------------------------------------------- arithmetic


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def converts(doc: SalesDocument) -> bool:
    """Whether *doc* is posted in sterling converted from another currency."""
    return doc.currency != GBP and doc.exchange_rate is not None and doc.exchange_rate > 0


def posted_figures(doc: SalesDocument) -> Figures:
    """*doc*'s net, VAT and total as posted (see the module docstring for the currency)."""
    if not converts(doc):
        return Figures(doc.currency, doc.net, doc.vat)
    assert doc.exchange_rate is not None
    net = _half_up(Decimal(doc.net) / doc.exchange_rate)
    vat = doc.vat_gbp if doc.vat_gbp is not None else _half_up(Decimal(doc.vat) / doc.exchange_rate)
    return Figures(GBP, net, vat)


def pro_rata(amount: int, part: int, whole: int) -> int:
    """``amount × part ÷ whole`` half up: a receipt's share of a document's figure, rounded as
    :func:`~minimin.ledger.entries.split_vat_share` rounds a VAT share."""
    return split_vat_share(amount, part, whole)[1]


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split *amount* in proportion to *weights* by the largest remainder: the parts sum to
    *amount* exactly, and ties go to the earlier weight. All to the first part when the
    weights sum to zero (nothing to be proportional to)."""
    if not weights:
        return []
    whole = sum(weights)
    if whole == 0:
        return [amount] + [0] * (len(weights) - 1)
    if amount < 0:  # the same split as the positive amount, so a refund mirrors a payment
        return [-part for part in allocate(-amount, weights)]
    exact = [Fraction(amount * w, whole) for w in weights]
    parts = [math.floor(e) for e in exact]
    left = amount - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def _by_key(lines: Iterable[SaleLine]) -> dict[SaleKey, tuple[int, int]]:
    """(net, VAT) of the lines by (vat_code, job), in the order first seen."""
    grouped: dict[SaleKey, tuple[int, int]] = {}
    for line in lines:
        net, vat = grouped.get(line.key, (0, 0))
        grouped[line.key] = (net + line.net, vat + line.vat)
    return grouped


def _spread(amount: int, figure: int, doc: SalesDocument) -> dict[SaleKey, int]:
    """*amount* spread over *doc*'s (vat_code, job) keys in proportion to their net
    (``figure=0``) or VAT (``figure=1``); all to no key when the document has no lines."""
    grouped = _by_key(doc.lines)
    if not grouped:
        return {(None, None): amount}
    keys = list(grouped)
    parts = allocate(amount, [grouped[k][figure] for k in keys])
    return dict(zip(keys, parts, strict=True))


# --------------------------------------------------------------------------- lines


def _line(
    doc: SalesDocument,
    account: str,
    amount: int,
    basis: str = BOTH,
    key: SaleKey = (None, None),
    memo: str = "",
) -> Line:
    return Line(
        account=account,
        amount=amount,
        basis=basis,
        client_id=doc.client_id,
        agency_id=doc.agency_id,
        job_id=key[1],
        vat_code=key[0],
        memo=memo,
    )


def _debtor(doc: SalesDocument) -> str:
    return accounts.debtor(client_id=doc.client_id, agency_id=doc.agency_id)


def _income_lines(doc: SalesDocument, net: int, vat: int, basis: str, sign: int) -> list[Line]:
    """Turnover and output VAT of *net* and *vat* spread over *doc*'s keys; *sign* -1 for a
    credit (the usual side of income), +1 for a debit (income taken back)."""
    out = [
        _line(doc, accounts.TURNOVER_DIRECT, sign * part, basis, key)
        for key, part in _spread(net, 0, doc).items()
    ]
    out += [
        _line(doc, accounts.OUTPUT_VAT, sign * part, basis, key)
        for key, part in _spread(vat, 1, doc).items()
    ]
    return out


def _sale_lines(doc: SalesDocument, sign: int) -> tuple[Figures, list[Line]]:
    """The lines of an invoice (*sign* 1) or a credit note (*sign* -1)."""
    figures = posted_figures(doc)
    lines = [
        _line(doc, _debtor(doc), sign * figures.total),
        *_income_lines(doc, figures.net, figures.vat, ACCRUALS, -sign),
        _line(doc, accounts.UNPAID_SALES, -sign * figures.total, CASH),
    ]
    return figures, lines


# --------------------------------------------------------------------------- postings


def invoice_posting(invoice: SalesDocument) -> Posting:
    """An issued invoice: Dr debtor = total; accruals: Cr turnover and output VAT per line;
    cash: Cr unpaid sales = total."""
    figures, lines = _sale_lines(invoice, 1)
    return Posting(
        date=invoice.date,
        description=_described("Invoice", invoice),
        lines=tuple(lines),
        currency=figures.currency,
    )


def credit_note_posting(note: SalesDocument, invoice_number: str = "") -> Posting:
    """A credit note: the opposite of an invoice, for the note's own figures and lines."""
    figures, lines = _sale_lines(note, -1)
    description = _described("Credit note", note)
    if invoice_number:
        description += f" (invoice {invoice_number})"
    return Posting(
        date=note.date, description=description, lines=tuple(lines), currency=figures.currency
    )


def receipt_share(amount: int, doc: SalesDocument) -> Figures:
    """A receipt of *amount* (in *doc*'s currency) as posted: its net and VAT shares of *doc*.
    The VAT share is ``amount × VAT ÷ total`` half up, with *doc*'s sterling VAT when it is
    converted; the sterling amount is then its total pro rata."""
    figures = posted_figures(doc)
    if figures.currency == doc.currency:
        net, vat = split_vat_share(amount, doc.vat, doc.total)
        return Figures(figures.currency, net, vat)
    assert doc.exchange_rate is not None  # converted: see posted_figures
    if doc.total:
        posted = pro_rata(amount, figures.total, doc.total)
    else:  # nothing to be proportional to: the rate alone
        posted = _half_up(Decimal(amount) / doc.exchange_rate)
    vat = pro_rata(amount, figures.vat, doc.total)
    return Figures(figures.currency, posted - vat, vat)


def payment_posting(payment: Receipt, invoice: SalesDocument) -> Posting:
    """A payment of *invoice*: Dr undeposited (agency clearing for an agency remittance),
    Cr debtor; cash: Dr unpaid sales, Cr turnover and output VAT by the invoice's VAT
    fraction, spread over the invoice's VAT codes and jobs by their net and VAT."""
    share = receipt_share(payment.amount, invoice)
    received = accounts.AGENCY_CLEARING if payment.via_agency else accounts.UNDEPOSITED
    lines = [
        _line(invoice, received, share.total, memo=payment.reference),
        _line(invoice, _debtor(invoice), -share.total),
        _line(invoice, accounts.UNPAID_SALES, share.total, CASH),
        *_income_lines(invoice, share.net, share.vat, CASH, -1),
    ]
    return Posting(
        date=payment.date,
        description=f"Payment of invoice {invoice.number}".strip(),
        lines=tuple(lines),
        currency=share.currency,
    )


def refund_posting(refund: Receipt, refunded: SalesDocument, invoice_number: str) -> Posting:
    """Money paid back for *refunded* (the credit note it refunds, else the invoice): Dr
    debtor, Cr undeposited; cash: Dr turnover and output VAT by the credit note's VAT
    fraction, Cr unpaid sales."""
    share = receipt_share(refund.amount, refunded)
    lines = [
        _line(refunded, _debtor(refunded), share.total),
        _line(refunded, accounts.UNDEPOSITED, -share.total, memo=refund.reference),
        *_income_lines(refunded, share.net, share.vat, CASH, 1),
        _line(refunded, accounts.UNPAID_SALES, -share.total, CASH),
    ]
    description = f"Refund on invoice {invoice_number}".strip()
    if refunded.number and refunded.number != invoice_number:
        description += f" (credit note {refunded.number})"
    return Posting(
        date=refund.date,
        description=description,
        lines=tuple(lines),
        currency=share.currency,
    )


def _described(kind: str, doc: SalesDocument) -> str:
    words = f"{kind} {doc.number}".strip()
    return f"{words} to {doc.customer_name}" if doc.customer_name else words
