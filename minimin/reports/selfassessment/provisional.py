"""The figures an estimate used that are still provisional: announced (or reported) rates that
could not be checked against HMRC's published rates when they were entered. The page names
each one the calculation actually used, so a user who files on the estimate knows what to
check. Pure: no database; the notes are lazy translations, the money and dates come formatted
by the caller's formatters (the page passes its own, so they read as the page's figures).

Which figures, and why each is provisional (the source comments say more):

* Plan 4 student loan threshold for 2026/27 (:mod:`.rates`).
* Voluntary Class 2 for 2026/27: the weekly rate and the small profits threshold
  (:mod:`minimin.reports.tax_tables`); shown only when the page offers voluntary Class 2, i.e.
  the profit is below the threshold.
* The Class 1 threshold, upper earnings limit and main rate for 2026/27 that the Class 4
  annual maximum is worked from (:mod:`.class4_maximum`); only when a salary gave one.
* The hybrid main pool writing-down rate of a period of account spanning 6 April 2026
  (:mod:`.capital_allowances`: the Finance Act 2026 wording is not checked). This can apply to
  a 2025/26 estimate too: with an accounting date other than 5 April, the period ending in
  2026/27 shares its profit (after its allowances) with 2025/26.

When one of these is checked, drop its year from the set below (and the source's comment).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from minimin.core.money import format_pence
from minimin.reports.selfassessment.capital_allowances import (
    CAR,
    MAIN_RATES,
    PeriodAllowances,
    SingleAssetYear,
    car_pool,
    main_rate,
)
from minimin.reports.selfassessment.class4_maximum import CLASS1_EMPLOYEE, Class4Maximum
from minimin.reports.selfassessment.compute import SelfAssessment
from minimin.reports.selfassessment.rates import PLAN_4

PLAN4_THRESHOLD, CLASS2_VOLUNTARY, CLASS1_FOR_MAXIMUM, HYBRID_MAIN_RATE = (
    "plan4_threshold",
    "class2_voluntary",
    "class1_for_class4_maximum",
    "hybrid_main_rate",
)

#: Tax years (first calendar year) whose figure is not yet checked against HMRC's rates.
PLAN4_UNCHECKED = frozenset({2026})
CLASS2_UNCHECKED = frozenset({2026})
CLASS1_UNCHECKED = frozenset({2026})
#: The main pool rate changes whose hybrid rate's statutory wording is not checked.
HYBRID_UNCHECKED_FROM = frozenset({date(2026, 4, 6)})

Money = Callable[[int], str]
Day = Callable[[date], str]


def _pounds(pence: int) -> str:
    return format_pence(pence)


def _long_date(day: date) -> str:
    return str(format_date(day, "long", locale="en_GB"))


@dataclass(frozen=True)
class ProvisionalFigure:
    key: str
    #: What the figure is, as used in this estimate, and that it is not yet checked.
    note: LazyString


def provisional_figures(
    result: SelfAssessment,
    class4_maximum: Class4Maximum | None = None,
    period_allowances: Sequence[PeriodAllowances] = (),
    *,
    money: Money = _pounds,
    day: Day = _long_date,
) -> list[ProvisionalFigure]:
    """The provisional figures *result* (with the Class 4 maximum and the periods'
    capital allowances the page shows beside it) actually used; empty when none."""
    found = [
        _plan4(result, money),
        _class2(result, money),
        _class1(result, class4_maximum, money),
    ]
    found += [_hybrid(p, day) for p in period_allowances]
    return [f for f in found if f is not None]


def _plan4(result: SelfAssessment, money: Money) -> ProvisionalFigure | None:
    year = result.input.tax_year
    loan = next((loan for loan in result.student_loans if loan.plan == PLAN_4), None)
    if loan is None or year.start_year not in PLAN4_UNCHECKED:
        return None
    note = _l(
        "Plan 4 student loan threshold for %(year)s: %(threshold)s. This is the announced "
        "figure; it has not yet been checked against HMRC's published rates.",
        year=year.label,
        threshold=money(loan.threshold_pence),
    )
    return ProvisionalFigure(PLAN4_THRESHOLD, note)


def _class2(result: SelfAssessment, money: Money) -> ProvisionalFigure | None:
    """Only when the page offers voluntary Class 2 (the profit is below the threshold), as
    the page's own Class 2 line decides it."""
    table = result.table
    threshold, weekly = table.class2_small_profits_threshold_pence, table.class2_weekly_pence
    year = result.input.tax_year
    if year.start_year not in CLASS2_UNCHECKED or threshold is None or weekly is None:
        return None
    if result.trading_profit_pence >= threshold:
        return None
    note = _l(
        "Voluntary Class 2 National Insurance for %(year)s: %(weekly)s a week (%(annual)s for "
        "the year), and the small profits threshold of %(threshold)s. These are the announced "
        "figures; they have not yet been checked against HMRC's published rates.",
        year=year.label,
        weekly=money(weekly),
        annual=money(table.class2_annual_pence or 0),
        threshold=money(threshold),
    )
    return ProvisionalFigure(CLASS2_VOLUNTARY, note)


def _class1(
    result: SelfAssessment, maximum: Class4Maximum | None, money: Money
) -> ProvisionalFigure | None:
    year = result.input.tax_year
    if maximum is None or year.start_year not in CLASS1_UNCHECKED:
        return None
    threshold, upper, rate = CLASS1_EMPLOYEE[year.start_year]
    note = _l(
        "Class 1 National Insurance on your salary for %(year)s, used for your Class 4 annual "
        "maximum: %(rate)s%% of pay between %(threshold)s and %(upper)s. These are the "
        "announced figures; they have not yet been checked against HMRC's published rates.",
        year=year.label,
        rate=str(rate),
        threshold=money(threshold),
        upper=money(upper),
    )
    return ProvisionalFigure(CLASS1_FOR_MAXIMUM, note)


def _main_rate_single(single: SingleAssetYear) -> bool:
    """A private-use asset's own pool written down at the main rate this period."""
    asset = single.asset
    special = asset.kind == CAR and car_pool(asset.purchase()) == "special"
    return single.full_allowance_pence > 0 and not special


def _hybrid(allowances: PeriodAllowances, day: Day) -> ProvisionalFigure | None:
    period = allowances.period
    change = next(
        (
            (i, since)
            for i, (since, _rate) in enumerate(MAIN_RATES)
            if since in HYBRID_UNCHECKED_FROM and period.start < since <= period.end
        ),
        None,
    )
    used = allowances.allowances.main_wda_pence > 0 or any(
        _main_rate_single(s) for s in allowances.singles
    )
    if change is None or not used:
        return None
    index, since = change
    note = _l(
        "Main pool writing-down allowance for your accounting period %(start)s to %(end)s: the "
        "rate changes from %(before)s%% to %(after)s%% on %(change)s, so a blended rate of "
        "%(rate)s%% is used (each rate for its share of the days, rounded up). This follows "
        "HMRC's method for earlier rate changes; the Finance Act 2026 wording has not yet been "
        "checked.",
        start=day(period.start),
        end=day(period.end),
        before=str(MAIN_RATES[index - 1][1]),
        after=str(MAIN_RATES[index][1]),
        change=day(since),
        rate=str(main_rate(period)),
    )
    return ProvisionalFigure(HYBRID_MAIN_RATE, note)
