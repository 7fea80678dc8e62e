"""Agency commission arithmetic: gross fee -> commission -> VAT on commission -> net paid.

Pure: no Flask, no SQLAlchemy. All amounts are :class:`~minimin.core.money.Money` in the
job's currency; rates are Decimal percentages (15 means 15 %).

The model (DOMAIN.md, worked example: fee £1,000, 15 %, agency VAT-registered):

* **Lines.** Each line is an amount excluding VAT with two flags: *commissionable* (the
  agency's commission is charged on it) and *vatable* (the freelancer's output VAT applies to it
  when the freelancer is VAT-registered). Expenses re-billed at cost and per diems are neither
  (:meth:`CommissionLine.expense`).
* **Quoting.** ``fee_inclusive``: the lines are the whole booking. ``fee_plus_agency_fee``: an
  agency-fee line of ``agency_fee_percent`` (default: the commission rate) of the commissionable
  lines is added on top, billed to the client as part of the booking; it is itself
  commissionable and vatable.
* **Commission** = commission rate x the commissionable lines, rounded half-up to the penny
  once, on the total. **VAT on commission** = standard rate x commission, half-up, when the
  agency is VAT-registered.
* **Output VAT** (freelancer VAT-registered) = standard rate x each vatable line, half-up per
  line (the invoice rule, docs/decisions/0002-vat-rounding.md). The agency collects gross +
  output VAT, deducts commission + VAT on commission and pays the rest:
  ``commission + vat_on_commission + net_paid == collected`` always holds.
* **Mother agency.** Modelled as a *share of the booking agency's commission*: the freelancer
  pays the same commission; ``mother_agency_share_percent`` of it (half-up) is passed on to the
  mother agency and the booking agency keeps the rest. A mother agency that bills the
  freelancer separately is a separate deduction and is not modelled here.
* **Income tax.** Turnover is the gross (fees, agency fee and re-billed expenses, excluding
  VAT); commission, and VAT on it when the freelancer cannot reclaim it, are an allowable
  expense (:attr:`CommissionResult.allowable_expense`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from minimin.core.dates import uk_today
from minimin.core.money import CurrencyMismatchError, Money, money_sum
from minimin.invoices.vat import standard_rate, vat_on


class Quoting(StrEnum):
    """How a fee was quoted to the client."""

    FEE_INCLUSIVE = "fee_inclusive"
    FEE_PLUS_AGENCY_FEE = "fee_plus_agency_fee"


class LineKind(StrEnum):
    FEE = "fee"
    AGENCY_FEE = "agency_fee"
    EXPENSE = "expense"


@dataclass(frozen=True)
class CommissionLine:
    """An amount excluding VAT, with whether commission and the freelancer's VAT apply."""

    amount: Money
    commissionable: bool = True
    vatable: bool = True
    kind: LineKind = LineKind.FEE
    description: str = ""

    @classmethod
    def fee(cls, amount: Money, description: str = "") -> CommissionLine:
        """A fee: commissionable and vatable."""
        return cls(amount, True, True, LineKind.FEE, description)

    @classmethod
    def expense(cls, amount: Money, description: str = "") -> CommissionLine:
        """An expense re-billed at cost or a per diem: no commission, no VAT."""
        return cls(amount, False, False, LineKind.EXPENSE, description)


def _percent(value: Decimal | int, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal percentage")
    value = Decimal(value)
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"{name} must be from 0 to 100")
    return value


@dataclass(frozen=True)
class CommissionTerms:
    """The agency's terms for one job."""

    commission_percent: Decimal
    agency_vat_registered: bool = False
    freelancer_vat_registered: bool = False
    quoting: Quoting = Quoting.FEE_INCLUSIVE
    agency_fee_percent: Decimal | None = None
    mother_agency_share_percent: Decimal | None = None
    #: VAT rate (per cent) override; default: the standard rate on the tax point.
    vat_percent: Decimal | None = None

    def __post_init__(self) -> None:
        _percent(self.commission_percent, "commission_percent")
        object.__setattr__(self, "quoting", Quoting(self.quoting))
        for name in ("agency_fee_percent", "mother_agency_share_percent", "vat_percent"):
            value = getattr(self, name)
            if value is not None:
                _percent(value, name)


@dataclass(frozen=True)
class CommissionResult:
    """Every figure of an agency booking, in the job's currency."""

    lines: tuple[CommissionLine, ...]  # including the agency-fee line, if any
    vat_percent: Decimal
    gross: Money  # all lines, excluding VAT: the freelancer's turnover
    fees: Money  # every line except expenses (fees and the agency fee)
    agency_fee: Money
    expenses: Money
    commission_base: Money
    commission: Money
    vat_on_commission: Money
    output_vat: Money
    mother_agency_commission: Money
    collected: Money  # what the agency collects on the freelancer's behalf: gross + output VAT
    net_paid: Money  # what the freelancer should receive
    output_vat_applies: bool = False  # the freelancer is VAT-registered and charges VAT

    @property
    def deductions(self) -> Money:
        """Commission plus VAT on commission: what the agency keeps."""
        return self.commission + self.vat_on_commission

    @property
    def booking_agency_commission(self) -> Money:
        """The commission the booking agency keeps after the mother agency's share."""
        return self.commission - self.mother_agency_commission

    @property
    def input_vat(self) -> Money:
        """VAT on commission the freelancer can reclaim (only when VAT-registered)."""
        return self.vat_on_commission if self.output_vat_applies else self.zero

    @property
    def allowable_expense(self) -> Money:
        """Commission, plus VAT on it when the freelancer cannot reclaim it."""
        return self.commission + (self.zero if self.output_vat_applies else self.vat_on_commission)

    @property
    def zero(self) -> Money:
        return Money.zero(self.gross.currency)


def _agency_fee_line(
    lines: tuple[CommissionLine, ...], terms: CommissionTerms, currency: str
) -> CommissionLine | None:
    if terms.quoting is not Quoting.FEE_PLUS_AGENCY_FEE:
        return None
    rate = terms.agency_fee_percent
    if rate is None:
        rate = terms.commission_percent
    base = money_sum((line.amount for line in lines if line.commissionable), currency)
    return CommissionLine(base.percent(rate).round_half_up(), True, True, LineKind.AGENCY_FEE)


def _check_lines(lines: tuple[CommissionLine, ...], currency: str) -> None:
    for line in lines:
        if line.amount.currency != currency:
            raise CurrencyMismatchError(currency, line.amount.currency)
        if not line.amount.is_whole_pence():
            raise ValueError("line amounts must be whole pence; round them first")


def calculate(
    lines: Iterable[CommissionLine],
    terms: CommissionTerms,
    *,
    currency: str = "GBP",
    tax_point: date | None = None,
) -> CommissionResult:
    """All the figures for *lines* under *terms* (see the module docstring for the rules).
    The VAT rate is the standard rate on *tax_point* (default: today in the UK) unless the
    terms override it."""
    given = tuple(lines)
    _check_lines(given, currency)
    extra = _agency_fee_line(given, terms, currency)
    every = (*given, extra) if extra is not None else given
    vat_percent = terms.vat_percent
    if vat_percent is None:
        vat_percent = standard_rate(tax_point or uk_today())

    def total(selected: Iterable[CommissionLine]) -> Money:
        return money_sum((line.amount for line in selected), currency)

    base = total(line for line in every if line.commissionable)
    commission = base.percent(terms.commission_percent).round_half_up()
    zero = Money.zero(currency)
    vat_on_commission = vat_on(commission, vat_percent) if terms.agency_vat_registered else zero
    output_vat = zero
    if terms.freelancer_vat_registered:
        output_vat = money_sum(
            (vat_on(line.amount, vat_percent) for line in every if line.vatable), currency
        )
    share = terms.mother_agency_share_percent
    mother = commission.percent(share).round_half_up() if share else zero
    gross = total(every)
    collected = gross + output_vat
    return CommissionResult(
        lines=every,
        vat_percent=vat_percent,
        gross=gross,
        fees=total(line for line in every if line.kind is not LineKind.EXPENSE),
        agency_fee=extra.amount if extra is not None else zero,
        expenses=total(line for line in every if line.kind is LineKind.EXPENSE),
        commission_base=base,
        commission=commission,
        vat_on_commission=vat_on_commission,
        output_vat=output_vat,
        mother_agency_commission=mother,
        collected=collected,
        net_paid=collected - commission - vat_on_commission,
        output_vat_applies=terms.freelancer_vat_registered,
    )
