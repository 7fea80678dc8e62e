"""Rates of the Self Assessment rules beyond trading income, ONE table keyed by tax year.

Pure data. Amounts are integer pence, rates Decimal percentages. Each figure's source:

* Savings (all three years): starting rate for savings £5,000 at 0%, personal savings
  allowance £1,000 (basic rate), £500 (higher), nil (additional); savings rates 20/40/45%
  (the 22/42/47% rates start in 2027/28, not in the table). gov.uk policy paper "Income Tax:
  changes to tax rates for property, savings and dividend income" (27 November 2025).
* Dividends: allowance £500; rates 8.75/33.75/39.35% for 2024/25 and 2025/26, 10.75/35.75/39.35%
  from 6 April 2026 (the same gov.uk policy paper).
* Student loans: 9% above the plan threshold (6% for the postgraduate loan). Thresholds
  2024/25 and 2025/26 from published summaries; 2026/27 Plan 1 £26,900, Plan 2 £29,385, Plan 5
  £25,000 (repayments start in 2026/27), PGL £21,000; Plan 4 2026/27 £33,795 is the figure
  reported as expected, NOT verified against a gov.uk page (December 2026: several payroll
  summaries of January 2026 give £33,795 as confirmed; the stored gov.uk "Repaying your
  student loan" page still shows an earlier year's thresholds).
* High Income Child Benefit Charge: 1% of the benefit for every £200 of adjusted net income
  above £60,000, all of it from £80,000 (from 2024/25; DOMAIN.md and the brief; the 2024/25
  change is from the Spring Budget 2024).
* Marriage allowance: £1,260 (10% of the personal allowance), worth 20% (£252) to the
  recipient.
* Working from home simplified expenses: £10 / £18 / £26 a month for 25-50 / 51-100 / 101+
  hours of business work at home.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from minimin.core.dates import TaxYear
from minimin.reports.tax_tables import UnknownTaxYear

PLAN_1, PLAN_2, PLAN_4, PLAN_5, POSTGRADUATE = "plan1", "plan2", "plan4", "plan5", "pgl"
UNDERGRADUATE_PLANS = (PLAN_1, PLAN_2, PLAN_4, PLAN_5)
STUDENT_LOAN_PLANS = (*UNDERGRADUATE_PLANS, POSTGRADUATE)


def _pounds(value: int) -> int:
    return value * 100


@dataclass(frozen=True)
class OtherRates:
    savings_starting_band_pence: int
    psa_basic_pence: int
    psa_higher_pence: int
    savings_rates: tuple[Decimal, Decimal, Decimal]  # basic, higher, additional
    dividend_allowance_pence: int
    dividend_rates: tuple[Decimal, Decimal, Decimal]
    #: Student loan thresholds by plan (a plan missing: no repayments that year).
    student_loan_thresholds: dict[str, int]
    hicbc_threshold_pence: int
    hicbc_full_pence: int
    marriage_allowance_pence: int
    #: Unearned income (savings, dividends) counts for student loans only above this.
    student_loan_unearned_floor_pence: int = _pounds(2_000)


def _rates(
    *, dividend: tuple[str, str, str], loans: dict[str, int], hicbc: tuple[int, int]
) -> OtherRates:
    return OtherRates(
        savings_starting_band_pence=_pounds(5_000),
        psa_basic_pence=_pounds(1_000),
        psa_higher_pence=_pounds(500),
        savings_rates=(Decimal(20), Decimal(40), Decimal(45)),
        dividend_allowance_pence=_pounds(500),
        dividend_rates=(Decimal(dividend[0]), Decimal(dividend[1]), Decimal(dividend[2])),
        student_loan_thresholds={plan: _pounds(v) for plan, v in loans.items()},
        hicbc_threshold_pence=_pounds(hicbc[0]),
        hicbc_full_pence=_pounds(hicbc[1]),
        marriage_allowance_pence=_pounds(1_260),
    )


OTHER_RATES: dict[int, OtherRates] = {
    2024: _rates(
        dividend=("8.75", "33.75", "39.35"),
        loans={PLAN_1: 24_990, PLAN_2: 27_295, PLAN_4: 31_395, POSTGRADUATE: 21_000},
        hicbc=(60_000, 80_000),
    ),
    2025: _rates(
        dividend=("8.75", "33.75", "39.35"),
        loans={PLAN_1: 26_065, PLAN_2: 28_470, PLAN_4: 32_745, POSTGRADUATE: 21_000},
        hicbc=(60_000, 80_000),
    ),
    2026: _rates(
        dividend=("10.75", "35.75", "39.35"),
        loans={
            PLAN_1: 26_900,
            PLAN_2: 29_385,
            PLAN_4: 33_795,
            PLAN_5: 25_000,
            POSTGRADUATE: 21_000,
        },
        hicbc=(60_000, 80_000),
    ),
}

STUDENT_LOAN_RATES = {plan: Decimal(9) for plan in UNDERGRADUATE_PLANS} | {POSTGRADUATE: Decimal(6)}

#: Working from home flat rates: (hours a month from, pence a month), highest first.
WFH_RATES = ((101, 2_600), (51, 1_800), (25, 1_000))


def other_rates_for(tax_year: TaxYear) -> OtherRates:
    try:
        return OTHER_RATES[tax_year.start_year]
    except KeyError:
        raise UnknownTaxYear(tax_year) from None
