"""Income tax and Class 4 National Insurance estimate for a sole trader. Pure: no Flask, no
database.

Rules (rates from :mod:`minimin.reports.tax_tables`):

* Incomes are taken in whole pounds, rounded down, as on the tax return. A trading loss counts
  as nil profit (loss relief is not estimated).
* Total income = trading profit + PAYE salary + other taxable (non-savings) income. The
  personal allowance falls by £1 for every £2 of that income above £100,000 (the excess is
  halved and rounded down to a whole pound), reaching nil at £125,140.
* The bands apply to taxable income (income less the allowance), salary first, then profit;
  all of it is non-savings income so the order changes nothing but the explanation.
* Class 4 NI applies to the trading profit only: the main rate between the lower and upper
  profits limits, the upper rate above.
* Tax and NI are each rounded down to the penny. Tax deducted at source (PAYE) is subtracted:
  the rest is the self-assessment bill.
* Payments on account for the next year: each half of this year's self-assessment bill
  (rounded down to the penny), due 31 January in the next tax year and 31 July after it;
  none when the bill is under £1,000 or MORE than 80% of the year's tax and NI was collected
  at source (exactly 80% still needs them). The balancing payment (bill less payments on
  account already made for this year) is due with the first payment on account, on 31 January
  after the year ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from minimin.core.dates import TaxYear
from minimin.reports.tax_tables import RUK, TaxTable, table_for

PENCE_PER_POUND = 100


@dataclass(frozen=True)
class EstimateInput:
    tax_year: TaxYear
    profit_pence: int
    salary_pence: int = 0
    other_income_pence: int = 0
    tax_paid_at_source_pence: int = 0
    #: Payments on account already made towards this tax year's bill.
    payments_on_account_made_pence: int = 0
    regime: str = RUK


@dataclass(frozen=True)
class BandCharge:
    name: str
    rate: Decimal
    income_pence: int
    charge_pence: int  # exact pence may carry fractions; shown rounded
    exact: Decimal = Decimal(0)


@dataclass(frozen=True)
class Payment:
    due: date
    kind: str  # "balancing", "first_poa", "second_poa"
    amount_pence: int


@dataclass(frozen=True)
class Estimate:
    input: EstimateInput
    table: TaxTable
    total_income_pence: int
    personal_allowance_pence: int
    taxable_income_pence: int
    income_tax_bands: tuple[BandCharge, ...]
    income_tax_pence: int
    class4_bands: tuple[BandCharge, ...]
    class4_pence: int
    payments_on_account_required: bool
    payment_on_account_pence: int
    payments: tuple[Payment, ...] = field(default_factory=tuple)

    @property
    def liability_pence(self) -> int:
        """Income tax + Class 4 NI for the year, before tax collected at source."""
        return self.income_tax_pence + self.class4_pence

    @property
    def self_assessment_pence(self) -> int:
        """What is left to pay through self assessment (negative: a repayment is due)."""
        return self.liability_pence - self.input.tax_paid_at_source_pence

    @property
    def balancing_payment_pence(self) -> int:
        return self.self_assessment_pence - self.input.payments_on_account_made_pence

    @property
    def class2_voluntary_pence(self) -> int | None:
        return self.table.class2_annual_pence

    @property
    def class2_treated_as_paid(self) -> bool | None:
        """Profit at or above the small profits threshold: Class 2 is treated as paid (a
        qualifying year for the State Pension at no cost). ``None`` when the threshold is not
        in the table."""
        threshold = self.table.class2_small_profits_threshold_pence
        if threshold is None:
            return None
        return _whole_pounds(self.input.profit_pence) >= threshold

    @property
    def class2_offer_pence(self) -> int | None:
        """The voluntary Class 2 amount, offered only below the small profits threshold."""
        if self.class2_treated_as_paid is False:
            return self.table.class2_annual_pence
        return None


def _whole_pounds(pence: int) -> int:
    """Pence rounded down to whole pounds (never below zero)."""
    return max(pence, 0) // PENCE_PER_POUND * PENCE_PER_POUND


def _round_down(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_DOWN))


def personal_allowance(table: TaxTable, total_income_pence: int) -> int:
    """The allowance after the taper: £1 less for every £2 above £100,000 (whole pounds)."""
    excess = max(total_income_pence - table.taper_threshold_pence, 0)
    reduction = excess // (2 * PENCE_PER_POUND) * PENCE_PER_POUND
    return max(table.personal_allowance_pence - reduction, 0)


def _charge(bands: list[tuple[str, Decimal, int, int | None]], amount: int) -> list[BandCharge]:
    """Slice *amount* through (name, rate, lower, upper) bands."""
    charges = []
    for name, rate, lower, upper in bands:
        top = amount if upper is None else min(amount, upper)
        portion = max(top - lower, 0)
        if portion <= 0:
            continue
        exact = Decimal(portion) * rate / 100
        charges.append(BandCharge(name, rate, portion, _round_down(exact), exact))
    return charges


def estimate(data: EstimateInput) -> Estimate:
    """The year's income tax and Class 4 NI with payments on account (see module docstring).
    Raises :class:`~minimin.reports.tax_tables.UnknownTaxYear` for a year not in the table."""
    for name in (
        "salary_pence",
        "other_income_pence",
        "tax_paid_at_source_pence",
        "payments_on_account_made_pence",
    ):
        if getattr(data, name) < 0:
            raise ValueError(f"{name} cannot be negative")
    table = table_for(data.tax_year)
    bands = table.bands_for(data.regime)
    profit = _whole_pounds(data.profit_pence)
    salary = _whole_pounds(data.salary_pence)
    other = _whole_pounds(data.other_income_pence)
    total = profit + salary + other
    allowance = personal_allowance(table, total)
    taxable = max(total - allowance, 0)

    slices: list[tuple[str, Decimal, int, int | None]] = []
    lower = 0
    for band in bands:
        slices.append((band.name, band.rate, lower, band.upper_pence))
        lower = band.upper_pence or lower
    tax_bands = _charge(slices, taxable)
    income_tax = _round_down(sum((b.exact for b in tax_bands), Decimal(0)))

    class4_slices: list[tuple[str, Decimal, int, int | None]] = [
        ("main", table.class4_main_rate, table.class4_lower_pence, table.class4_upper_pence),
        ("upper", table.class4_upper_rate, table.class4_upper_pence, None),
    ]
    class4_bands = _charge(class4_slices, profit)
    class4 = _round_down(sum((b.exact for b in class4_bands), Decimal(0)))

    liability = income_tax + class4
    bill = liability - data.tax_paid_at_source_pence
    at_source_share = (
        Decimal(data.tax_paid_at_source_pence) * 100 / Decimal(liability)
        if liability > 0
        else Decimal(100)
    )
    # The exemption needs more than 80% collected at source: exactly 80% still pays.
    required = (
        bill >= table.poa_minimum_bill_pence and at_source_share <= table.poa_at_source_percent
    )
    each = bill // 2 if required else 0
    first_poa_due, second_poa_due = data.tax_year.next.payments_on_account
    balancing = bill - data.payments_on_account_made_pence
    payments = [Payment(data.tax_year.filing_deadline, "balancing", balancing)]
    if required:
        payments.append(Payment(first_poa_due, "first_poa", each))
        payments.append(Payment(second_poa_due, "second_poa", each))
    return Estimate(
        input=data,
        table=table,
        total_income_pence=total,
        personal_allowance_pence=allowance,
        taxable_income_pence=taxable,
        income_tax_bands=tuple(tax_bands),
        income_tax_pence=income_tax,
        class4_bands=tuple(class4_bands),
        class4_pence=class4,
        payments_on_account_required=required,
        payment_on_account_pence=each,
        payments=tuple(payments),
    )


def set_aside(tax_year: TaxYear, profit_pence: int) -> int:
    """Tax and Class 4 NI to put aside on *profit_pence* alone (the dashboard's figure)."""
    return max(estimate(EstimateInput(tax_year, profit_pence)).liability_pence, 0)
