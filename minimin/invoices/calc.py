"""Stored invoice lines (integer pence) in and out of the pure VAT rules of :mod:`vat`.

All arithmetic and rounding is :func:`minimin.invoices.vat.invoice_totals`; this module only
converts between database integers and :class:`~minimin.core.money.Money`, so the screen, the
PDF and the VAT return use one computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from minimin.core.money import Money
from minimin.invoices import vat
from minimin.invoices.vat import VATTreatment

#: Lines of a business that is not VAT-registered: no VAT, whatever treatment was chosen.
NOT_REGISTERED = "not_registered"
REVERSE_CHARGE = VATTreatment.REVERSE_CHARGE.value
REVERSE_ABROAD = VATTreatment.REVERSE_CHARGE_ABROAD.value
STANDARD = VATTreatment.STANDARD.value
OUTSIDE_SCOPE = VATTreatment.OUTSIDE_SCOPE.value

TREATMENT_LABELS = {
    VATTreatment.STANDARD.value: _l("Standard rate (%(rate)s%%)", rate=20),
    VATTreatment.REDUCED.value: _l("Reduced rate (%(rate)s%%)", rate=5),
    VATTreatment.ZERO.value: _l("Zero rate (%(rate)s%%)", rate=0),
    VATTreatment.EXEMPT.value: _l("Exempt"),
    VATTreatment.OUTSIDE_SCOPE.value: _l("Outside the scope of VAT"),
    VATTreatment.REVERSE_CHARGE.value: _l("Reverse charge (UK customer accounts for the VAT)"),
    VATTreatment.REVERSE_CHARGE_ABROAD.value: _l(
        "Reverse charge: services to a business customer abroad"
    ),
}


def treatment_choices() -> list[tuple[str, Any]]:
    return list(TREATMENT_LABELS.items())


def treatment_label(treatment: str, rate: Decimal) -> str:
    """How a line's VAT is printed on a document (English: the document language)."""
    if treatment == VATTreatment.EXEMPT.value:
        return "Exempt"
    if treatment == VATTreatment.OUTSIDE_SCOPE.value:
        return "Outside scope"
    if treatment in (VATTreatment.REVERSE_CHARGE.value, VATTreatment.REVERSE_CHARGE_ABROAD.value):
        return "Reverse charge"
    if treatment == NOT_REGISTERED:
        return "No VAT"
    return f"{Decimal(rate).normalize():f}%"


@dataclass(frozen=True)
class LineAmounts:
    quantity: Decimal
    unit_price_pence: int
    treatment: str


@dataclass(frozen=True)
class ComputedLine:
    net_pence: int
    vat_pence: int
    rate_percent: Decimal


@dataclass(frozen=True)
class Totals:
    lines: list[ComputedLine]
    net_pence: int
    vat_pence: int
    total_pence: int
    vat_gbp_pence: int | None


def invoice_totals(
    lines: list[LineAmounts],
    *,
    tax_point: date,
    currency: str = "GBP",
    units_per_gbp: Decimal | None = None,
) -> Totals:
    """Totals of *lines* at *tax_point*; VAT in sterling when a rate is known (or GBP)."""
    entries = [
        vat.InvoiceLine(
            description="",
            quantity=Decimal(item.quantity),
            unit_price=Money.from_pence(int(item.unit_price_pence), currency),
            treatment=VATTreatment(
                OUTSIDE_SCOPE if item.treatment == NOT_REGISTERED else item.treatment
            ),
        )
        for item in lines
    ]
    rate = Decimal(units_per_gbp) if units_per_gbp is not None else None
    foreign_without_rate = currency != vat.GBP and rate is None
    result = vat.invoice_totals(
        entries,
        tax_point,
        currency=currency,
        units_per_gbp=Decimal(1) if foreign_without_rate else rate,
    )
    return Totals(
        lines=[
            ComputedLine(net_pence=t.net.pence, vat_pence=t.vat.pence, rate_percent=t.rate)
            for t in result.lines
        ],
        net_pence=result.net.pence,
        vat_pence=result.vat.pence,
        total_pence=result.gross.pence,
        vat_gbp_pence=None if foreign_without_rate else result.vat_gbp.pence,
    )
