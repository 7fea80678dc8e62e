"""The figures an estimate used that are still provisional (not yet checked against HMRC's
published rates): which apply, from what the calculation actually used.

Provisional (minimin/reports/selfassessment/provisional.py and the source comments): for
2026/27 the Plan 4 threshold £33,795, voluntary Class 2 £3.65 a week (£189.80 a year) with
the small profits threshold £7,105, and Class 1 £12,570 / £50,270 / 8% behind the Class 4
annual maximum; and the hybrid main pool rate of a period of account spanning 6 April 2026
(18% then 14%: a year to 31 December 2026 has 95 days at 18% and 270 at 14%, 15.041...%,
rounded up to 15.05%). Every 2024/25 and 2025/26 figure is checked, except that hybrid rate.
"""

from __future__ import annotations

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment import OtherIncome, SAInput, self_assessment
from minimin.reports.selfassessment.capital_allowances import (
    PeriodInputs,
    Pools,
    accounting_period_allowances,
)
from minimin.reports.selfassessment.provisional import (
    CLASS1_FOR_MAXIMUM,
    CLASS2_VOLUNTARY,
    HYBRID_MAIN_RATE,
    PLAN4_THRESHOLD,
    provisional_figures,
)
from minimin.reports.selfassessment.timeline import timeline_extras

DEC_31 = (12, 31)


def _figures(year, profit_pounds, *, salary_pounds=0, plans=(), periods=()):
    result = self_assessment(
        SAInput(
            TaxYear(year),
            profit_pounds * 100,
            salary_pence=salary_pounds * 100,
            other=OtherIncome(student_loan_plans=tuple(plans)),
        )
    )
    found = provisional_figures(result, timeline_extras(result).class4_maximum, periods)
    return {f.key: str(f.note) for f in found}


def _periods(year, main_pool_pounds=10_000, equipment_pounds=0):
    first = PeriodInputs(equipment_pounds * 100, Pools(main_pence=main_pool_pounds * 100))
    return accounting_period_allowances(TaxYear(year), DEC_31, [], first, PeriodInputs())


def test_plan4_in_2026_27_is_provisional():
    found = _figures(2026, 40_000, plans=["plan4"])
    assert list(found) == [PLAN4_THRESHOLD]
    assert "£33,795.00" in found[PLAN4_THRESHOLD] and "2026/27" in found[PLAN4_THRESHOLD]
    assert "not yet been checked" in found[PLAN4_THRESHOLD]


def test_plan4_below_the_threshold_still_uses_it():
    # Nothing to repay on £30,000, but whether anything is due rests on the threshold.
    assert list(_figures(2026, 30_000, plans=["plan4"])) == [PLAN4_THRESHOLD]


def test_plan4_in_2025_26_and_2024_25_is_checked():
    assert _figures(2025, 40_000, plans=["plan4"]) == {}
    assert _figures(2024, 40_000, plans=["plan4"]) == {}


def test_other_plans_in_2026_27_are_not_flagged():
    assert _figures(2026, 40_000, plans=["plan2", "pgl"]) == {}


def test_2026_27_above_the_small_profits_threshold_without_salary_or_loan_has_none():
    assert _figures(2026, 20_000) == {}


def test_voluntary_class2_offered_in_2026_27_is_provisional():
    found = _figures(2026, 5_000)
    assert list(found) == [CLASS2_VOLUNTARY]
    note = found[CLASS2_VOLUNTARY]
    assert "£3.65" in note and "£189.80" in note and "£7,105.00" in note


def test_voluntary_class2_in_2025_26_is_checked():
    assert _figures(2025, 5_000) == {}


def test_class1_behind_the_class4_maximum_in_2026_27_is_provisional():
    found = _figures(2026, 40_000, salary_pounds=30_000)
    assert list(found) == [CLASS1_FOR_MAXIMUM]
    note = found[CLASS1_FOR_MAXIMUM]
    assert "8%" in note and "£12,570.00" in note and "£50,270.00" in note


def test_salary_under_the_primary_threshold_gives_no_maximum_and_no_note():
    assert _figures(2026, 40_000, salary_pounds=10_000) == {}


def test_class1_in_2025_26_is_checked():
    assert _figures(2025, 40_000, salary_pounds=30_000) == {}


def test_all_at_once_in_2026_27():
    found = _figures(2026, 5_000, salary_pounds=40_000, plans=["plan4"])
    assert set(found) == {PLAN4_THRESHOLD, CLASS2_VOLUNTARY, CLASS1_FOR_MAXIMUM}


def test_hybrid_main_rate_of_a_period_spanning_6_april_2026():
    found = _figures(2026, 20_000, periods=_periods(2026))
    assert list(found) == [HYBRID_MAIN_RATE]
    note = found[HYBRID_MAIN_RATE]
    assert "1 January 2026 to 31 December 2026" in note
    assert "15.05%" in note and "18%" in note and "14%" in note


def test_hybrid_rate_in_2025_26_from_the_later_period():
    # 2025/26 with a 31 December date shares the year to 31 December 2026 too.
    found = _figures(2025, 20_000, periods=_periods(2025))
    assert list(found) == [HYBRID_MAIN_RATE]
    assert "1 January 2026 to 31 December 2026" in found[HYBRID_MAIN_RATE]


def test_no_hybrid_note_without_a_main_pool_or_across_no_change():
    assert _figures(2026, 20_000, periods=_periods(2026, main_pool_pounds=0)) == {}
    # Equipment within the annual investment allowance: no writing-down allowance.
    assert _figures(2026, 20_000, periods=_periods(2026, 0, equipment_pounds=5_000)) == {}
    assert _figures(2024, 20_000, periods=_periods(2024)) == {}
