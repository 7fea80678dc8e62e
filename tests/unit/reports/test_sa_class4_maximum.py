"""The Class 4 annual maximum with Class 1 on a salary: cases worked by hand (2025/26).

Steps in minimin/reports/selfassessment/class4_maximum.py (regulation 100, NIM24175): main
rate maximum = (£50,270 - £12,570) x 6% = £2,262 less Class 1 at 8%; the profit beyond what
that maximum covers at 6% is charged at 2%.
"""

from __future__ import annotations

import pytest

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.class4_maximum import class1_main, class4_maximum
from minimin.reports.tax_tables import UnknownTaxYear

Y = TaxYear(2025)


def test_class1_on_a_salary():
    # (30,000 - 12,570) x 8% = 1,394.40; above the UEL only the band counts: 37,700 x 8%.
    assert class1_main(Y, 30_000_00) == 1_394_40
    assert class1_main(Y, 60_000_00) == 3_016_00
    assert class1_main(Y, 12_000_00) == 0


def test_salary_30000_profit_40000_is_restricted():
    # Maximum at 6%: 2,262 - 1,394.40 = 867.60, covering 867.60 / 6% = 14,460 of profit.
    # Profit above £12,570 is 27,430: the other 12,970 at 2% = 259.40. Total 1,127.00,
    # against 27,430 x 6% = 1,645.80 without the maximum.
    result = class4_maximum(Y, 40_000_00, class1_main(Y, 30_000_00))
    assert result.main_rate_maximum_pence == 867_60
    assert result.unrestricted_pence == 1_645_80
    assert result.restricted
    assert result.class4_pence == 1_127_00
    assert result.saving_pence == 518_80


def test_salary_above_the_upper_earnings_limit_leaves_only_2_percent():
    # Class 1 3,016 exceeds 2,262: no Class 4 at 6%; 27,430 x 2% = 548.60.
    result = class4_maximum(Y, 40_000_00, class1_main(Y, 60_000_00))
    assert result.main_rate_maximum_pence == 0
    assert result.class4_pence == 548_60


def test_small_salary_does_not_restrict():
    # Class 1 (15,000 - 12,570) x 8% = 194.40; maximum 2,067.60 exceeds 17,430 x 6% = 1,045.80.
    result = class4_maximum(Y, 30_000_00, class1_main(Y, 15_000_00))
    assert not result.restricted
    assert result.class4_pence == result.unrestricted_pence == 1_045_80


def test_profit_above_the_upper_profits_limit():
    # Unrestricted 2,262 + 19,730 x 2% = 2,656.60. With £30,000 salary: 867.60 at 6% on
    # 14,460; 57,430 - 14,460 = 42,970 at 2% = 859.40; total 1,727.00.
    result = class4_maximum(Y, 70_000_00, class1_main(Y, 30_000_00))
    assert result.unrestricted_pence == 2_656_60
    assert result.class4_pence == 1_727_00


def test_unknown_year_is_refused():
    with pytest.raises(UnknownTaxYear):
        class1_main(TaxYear(2030), 30_000_00)
