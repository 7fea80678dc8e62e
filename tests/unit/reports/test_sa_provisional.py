"""The figures an estimate used that are still provisional (not yet checked against HMRC's
published rates): which apply, from what the calculation actually used.

Provisional (minimin/reports/selfassessment/provisional.py and the source comments): for
2026/27 the Plan 4 threshold £33,795, voluntary Class 2 £3.65 a week (£189.80 a year) with
the small profits threshold £7,105 (quoted by the Class 2 line of every 2026/27 estimate,
whatever the profit), and Class 1 £12,570 / £50,270 / 8% behind the Class 4 annual maximum;
and the hybrid main pool rate of a period of account spanning 6 April 2026 (18% then 14%: a
year to 31 December 2026 has 95 days at 18% and 270 at 14%, 15.041...%, rounded up to
15.05%). Every 2024/25 and 2025/26 figure is checked, except that hybrid rate. And, in any
year from 2023/24 to 2027/28, the share of the transition profit taxed: it rests on what the
user entered and on a reading of the spreading rules (basis_period.py).
"""

from __future__ import annotations

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment import OtherIncome, SAInput, self_assessment
from minimin.reports.selfassessment.basis_period import transition_spread
from minimin.reports.selfassessment.capital_allowances import (
    PeriodInputs,
    Pools,
    accounting_period_allowances,
)
from minimin.reports.selfassessment.provisional import (
    CLASS1_FOR_MAXIMUM,
    CLASS2_THRESHOLD,
    CLASS2_VOLUNTARY,
    HYBRID_MAIN_RATE,
    PLAN4_THRESHOLD,
    TRANSITION_SHARE,
    marked_lines,
    provisional_figures,
)
from minimin.reports.selfassessment.timeline import timeline_extras

DEC_31 = (12, 31)


def _found(year, profit_pounds, *, salary_pounds=0, plans=(), periods=(), spread=None):
    result = self_assessment(
        SAInput(
            TaxYear(year),
            profit_pounds * 100,
            salary_pence=salary_pounds * 100,
            other=OtherIncome(student_loan_plans=tuple(plans)),
        )
    )
    maximum = timeline_extras(result).class4_maximum
    return provisional_figures(result, maximum, periods, spread=spread)


def _figures(year, profit_pounds, **kwargs):
    """The notes by figure, leaving out the 2026/27 small profits threshold that the Class 2
    line of every 2026/27 estimate above it quotes (its own tests below)."""
    found = _found(year, profit_pounds, **kwargs)
    return {f.key: str(f.note) for f in found if f.key != CLASS2_THRESHOLD}


def _keys(year, profit_pounds, **kwargs):
    return [f.key for f in _found(year, profit_pounds, **kwargs)]


def _spread(year, whole_pounds=50_000, elected=None):
    """The share of *year* (start year) of a transition profit, as the page works it."""
    extra = {y: pounds * 100 for y, pounds in (elected or {}).items()}
    return next(
        s for s in transition_spread(whole_pounds * 100, extra) if s.tax_year.start_year == year
    )


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


def test_2026_27_above_the_small_profits_threshold_names_only_the_threshold():
    # The Class 2 line says the profit is above the threshold, quoting it: £7,105.
    found = _found(2026, 20_000)
    assert [(f.key, f.line) for f in found] == [(CLASS2_THRESHOLD, "class2")]
    note = str(found[0].note)
    assert "small profits threshold for 2026/27: £7,105.00" in note
    assert "not yet been checked" in note
    assert "£3.65" not in note  # voluntary Class 2 is not offered, so its rate is not used


def test_2026_27_at_the_threshold_is_above_it_as_the_class2_line_decides():
    assert _keys(2026, 7_105) == [CLASS2_THRESHOLD]
    assert _keys(2026, 7_104) == [CLASS2_VOLUNTARY]


def test_2025_26_above_the_threshold_has_none():
    assert _keys(2025, 20_000) == []
    assert _keys(2024, 20_000) == []


def test_voluntary_class2_offered_in_2026_27_is_provisional():
    assert _keys(2026, 5_000) == [CLASS2_VOLUNTARY]
    found = _figures(2026, 5_000)
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
    found = _found(2026, 5_000, salary_pounds=40_000, plans=["plan4"], spread=_spread(2026))
    keys = [f.key for f in found]
    assert keys == [PLAN4_THRESHOLD, CLASS2_VOLUNTARY, CLASS1_FOR_MAXIMUM, TRANSITION_SHARE]
    # Each marks its own line, linking to its own note.
    assert marked_lines(found) == {
        "plan4": "sa-confirm-plan4",
        "class2": "sa-confirm-class2",
        "class4_maximum": "sa-confirm-class4_maximum",
        "transition": "sa-confirm-transition",
    }
    assert [f.announced for f in found] == [True, True, True, False]


def test_hybrid_main_rate_of_a_period_spanning_6_april_2026():
    found = _figures(2026, 20_000, periods=_periods(2026))
    assert list(found) == [HYBRID_MAIN_RATE]
    hybrid = [f for f in _found(2026, 20_000, periods=_periods(2026)) if f.key == HYBRID_MAIN_RATE]
    assert [f.line for f in hybrid] == ["wda-2026-01-01"]  # that period's allowances line
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


# --------------------------------------------------------------------------- transition


def test_no_transition_note_without_a_share():
    assert _keys(2025, 20_000) == []
    assert TRANSITION_SHARE not in _keys(2026, 20_000)


def test_transition_share_in_2025_26_names_what_to_confirm():
    # £50,000, nothing elected: £10,000 in 2025/26, the only figure to confirm that year.
    found = _found(2025, 20_000, spread=_spread(2025))
    assert [(f.key, f.line, f.announced) for f in found] == [
        (TRANSITION_SHARE, "transition", False)
    ]
    note = str(found[0].note)
    assert "Transition profit taxed in 2025/26: £10,000.00" in note
    assert "transition profit you entered from your 2023/24 return" in note
    assert "The standard share (£10,000.00) assumes a fifth of it" in note
    assert "legislation's wording has not yet been checked" in note
    assert "earlier years are those entered here for those years" in note
    assert "if it stopped trading in 2025/26" in note
    assert "The extra" not in note  # nothing elected this year
    assert "%" not in note


def _note_of_share(spread):
    """The transition note of *spread*'s year. Minimin's tables have no 2023/24 or 2027/28
    rates yet, so the estimate beside it is 2025/26's; the note reads the share's own year."""
    return _figures(2025, 20_000, spread=spread)[TRANSITION_SHARE]


def test_transition_share_in_2023_24_has_no_earlier_years():
    note = _note_of_share(_spread(2023))
    assert "Transition profit taxed in 2023/24: £10,000.00" in note
    assert "earlier years" not in note
    assert "stopped trading in 2023/24" in note


def test_transition_share_with_an_election_this_year_names_it():
    note = _figures(2024, 20_000, spread=_spread(2024, elected={2024: 25_000}))[TRANSITION_SHARE]
    assert "Transition profit taxed in 2024/25: £35,000.00" in note
    assert "The standard share (£10,000.00)" in note
    assert "The extra £25,000.00 this year is the amount you entered as elected" in note


def test_transition_share_in_the_last_year_takes_what_is_left_whatever_happens():
    # 2027/28 is the last year of the spread: all that is left is taxed, trading or not.
    note = _note_of_share(_spread(2027))
    assert "Transition profit taxed in 2027/28: £10,000.00" in note
    assert "stopped trading" not in note


def test_transition_share_of_nothing_left_is_still_named():
    # Everything elected in 2024/25: the page still shows 2025/26's nil share, resting on it.
    spread = _spread(2025, elected={2024: 40_000})
    assert spread.taxed_pence == 0
    note = _figures(2025, 20_000, spread=spread)[TRANSITION_SHARE]
    assert "Transition profit taxed in 2025/26: £0.00" in note
