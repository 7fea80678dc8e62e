"""The Class 4 annual maximum for someone who also pays Class 1 on a salary. Pure: no Flask,
no database.

Regulation 100 of the Social Security (Contributions) Regulations 2001, as HMRC's National
Insurance Manual sets out the steps (NIM24175, checked against a stored copy):

1. Upper Profits Limit less Lower Profits Limit, times the main Class 4 rate (6%).
2. Less the Class 1 paid at the main primary rate (8% from 6 April 2024; NIM01251).
3. The result (nil if negative) is the most Class 4 payable at the main rate; when the main
   rate Class 4 on the profit is no more than that, nothing is restricted.
4. Otherwise the profit charged at the main rate is that maximum / 6%; the rest of the profit
   above the Lower Profits Limit is charged at the additional rate (2%).

Departures, said plainly: the manual's steps for earlier years also add 53 weeks of Class 2
and subtract the Class 2 paid; from 2024/25 Class 2 is no longer a liability, so those terms
are left out (the stored manual pages do not show the post-2024 wording of these steps: NOT
verified). The Class 1 paid is not entered: it is worked out from the salary as one
employment with an annual earnings period, 8% of pay between the Primary Threshold (£12,570)
and the Upper Earnings Limit (£50,270) for 2024/25 to 2026/27 (employer rates pages; the
thresholds NOT verified against a stored gov.uk page: in December 2026 payroll guides for
2026/27 agree on £12,570, £50,270 and 8%, but "Rates and thresholds for employers 2026 to
2027" itself was not found among the stored pages). HMRC applies the maximum
after the year (a refund, or a deferment agreed in advance); the estimate's Class 4 stays the
unrestricted figure and the page shows the maximum beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from minimin.core.dates import TaxYear
from minimin.reports.tax_tables import UnknownTaxYear, table_for

#: Employee Class 1 by tax year: (Primary Threshold, Upper Earnings Limit) in pence a year and
#: the main primary rate.
CLASS1_EMPLOYEE: dict[int, tuple[int, int, Decimal]] = {
    2024: (12_570_00, 50_270_00, Decimal(8)),
    2025: (12_570_00, 50_270_00, Decimal(8)),
    2026: (12_570_00, 50_270_00, Decimal(8)),
}


@dataclass(frozen=True)
class Class4Maximum:
    class1_main_pence: int
    unrestricted_pence: int
    main_rate_maximum_pence: int
    restricted: bool
    class4_pence: int

    @property
    def saving_pence(self) -> int:
        return self.unrestricted_pence - self.class4_pence


def _down(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_DOWN))


def class1_main(tax_year: TaxYear, salary_pence: int) -> int:
    """Class 1 at the main primary rate on one salary (annual earnings period)."""
    try:
        threshold, upper, rate = CLASS1_EMPLOYEE[tax_year.start_year]
    except KeyError:
        raise UnknownTaxYear(tax_year) from None
    band = max(min(salary_pence, upper) - threshold, 0)
    return _down(Decimal(band) * rate / 100)


def class4_maximum(tax_year: TaxYear, profit_pence: int, class1_main_pence: int) -> Class4Maximum:
    """Class 4 on *profit_pence* with the annual maximum, given the Class 1 paid at the main
    primary rate (see the module docstring for the steps)."""
    table = table_for(tax_year)
    lower, upper = table.class4_lower_pence, table.class4_upper_pence
    main_rate, extra_rate = table.class4_main_rate, table.class4_upper_rate
    above_lower = max(profit_pence - lower, 0)
    main_normal = Decimal(min(above_lower, upper - lower)) * main_rate / 100
    unrestricted = main_normal + Decimal(max(profit_pence - upper, 0)) * extra_rate / 100
    maximum = max(Decimal(upper - lower) * main_rate / 100 - class1_main_pence, Decimal(0))
    if main_normal <= maximum:
        total = unrestricted
    else:
        at_main = maximum * 100 / main_rate
        total = maximum + (Decimal(above_lower) - at_main) * extra_rate / 100
    return Class4Maximum(
        class1_main_pence=class1_main_pence,
        unrestricted_pence=_down(unrestricted),
        main_rate_maximum_pence=_down(maximum),
        restricted=main_normal > maximum,
        class4_pence=_down(total),
    )
