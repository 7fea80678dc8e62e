"""VAT arithmetic: treatments, the versioned rate table, invoice totals, Flat Rate Scheme.

Pure functions: no Flask, no SQLAlchemy. Every rate and threshold lives in the tables below,
keyed by the date from which it applies; nothing else in the code base writes a VAT rate.

Rounding (docs/decisions/0002-vat-rounding.md): each line's net amount is quantity x unit
price rounded half-up to the penny; each line's VAT is that net x the line's rate, rounded
half-up to the penny; invoice totals are the sums of the rounded line figures. A foreign
currency invoice states its net and VAT totals in sterling too, each converted once from the
invoice-currency total and rounded half-up to the penny.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from minimin.core.money import MONEY_CONTEXT, CurrencyMismatchError, Money, money_sum

GBP = "GBP"


class VATTreatment(StrEnum):
    """How VAT applies to a line."""

    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"
    EXEMPT = "exempt"
    OUTSIDE_SCOPE = "outside_scope"
    #: Domestic reverse charge: a UK customer accounts for the VAT (a UK supply).
    REVERSE_CHARGE = "reverse_charge"
    #: Services to a business customer abroad whose place of supply is outside the UK: the
    #: customer accounts for any VAT in its own country.
    REVERSE_CHARGE_ABROAD = "reverse_abroad"

    @property
    def charges_vat(self) -> bool:
        """True when VAT may be added to the line (standard or reduced)."""
        return self in (VATTreatment.STANDARD, VATTreatment.REDUCED)

    @property
    def is_reverse_charge(self) -> bool:
        """The customer accounts for the VAT (the invoice must say so)."""
        return self in (VATTreatment.REVERSE_CHARGE, VATTreatment.REVERSE_CHARGE_ABROAD)

    @property
    def is_taxable_supply(self) -> bool:
        """Counts toward taxable turnover (VAT registration threshold): standard, reduced, zero
        and domestic reverse-charge supplies (supplied in the UK) are taxable; exempt and
        outside-the-scope supplies, and services to customers abroad (place of supply outside
        the UK), are not."""
        return self in (
            VATTreatment.STANDARD,
            VATTreatment.REDUCED,
            VATTreatment.ZERO,
            VATTreatment.REVERSE_CHARGE,
        )


@dataclass(frozen=True)
class VATRates:
    """The rates (per cent) and thresholds in force from ``effective_from``."""

    effective_from: date
    standard: Decimal
    reduced: Decimal
    registration_threshold: Money
    deregistration_threshold: Money
    frs_join_limit: Money  # taxable turnover excluding VAT
    frs_leave_limit: Money  # total business income including VAT
    frs_limited_cost_rate: Decimal
    simplified_invoice_limit: Money  # including VAT


def _gbp(amount: str) -> Money:
    return Money(Decimal(amount), GBP)


#: The versioned table, oldest first. Add a row when a rate or threshold changes.
VAT_RATE_TABLE: tuple[VATRates, ...] = (
    VATRates(
        effective_from=date(2017, 4, 1),
        standard=Decimal("20"),
        reduced=Decimal("5"),
        registration_threshold=_gbp("85000"),
        deregistration_threshold=_gbp("83000"),
        frs_join_limit=_gbp("150000"),
        frs_leave_limit=_gbp("230000"),
        frs_limited_cost_rate=Decimal("16.5"),
        simplified_invoice_limit=_gbp("250"),
    ),
    VATRates(
        effective_from=date(2024, 4, 1),
        standard=Decimal("20"),
        reduced=Decimal("5"),
        registration_threshold=_gbp("90000"),
        deregistration_threshold=_gbp("88000"),
        frs_join_limit=_gbp("150000"),
        frs_leave_limit=_gbp("230000"),
        frs_limited_cost_rate=Decimal("16.5"),
        simplified_invoice_limit=_gbp("250"),
    ),
)


def rates_on(day: date) -> VATRates:
    """The table row in force on *day*; dates before the table raise ``ValueError``."""
    current = None
    for row in VAT_RATE_TABLE:
        if row.effective_from <= day:
            current = row
    if current is None:
        raise ValueError(f"no VAT rates recorded for {day.isoformat()}")
    return current


def rate_for(treatment: VATTreatment | str, day: date) -> Decimal:
    """The VAT rate (per cent) charged on a *treatment* line with tax point *day*
    (0 for zero-rated, exempt, outside the scope and reverse charge)."""
    treatment = VATTreatment(treatment)
    if treatment is VATTreatment.STANDARD:
        return rates_on(day).standard
    if treatment is VATTreatment.REDUCED:
        return rates_on(day).reduced
    return Decimal(0)


def standard_rate(day: date) -> Decimal:
    """The standard rate (per cent) on *day* (the table starts on 1 April 2017)."""
    return rates_on(day).standard


def vat_on(net: Money, rate: Decimal) -> Money:
    """VAT at *rate* per cent on *net*, rounded half-up to the penny."""
    return net.percent(rate).round_half_up()


def split_gross(gross: Money, rate: Decimal) -> tuple[Money, Money]:
    """(net, VAT) of a VAT-inclusive *gross* at *rate* per cent: VAT = gross x rate/(100+rate)
    rounded half-up (the VAT fraction, 1/6 at 20 %), net = gross - VAT."""
    with localcontext(MONEY_CONTEXT):
        vat = Money(gross.amount * rate / (100 + rate), gross.currency).round_half_up()
    return gross - vat, vat


# --------------------------------------------------------------------------- invoice lines


@dataclass(frozen=True)
class InvoiceLine:
    """One line as entered: quantity x unit price (ex VAT) with a VAT treatment."""

    description: str
    quantity: Decimal
    unit_price: Money
    treatment: VATTreatment = VATTreatment.STANDARD

    def __post_init__(self) -> None:
        if not isinstance(self.quantity, Decimal | int) or isinstance(self.quantity, bool):
            raise TypeError("quantity must be Decimal or int")
        object.__setattr__(self, "treatment", VATTreatment(self.treatment))


@dataclass(frozen=True)
class LineTotals:
    """A line's rounded figures."""

    line: InvoiceLine
    rate: Decimal
    net: Money
    vat: Money

    @property
    def gross(self) -> Money:
        return self.net + self.vat


@dataclass(frozen=True)
class RateBand:
    """Net and VAT of all lines sharing one treatment and rate (the invoice's VAT analysis)."""

    treatment: VATTreatment
    rate: Decimal
    net: Money
    vat: Money


@dataclass(frozen=True)
class InvoiceTotals:
    """Totals of an invoice, in its currency and (net and VAT) in sterling."""

    currency: str
    lines: tuple[LineTotals, ...]
    net: Money
    vat: Money
    gross: Money
    bands: tuple[RateBand, ...]
    net_gbp: Money
    vat_gbp: Money
    units_per_gbp: Decimal | None = field(default=None)

    @property
    def has_reverse_charge(self) -> bool:
        """True when a line is reverse-charged (the invoice must say so)."""
        return any(t.line.treatment.is_reverse_charge for t in self.lines)


def line_totals(line: InvoiceLine, tax_point: date) -> LineTotals:
    """Net (quantity x unit price) and VAT of *line*, each rounded half-up to the penny."""
    rate = rate_for(line.treatment, tax_point)
    net = (line.unit_price * line.quantity).round_half_up()
    return LineTotals(line, rate, net, vat_on(net, rate))


def to_gbp(amount: Money, units_per_gbp: Decimal) -> Money:
    """*amount* converted to sterling at *units_per_gbp* (units of the invoice currency per
    £1, as HMRC publishes its period rates), rounded half-up to the penny."""
    if amount.currency == GBP:
        return amount
    if not isinstance(units_per_gbp, Decimal) or not units_per_gbp.is_finite():
        raise TypeError("units_per_gbp must be a finite Decimal")
    if units_per_gbp <= 0:
        raise ValueError("the exchange rate must be positive")
    with localcontext(MONEY_CONTEXT):
        return Money(amount.amount / units_per_gbp, GBP).round_half_up()


def _bands(totals: Sequence[LineTotals], currency: str) -> tuple[RateBand, ...]:
    keys: dict[tuple[VATTreatment, Decimal], list[LineTotals]] = {}
    for item in totals:
        keys.setdefault((item.line.treatment, item.rate), []).append(item)
    return tuple(
        RateBand(
            treatment,
            rate,
            money_sum((i.net for i in items), currency),
            money_sum((i.vat for i in items), currency),
        )
        for (treatment, rate), items in keys.items()
    )


def invoice_totals(
    lines: Iterable[InvoiceLine],
    tax_point: date,
    *,
    currency: str = GBP,
    units_per_gbp: Decimal | None = None,
) -> InvoiceTotals:
    """Totals of an invoice in *currency* whose lines all share it. A non-sterling invoice
    needs *units_per_gbp* so that its VAT can be stated in sterling."""
    totals = tuple(line_totals(line, tax_point) for line in lines)
    for item in totals:
        if item.net.currency != currency:
            raise CurrencyMismatchError(currency, item.net.currency)
    net = money_sum((t.net for t in totals), currency)
    vat = money_sum((t.vat for t in totals), currency)
    if currency != GBP and units_per_gbp is None:
        raise ValueError("a foreign-currency invoice needs an exchange rate to state VAT in GBP")
    net_gbp = to_gbp(net, units_per_gbp) if units_per_gbp is not None else net
    vat_gbp = to_gbp(vat, units_per_gbp) if units_per_gbp is not None else vat
    return InvoiceTotals(
        currency,
        totals,
        net,
        vat,
        net + vat,
        _bands(totals, currency),
        net_gbp,
        vat_gbp,
        units_per_gbp if currency != GBP else None,
    )


def simplified_invoice_allowed(gross_gbp: Money, tax_point: date) -> bool:
    """A simplified VAT invoice may be issued for a supply of £250 or less including VAT
    (*gross_gbp* must be in sterling: convert a foreign-currency total first)."""
    if gross_gbp.currency != GBP:
        raise CurrencyMismatchError(GBP, gross_gbp.currency)
    return gross_gbp <= rates_on(tax_point).simplified_invoice_limit


# --------------------------------------------------------------------------- Flat Rate Scheme


def is_limited_cost_trader(
    goods_cost: Money, vat_inclusive_turnover: Money, *, period_months: int = 3
) -> bool:
    """The limited cost trader test for one VAT period: relevant goods (VAT included) cost
    less than 2 % of VAT-inclusive turnover, or less than £1,000 a year (pro rata: £250 for a
    quarter, *period_months* long)."""
    if period_months < 1 or period_months > 12:
        raise ValueError("period_months must be 1 to 12")
    two_percent = vat_inclusive_turnover.percent(Decimal(2))
    yearly_floor = Money(Decimal(1000) * period_months / 12, goods_cost.currency)
    return goods_cost < two_percent or goods_cost < yearly_floor


def effective_flat_rate(
    sector_rate: Decimal,
    tax_point: date,
    *,
    limited_cost_trader: bool = False,
    first_year: bool = False,
) -> Decimal:
    """The flat rate (per cent) to apply: the user's sector rate, or 16.5 % for a limited cost
    trader, less 1 percentage point in the first year of VAT registration."""
    if not isinstance(sector_rate, Decimal) or not Decimal(0) <= sector_rate <= Decimal(100):
        raise ValueError("sector_rate must be a Decimal percentage from 0 to 100")
    rate = rates_on(tax_point).frs_limited_cost_rate if limited_cost_trader else sector_rate
    if first_year:
        rate = max(Decimal(0), rate - 1)
    return rate


def flat_rate_vat_due(
    vat_inclusive_turnover: Money,
    sector_rate: Decimal,
    tax_point: date,
    *,
    limited_cost_trader: bool = False,
    first_year: bool = False,
) -> Money:
    """VAT due under the Flat Rate Scheme: flat rate x VAT-inclusive turnover, half-up."""
    rate = effective_flat_rate(
        sector_rate, tax_point, limited_cost_trader=limited_cost_trader, first_year=first_year
    )
    return vat_inclusive_turnover.percent(rate).round_half_up()
