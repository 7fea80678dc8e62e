"""VAT returns: the nine boxes of a period for standard accounting, cash accounting and the
Flat Rate Scheme, each box's transactions, the VAT registration threshold test, filing
(freezing) a return and the JSON body of HMRC's MTD VAT return API.

Bases (docs/mtd.md):
- **Standard accounting**: sales by tax point (invoices), credit notes by their date, agency
  (self-billed/remitted) income by the remittance date; purchases by the expense date. An
  invoice credited in full (void) still counts by its tax point: its credit notes reverse it
  by their dates, so a filed period does not change when a later credit voids the invoice.
- **Cash accounting**: sales by the date the money arrived (invoice payments, each carrying
  its invoice's share of VAT, rounded half-up per invoice; agency income on ``received_on``),
  less refunds by the date the money went back (each carrying the VAT fraction of the credit
  note it refunds, half-up per credit note); purchases by the expense date (the day it was
  paid). A credit note itself changes nothing under cash accounting until it is refunded (or
  reduces a payment still to come).
- **Flat Rate Scheme**: box 1 = flat rate x VAT-inclusive turnover (tax point basis); box 4 is
  0 (capital goods over £2,000 are not claimed here); box 6 includes VAT; box 7 is the business
  share of purchases including VAT. The limited cost trader test runs on every period and
  16.5 % applies to a period that fails it.

Boxes 6-9 are whole pounds (HMRC accepts them rounded down). Boxes 2, 8 and 9 concern goods
moved between Northern Ireland and the EU, which Minimin does not record: they are 0.
Amounts in another currency are converted at the invoice's own rate; expenses and agency
income in another currency are left out and listed as a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.business.models import (
    CASH_ACCOUNTING,
    FLAT_RATE,
    FLAT_RATE_LCT,
    FLAT_RATE_SCHEMES,
    STANDARD,
    BusinessProfile,
)
from minimin.core.dates import (
    Period,
    add_days,
    add_months,
    end_of_month,
    vat_quarter_containing,
    vat_return_due,
)
from minimin.core.db import utcnow
from minimin.core.money import Money
from minimin.core.user_error import UserError
from minimin.expenses.models import Expense
from minimin.extensions import db
from minimin.invoices import vat as vat_rules
from minimin.invoices.models import CreditNote, Invoice, InvoiceLine, Payment, Refund
from minimin.remittances.models import AgencyIncome, Remittance
from minimin.reports.ledger.turnover import counts_as_issued
from minimin.reports.tax_models import BOXES, VATReturn

GBP = "GBP"
#: Categories that are not purchases for box 7 (wages are not a supply to the business).
NOT_PURCHASES = ("staff", "depreciation", "bad_debts")
#: Categories counted as "relevant goods" for the limited cost trader test.
GOODS_CATEGORIES = ("goods",)
#: Line treatments that count toward taxable turnover (registration threshold).
TAXABLE_TREATMENTS = tuple(t.value for t in vat_rules.VATTreatment if t.is_taxable_supply)
#: Rows shown per box on the drill-down page.
DRILL_LIMIT = 1000

BOX_LABELS = {
    1: _l("VAT due on sales and other outputs"),
    2: _l("VAT due on acquisitions of goods from the EU (Northern Ireland)"),
    3: _l("Total VAT due (box 1 + box 2)"),
    4: _l("VAT reclaimed on purchases and other inputs"),
    5: _l("Net VAT to pay to HMRC or reclaim (box 3 − box 4)"),
    6: _l("Total value of sales and other outputs, excluding VAT"),
    7: _l("Total value of purchases and other inputs, excluding VAT"),
    8: _l("Total value of goods supplied to the EU (Northern Ireland), excluding VAT"),
    9: _l("Total value of acquisitions of goods from the EU (Northern Ireland), excluding VAT"),
}
FRS_BOX_LABELS = {
    6: _l("Total value of sales and other outputs, including VAT (Flat Rate Scheme)"),
    7: _l("Total value of purchases and other inputs, including VAT"),
}


class VATPeriodError(UserError):
    """A period that cannot have a VAT return."""


class AlreadyFiled(VATPeriodError):
    pass


# --------------------------------------------------------------------------- periods


def _stagger(profile: BusinessProfile) -> str:
    return profile.vat_stagger or "1"


def period_containing(profile: BusinessProfile, day: dt.date) -> Period:
    """The profile's VAT period (quarter by stagger, or month) that includes *day*."""
    stagger = _stagger(profile)
    if stagger == "monthly":
        start = day.replace(day=1)
        end = end_of_month(day)
        return Period(start, end, vat_return_due(end), day.month)
    return vat_quarter_containing(day, int(stagger))


def periods(profile: BusinessProfile, today: dt.date, *, limit: int = 16) -> list[Period]:
    """The user's VAT periods from registration up to the one including *today*, newest
    first (at most *limit*)."""
    first_day = profile.vat_registration_date or add_months(today, -24)
    result: list[Period] = []
    period = period_containing(profile, today)
    while len(result) < limit and period.end >= first_day:
        result.append(period)
        period = period_containing(profile, add_days(period.start, -1))
    return result


def check_period(profile: BusinessProfile | None, start: dt.date, end: dt.date) -> None:
    """Refuse periods that cannot have a return, with the reason."""
    if profile is None or not profile.vat_registered:
        raise VATPeriodError(
            _l("You are not VAT-registered. Add your VAT registration in business settings.")
        )
    if end < start:
        raise VATPeriodError(_l("The period ends before it starts."))
    if (end - start).days > 366:
        raise VATPeriodError(_l("A VAT period cannot be longer than a year."))
    reg = profile.vat_registration_date
    if reg is not None and start < reg:
        raise VATPeriodError(
            _l(
                "The period starts before your VAT registration date (%(date)s).",
                date=reg.strftime("%d %B %Y"),
            )
        )
    if profile.vat_scheme == FLAT_RATE and profile.flat_rate_percent is None:
        raise VATPeriodError(
            _l("Enter your Flat Rate Scheme percentage in business settings first.")
        )


# --------------------------------------------------------------------------- figures


@dataclass
class LimitedCostTest:
    goods_pence: int
    turnover_pence: int
    period_months: int
    limited_cost_trader: bool

    @property
    def two_percent_pence(self) -> int:
        return _half_up(Decimal(self.turnover_pence) * 2 / 100)

    @property
    def floor_pence(self) -> int:
        return _half_up(Decimal(100_000) * self.period_months / 12)


@dataclass
class VATFigures:
    start: dt.date
    end: dt.date
    scheme: str
    boxes: dict[int, int]
    flat_rate: Decimal | None = None
    lct: LimitedCostTest | None = None
    #: Currencies left out (expenses or agency income not in sterling), for a warning.
    skipped_currencies: list[str] = field(default_factory=list)

    @property
    def is_flat_rate(self) -> bool:
        return self.scheme in FLAT_RATE_SCHEMES

    def label(self, box: int) -> Any:
        if self.is_flat_rate and box in FRS_BOX_LABELS:
            return FRS_BOX_LABELS[box]
        return BOX_LABELS[box]


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _whole_pounds(pence: int) -> int:
    """Round toward zero to whole pounds (HMRC: boxes 6 to 9 are whole pounds)."""
    return int(Decimal(pence) / 100) * 100


def _to_gbp(pence: int, currency: str, rate: Decimal | None) -> int:
    if currency == GBP or not rate:
        return int(pence)
    return _half_up(Decimal(int(pence)) / Decimal(rate))


def _gbp_vat(doc: Any) -> int:
    return int(doc.vat_gbp_pence if doc.vat_gbp_pence is not None else doc.vat_pence)


def _issued(start: dt.date, end: dt.date, user_id: uuid.UUID) -> list[Any]:
    return [
        Invoice.user_id == user_id,
        counts_as_issued(),
        Invoice.tax_point >= start,
        Invoice.tax_point <= end,
    ]


def _invoice_sales(user_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(net, VAT) in sterling pence of invoices with a tax point in the period, less credit
    notes dated in it."""
    net = vat = 0
    rows = db.session.execute(
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            sa.func.sum(Invoice.net_pence),
            sa.func.sum(sa.func.coalesce(Invoice.vat_gbp_pence, Invoice.vat_pence)),
        )
        .where(*_issued(start, end, user_id))
        .group_by(Invoice.currency, Invoice.exchange_rate)
    ).all()
    for currency, rate, n, v in rows:
        net += _to_gbp(int(n or 0), currency, rate)
        vat += int(v or 0)
    rows = db.session.execute(
        sa.select(
            CreditNote.currency,
            Invoice.exchange_rate,
            sa.func.sum(CreditNote.net_pence),
            sa.func.sum(sa.func.coalesce(CreditNote.vat_gbp_pence, CreditNote.vat_pence)),
        )
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(
            CreditNote.user_id == user_id,
            CreditNote.issue_date >= start,
            CreditNote.issue_date <= end,
        )
        .group_by(CreditNote.currency, Invoice.exchange_rate)
    ).all()
    for currency, rate, n, v in rows:
        net -= _to_gbp(int(n or 0), currency, rate)
        vat -= int(v or 0)
    return net, vat


def _cash_invoice_sales(user_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(net, VAT) in sterling of invoice payments received in the period: each invoice's
    payments carry its share of VAT (paid / total x VAT), rounded half-up per invoice."""
    net = vat = 0
    rows = db.session.execute(
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            Invoice.total_pence,
            sa.func.coalesce(Invoice.vat_gbp_pence, Invoice.vat_pence),
            sa.func.sum(Payment.amount_pence),
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.user_id == user_id, Payment.paid_on >= start, Payment.paid_on <= end)
        .group_by(
            Invoice.id,
            Invoice.currency,
            Invoice.exchange_rate,
            Invoice.total_pence,
            Invoice.vat_gbp_pence,
            Invoice.vat_pence,
        )
    ).all()
    for currency, rate, total, invoice_vat, paid in rows:
        paid_gbp = _to_gbp(int(paid or 0), currency, rate)
        share = (
            _half_up(Decimal(int(invoice_vat or 0)) * int(paid or 0) / int(total)) if total else 0
        )
        vat += share
        net += paid_gbp - share
    refunded_net, refunded_vat = _cash_refunds(user_id, start, end)
    return net - refunded_net, vat - refunded_vat


def _refunded_document() -> tuple[Any, Any]:
    """SQL (total, sterling VAT) of what a refund pays back: the credit note it refunds, or
    its invoice when it names none."""
    total = sa.func.coalesce(CreditNote.total_pence, Invoice.total_pence)
    vat = sa.func.coalesce(
        CreditNote.vat_gbp_pence,
        CreditNote.vat_pence,
        Invoice.vat_gbp_pence,
        Invoice.vat_pence,
    )
    return total, vat


def _refund_vat(amount: int, total: int, document_vat: int) -> int:
    return _half_up(Decimal(int(document_vat or 0)) * int(amount) / int(total)) if total else 0


def _cash_refunds(user_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(net, VAT) in sterling of refunds paid back in the period: each credit note's refunds
    carry its share of VAT (refunded / total x VAT), rounded half-up per credit note."""
    total, document_vat = _refunded_document()
    rows = db.session.execute(
        sa.select(
            Invoice.currency,
            Invoice.exchange_rate,
            total,
            document_vat,
            sa.func.sum(Refund.amount_pence),
        )
        .join(Invoice, Invoice.id == Refund.invoice_id)
        .outerjoin(CreditNote, CreditNote.id == Refund.credit_note_id)
        .where(Refund.user_id == user_id, Refund.refunded_on >= start, Refund.refunded_on <= end)
        .group_by(
            Invoice.id,
            CreditNote.id,
            Invoice.currency,
            Invoice.exchange_rate,
            total,
            document_vat,
        )
    ).all()
    net = vat = 0
    for currency, rate, document_total, refunded_vat, refunded in rows:
        share = _refund_vat(int(refunded or 0), int(document_total or 0), refunded_vat)
        vat += share
        net += _to_gbp(int(refunded or 0), currency, rate) - share
    return net, vat


def _agency_sales(
    user_id: uuid.UUID, start: dt.date, end: dt.date, *, cash: bool
) -> tuple[int, int, list[str]]:
    """(income ex VAT, output VAT, other currencies) of posted agency income: by remittance
    date (the self-billed invoice's date) or, for cash accounting, by the day it arrived."""
    date_col = AgencyIncome.received_on if cash else Remittance.date
    rows = db.session.execute(
        sa.select(
            AgencyIncome.currency,
            sa.func.sum(AgencyIncome.income_pence),
            sa.func.sum(AgencyIncome.output_vat_pence),
        )
        .join(Remittance, Remittance.id == AgencyIncome.remittance_id)
        .where(AgencyIncome.user_id == user_id, date_col >= start, date_col <= end)
        .group_by(AgencyIncome.currency)
    ).all()
    income = vat = 0
    skipped = []
    for currency, i, v in rows:
        if currency != GBP:
            skipped.append(currency)
            continue
        income, vat = int(i or 0), int(v or 0)
    return income, vat, skipped


def _purchases(user_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[int, int, int, list[str]]:
    """(reclaimable VAT, business share of purchases, relevant goods incl. VAT, currencies
    skipped) of expenses dated in the period."""
    rows = db.session.execute(
        sa.select(
            Expense.currency,
            sa.func.sum(Expense.reclaimable_vat_pence),
            sa.func.sum(
                sa.case((Expense.category.in_(NOT_PURCHASES), 0), else_=Expense.business_pence)
            ),
            sa.func.sum(
                sa.case(
                    (
                        Expense.category.in_(GOODS_CATEGORIES),
                        Expense.business_pence + Expense.reclaimable_vat_pence,
                    ),
                    else_=0,
                )
            ),
        )
        .where(Expense.user_id == user_id, Expense.date >= start, Expense.date <= end)
        .group_by(Expense.currency)
    ).all()
    reclaim = purchases = goods = 0
    skipped = []
    for currency, r, p, g in rows:
        if currency != GBP:
            skipped.append(currency)
            continue
        reclaim, purchases, goods = int(r or 0), int(p or 0), int(g or 0)
    return reclaim, purchases, goods, skipped


def _months(start: dt.date, end: dt.date) -> int:
    return max(1, min(12, (end.year - start.year) * 12 + end.month - start.month + 1))


def _first_year(profile: BusinessProfile, start: dt.date) -> bool:
    if not profile.flat_rate_first_year:
        return False
    reg = profile.vat_registration_date
    return reg is None or start < add_months(reg, 12)


def compute(profile: BusinessProfile, start: dt.date, end: dt.date) -> VATFigures:
    """The nine boxes for *start*..*end* under the profile's scheme (checked first)."""
    check_period(profile, start, end)
    user_id = profile.user_id
    scheme = profile.vat_scheme or STANDARD
    cash = scheme == CASH_ACCOUNTING
    if cash:
        net, vat = _cash_invoice_sales(user_id, start, end)
    else:
        net, vat = _invoice_sales(user_id, start, end)
    agency_net, agency_vat, skipped = _agency_sales(user_id, start, end, cash=cash)
    reclaim, purchases, goods, skipped_p = _purchases(user_id, start, end)
    skipped = sorted(set(skipped) | set(skipped_p))
    sales_net = net + agency_net
    output_vat = vat + agency_vat
    boxes = dict.fromkeys(BOXES, 0)
    figures = VATFigures(start, end, scheme, boxes, skipped_currencies=skipped)
    if scheme in FLAT_RATE_SCHEMES:
        inclusive = sales_net + output_vat
        lct = LimitedCostTest(goods, inclusive, _months(start, end), False)
        lct.limited_cost_trader = vat_rules.is_limited_cost_trader(
            Money.from_pence(goods),
            Money.from_pence(max(inclusive, 0)),
            period_months=lct.period_months,
        )
        use_lct = scheme == FLAT_RATE_LCT or lct.limited_cost_trader
        sector = profile.flat_rate_percent
        if sector is None:
            sector = vat_rules.rates_on(end).frs_limited_cost_rate
        rate = vat_rules.effective_flat_rate(
            Decimal(sector),
            end,
            limited_cost_trader=use_lct,
            first_year=_first_year(profile, start),
        )
        figures.flat_rate = rate
        figures.lct = lct
        boxes[1] = _half_up(Decimal(inclusive) * rate / 100)
        boxes[4] = 0
        boxes[6] = _whole_pounds(inclusive)
        boxes[7] = _whole_pounds(purchases + reclaim)
    else:
        boxes[1] = output_vat
        boxes[4] = reclaim
        boxes[6] = _whole_pounds(sales_net)
        boxes[7] = _whole_pounds(purchases)
    boxes[3] = boxes[1] + boxes[2]
    boxes[5] = boxes[3] - boxes[4]
    return figures


# --------------------------------------------------------------------------- drill-down


@dataclass
class BoxRow:
    kind: str  # invoice, credit_note, payment, agency, expense
    day: dt.date
    reference: str
    description: str
    net_pence: int
    vat_pence: int
    object_id: uuid.UUID | None = None


def box_rows(figures: VATFigures, user_id: uuid.UUID, box: int) -> Iterator[BoxRow]:
    """The transactions behind *box* (sales for 1 and 6, purchases for 4 and 7)."""
    start, end = figures.start, figures.end
    if box in (1, 6):
        yield from _sales_rows(figures, user_id, start, end)
    elif box in (4, 7):
        query = (
            sa.select(Expense)
            .where(Expense.user_id == user_id, Expense.date >= start, Expense.date <= end)
            .order_by(Expense.date, Expense.id)
            .limit(DRILL_LIMIT)
        )
        if box == 7 and not figures.is_flat_rate:
            query = query.where(Expense.category.not_in(NOT_PURCHASES))
        for e in db.session.scalars(query):
            net = e.business_pence + (e.reclaimable_vat_pence if figures.is_flat_rate else 0)
            vat = 0 if figures.is_flat_rate else e.reclaimable_vat_pence
            yield BoxRow("expense", e.date, e.supplier, e.description, net, vat, e.id)


def _refund_rows(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Iterator[BoxRow]:
    """Cash accounting: refunds paid back in the period, negative, each with its share of the
    VAT of the credit note it refunds."""
    rows = db.session.execute(
        sa.select(Refund, Invoice, CreditNote)
        .join(Invoice, Invoice.id == Refund.invoice_id)
        .outerjoin(CreditNote, CreditNote.id == Refund.credit_note_id)
        .where(Refund.user_id == user_id, Refund.refunded_on >= start, Refund.refunded_on <= end)
        .order_by(Refund.refunded_on, Refund.id)
        .limit(DRILL_LIMIT)
    ).all()
    for refund, invoice, note in rows:
        document = note if note is not None else invoice
        share = _refund_vat(refund.amount_pence, document.total_pence, _gbp_vat(document))
        amount = _to_gbp(refund.amount_pence, invoice.currency, invoice.exchange_rate)
        yield BoxRow(
            "refund",
            refund.refunded_on,
            note.number if note is not None else invoice.display_number,
            invoice.customer_name,
            -(amount - share),
            -share,
            invoice.id,
        )


def _sales_rows(
    figures: VATFigures, user_id: uuid.UUID, start: dt.date, end: dt.date
) -> Iterator[BoxRow]:
    if figures.scheme == CASH_ACCOUNTING:
        rows = db.session.execute(
            sa.select(Payment, Invoice)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(Payment.user_id == user_id, Payment.paid_on >= start, Payment.paid_on <= end)
            .order_by(Payment.paid_on, Payment.id)
            .limit(DRILL_LIMIT)
        ).all()
        for payment, invoice in rows:
            invoice_vat = _gbp_vat(invoice)
            share = (
                _half_up(Decimal(invoice_vat) * payment.amount_pence / invoice.total_pence)
                if invoice.total_pence
                else 0
            )
            paid = _to_gbp(payment.amount_pence, invoice.currency, invoice.exchange_rate)
            yield BoxRow(
                "payment",
                payment.paid_on,
                invoice.display_number,
                invoice.customer_name,
                paid - share,
                share,
                invoice.id,
            )
        yield from _refund_rows(user_id, start, end)
    else:
        for invoice in db.session.scalars(
            sa.select(Invoice)
            .where(*_issued(start, end, user_id))
            .order_by(Invoice.tax_point, Invoice.sequence)
            .limit(DRILL_LIMIT)
        ):
            vat = invoice.vat_gbp_pence if invoice.vat_gbp_pence is not None else invoice.vat_pence
            net = _to_gbp(invoice.net_pence, invoice.currency, invoice.exchange_rate)
            assert invoice.tax_point is not None
            yield BoxRow(
                "invoice",
                invoice.tax_point,
                invoice.display_number,
                invoice.customer_name,
                net,
                vat,
                invoice.id,
            )
        for note, invoice in db.session.execute(
            sa.select(CreditNote, Invoice)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(
                CreditNote.user_id == user_id,
                CreditNote.issue_date >= start,
                CreditNote.issue_date <= end,
            )
            .order_by(CreditNote.issue_date, CreditNote.sequence)
            .limit(DRILL_LIMIT)
        ).all():
            vat = note.vat_gbp_pence if note.vat_gbp_pence is not None else note.vat_pence
            net = _to_gbp(note.net_pence, note.currency, invoice.exchange_rate)
            yield BoxRow(
                "credit_note",
                note.issue_date,
                note.number,
                invoice.customer_name,
                -net,
                -vat,
                invoice.id,
            )
    date_col = AgencyIncome.received_on if figures.scheme == CASH_ACCOUNTING else Remittance.date
    for income, remittance in db.session.execute(
        sa.select(AgencyIncome, Remittance)
        .join(Remittance, Remittance.id == AgencyIncome.remittance_id)
        .where(
            AgencyIncome.user_id == user_id,
            AgencyIncome.currency == GBP,
            date_col >= start,
            date_col <= end,
        )
        .order_by(date_col, AgencyIncome.id)
        .limit(DRILL_LIMIT)
    ).all():
        day = income.received_on if figures.scheme == CASH_ACCOUNTING else remittance.date
        name = remittance.agency.name if remittance.agency is not None else ""
        yield BoxRow(
            "agency",
            day,
            remittance.reference or "",
            name,
            income.income_pence,
            income.output_vat_pence,
            remittance.id,
        )


# --------------------------------------------------------------------------- filing


def filed_return(user_id: uuid.UUID, start: dt.date, end: dt.date) -> VATReturn | None:
    return db.session.scalar(
        sa.select(VATReturn).where(
            VATReturn.user_id == user_id,
            VATReturn.period_start == start,
            VATReturn.period_end == end,
        )
    )


def overlapping_filed(user_id: uuid.UUID, start: dt.date, end: dt.date) -> VATReturn | None:
    """A filed return whose period overlaps *start*..*end*."""
    return db.session.scalar(
        sa.select(VATReturn)
        .where(
            VATReturn.user_id == user_id,
            VATReturn.period_start <= end,
            VATReturn.period_end >= start,
        )
        .limit(1)
    )


def mark_filed(
    profile: BusinessProfile, start: dt.date, end: dt.date, *, period_key: str | None = None
) -> VATReturn:
    """Freeze the period's figures as filed. A period (or an overlapping one) cannot be filed
    twice."""
    figures = compute(profile, start, end)
    existing = overlapping_filed(profile.user_id, start, end)
    if existing is not None:
        raise AlreadyFiled(
            _l(
                "A return for %(start)s to %(end)s is already marked as filed; it cannot be "
                "filed again. Correct any errors in your next return.",
                start=existing.period_start.strftime("%d %B %Y"),
                end=existing.period_end.strftime("%d %B %Y"),
            )
        )
    record = VATReturn(
        user_id=profile.user_id,
        period_start=start,
        period_end=end,
        period_key=period_key or None,
        scheme=figures.scheme,
        flat_rate_percent=str(figures.flat_rate) if figures.flat_rate is not None else None,
        filed_at=utcnow(),
        **{f"box{n}_pence": v for n, v in figures.boxes.items()},
    )
    db.session.add(record)
    db.session.flush()
    return record


def stored_figures(record: VATReturn) -> VATFigures:
    return VATFigures(
        record.period_start,
        record.period_end,
        record.scheme,
        record.boxes(),
        flat_rate=Decimal(record.flat_rate_percent) if record.flat_rate_percent else None,
    )


# --------------------------------------------------------------------------- HMRC body


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def hmrc_body(boxes: dict[int, int], period_key: str | None) -> dict[str, Any]:
    """The body of HMRC's "Submit VAT return for period" (MTD VAT API). Amounts are exact
    Decimals: serialise with :func:`hmrc_json`. ``netVatDue`` is the absolute value of box 5
    (HMRC's definition); boxes 6 to 9 are whole pounds."""
    return {
        "periodKey": period_key,
        "vatDueSales": _pounds(boxes[1]),
        "vatDueAcquisitions": _pounds(boxes[2]),
        "totalVatDue": _pounds(boxes[3]),
        "vatReclaimedCurrPeriod": _pounds(boxes[4]),
        "netVatDue": _pounds(abs(boxes[5])),
        "totalValueSalesExVAT": int(Decimal(boxes[6]) / 100),
        "totalValuePurchasesExVAT": int(Decimal(boxes[7]) / 100),
        "totalValueGoodsSuppliedExVAT": int(Decimal(boxes[8]) / 100),
        "totalAcquisitionsExVAT": int(Decimal(boxes[9]) / 100),
        "finalised": True,
    }


def hmrc_json(body: dict[str, Any]) -> str:
    """*body* as JSON with amounts as exact decimal numbers (``123.40``), as HMRC expects."""
    parts = []
    for key, value in body.items():
        text = format(value, "f") if isinstance(value, Decimal) else json.dumps(value)
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"


# --------------------------------------------------------------------------- threshold


@dataclass
class ThresholdPosition:
    start: dt.date
    end: dt.date
    turnover_pence: int
    threshold_pence: int

    @property
    def percent(self) -> int:
        if self.threshold_pence <= 0:
            return 0
        return int(Decimal(self.turnover_pence) * 100 / self.threshold_pence)

    @property
    def level(self) -> str:
        """``over`` (past the threshold), ``near`` (90 %+), ``approaching`` (80 %+), ``ok``."""
        if self.turnover_pence > self.threshold_pence:
            return "over"
        if self.percent >= 90:
            return "near"
        if self.percent >= 80:
            return "approaching"
        return "ok"

    @property
    def headroom_pence(self) -> int:
        return max(self.threshold_pence - self.turnover_pence, 0)


def taxable_turnover_pence(user_id: uuid.UUID, start: dt.date, end: dt.date) -> int:
    """Taxable turnover (excluding VAT, in sterling) from *start* to *end*: invoice lines
    with a taxable treatment by tax point, less credit notes, plus agency **gross** fees
    (before commission) by remittance date. Exempt and outside-the-scope lines are left out."""
    total = 0
    rows = db.session.execute(
        sa.select(Invoice.currency, Invoice.exchange_rate, sa.func.sum(InvoiceLine.net_pence))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(*_issued(start, end, user_id), InvoiceLine.vat_treatment.in_(TAXABLE_TREATMENTS))
        .group_by(Invoice.currency, Invoice.exchange_rate)
    ).all()
    for currency, rate, n in rows:
        total += _to_gbp(int(n or 0), currency, rate)
    rows = db.session.execute(
        sa.select(CreditNote.currency, Invoice.exchange_rate, sa.func.sum(CreditNote.net_pence))
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(
            CreditNote.user_id == user_id,
            CreditNote.issue_date >= start,
            CreditNote.issue_date <= end,
        )
        .group_by(CreditNote.currency, Invoice.exchange_rate)
    ).all()
    for currency, rate, n in rows:
        total -= _to_gbp(int(n or 0), currency, rate)
    agency = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(AgencyIncome.gross_fee_pence), 0))
        .join(Remittance, Remittance.id == AgencyIncome.remittance_id)
        .where(
            AgencyIncome.user_id == user_id,
            AgencyIncome.currency == GBP,
            Remittance.date >= start,
            Remittance.date <= end,
        )
    )
    return total + int(agency or 0)


def registration_threshold(today: dt.date) -> int:
    """The VAT registration threshold in force on *today*, in pence."""
    return vat_rules.rates_on(today).registration_threshold.pence


def threshold_position(user_id: uuid.UUID, today: dt.date) -> ThresholdPosition:
    """Rolling 12 months to *today* against the registration threshold in force today."""
    start = add_days(add_months(today, -12), 1)
    threshold = registration_threshold(today)
    return ThresholdPosition(start, today, taxable_turnover_pence(user_id, start, today), threshold)
