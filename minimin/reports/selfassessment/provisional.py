"""The figures an estimate used that are still to be confirmed: announced (or reported) rates
that could not be checked against HMRC's published rates when they were entered, and the
transition profit share that rests on what the user entered. The page names each one the
calculation actually used, so a user who files on the estimate knows what to check. Pure:
no database; the notes are lazy translations, the money and dates come formatted by the
caller's formatters (the page passes its own, so they read as the page's figures).

Which figures, and why each is provisional (the source comments say more):

* Plan 4 student loan threshold for 2026/27 (:mod:`.rates`).
* Voluntary Class 2 for 2026/27: the weekly rate and the small profits threshold
  (:mod:`minimin.reports.tax_tables`). The page's Class 2 line quotes the threshold whether or
  not the profit is below it, so the threshold is named whenever that line does; the weekly
  rate only when voluntary Class 2 is offered (the profit is below the threshold).
* The Class 1 threshold, upper earnings limit and main rate for 2026/27 that the Class 4
  annual maximum is worked from (:mod:`.class4_maximum`); only when a salary gave one.
* The hybrid main pool writing-down rate of a period of account spanning 6 April 2026
  (:mod:`.capital_allowances`: the Finance Act 2026 wording is not checked). This can apply to
  a 2025/26 estimate too: with an accounting date other than 5 April, the period ending in
  2026/27 shares its profit (after its allowances) with 2025/26.
* The share of the 2023/24 transition profit taxed this year (:mod:`.basis_period`). Not an
  announced rate but what the user entered and a reading of the rules: the whole transition
  profit comes from the user's 2023/24 return, "a fifth a year or what is left" is read from
  guidance (the Schedule's wording is not checked), earlier years' elections are those entered
  in Minimin for those years (none where a year was not entered) and the trade is taken to go
  on (a cessation would tax everything left at once). Named whenever the estimate shows a
  share, with only the points that apply to that year.

Each figure names the line of the estimate that quotes it (or rests on it): that line is
marked "(to be confirmed)", linking to the figure's note in the box.

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
from minimin.reports.selfassessment.basis_period import (
    FIRST_SPREAD_YEAR,
    SPREAD_YEARS,
    SpreadYear,
)
from minimin.reports.selfassessment.capital_allowances import (
    CAR,
    MAIN_RATES,
    ChargeablePeriod,
    PeriodAllowances,
    SingleAssetYear,
    car_pool,
    main_rate,
)
from minimin.reports.selfassessment.class4_maximum import CLASS1_EMPLOYEE, Class4Maximum
from minimin.reports.selfassessment.compute import SelfAssessment
from minimin.reports.selfassessment.rates import PLAN_4

(
    PLAN4_THRESHOLD,
    CLASS2_VOLUNTARY,
    CLASS2_THRESHOLD,
    CLASS1_FOR_MAXIMUM,
    HYBRID_MAIN_RATE,
    TRANSITION_SHARE,
) = (
    "plan4_threshold",
    "class2_voluntary",
    "class2_threshold",
    "class1_for_class4_maximum",
    "hybrid_main_rate",
    "transition_share",
)

#: The estimate's lines that quote a figure to be confirmed (the template marks them).
PLAN4_LINE, CLASS2_LINE, CLASS4_MAXIMUM_LINE, TRANSITION_LINE = (
    "plan4",
    "class2",
    "class4_maximum",
    "transition",
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


def allowances_line(period: ChargeablePeriod) -> str:
    """The writing-down allowances line of *period* on the page."""
    return f"wda-{period.start.isoformat()}"


@dataclass(frozen=True)
class ProvisionalFigure:
    key: str
    #: What the figure is, as used in this estimate, and that it is not yet checked.
    note: LazyString
    #: The line of the estimate that quotes the figure (or whose amount rests on it).
    line: str
    #: An announced rate not yet checked (``False``: a figure the user entered, or a reading
    #: of the rules, to confirm with the return).
    announced: bool = True

    @property
    def anchor(self) -> str:
        """The id of the figure's note in the box, which its line links to."""
        return f"sa-confirm-{self.line}"


def provisional_figures(
    result: SelfAssessment,
    class4_maximum: Class4Maximum | None = None,
    period_allowances: Sequence[PeriodAllowances] = (),
    *,
    spread: SpreadYear | None = None,
    money: Money = _pounds,
    day: Day = _long_date,
) -> list[ProvisionalFigure]:
    """The provisional figures *result* (with the Class 4 maximum, the periods' capital
    allowances and the year's transition profit share the page shows beside it) actually
    used; empty when none."""
    found = [
        _plan4(result, money),
        _class2(result, money),
        _class1(result, class4_maximum, money),
    ]
    found += [_hybrid(p, day) for p in period_allowances]
    found.append(_transition(spread, money))
    return [f for f in found if f is not None]


def marked_lines(figures: Sequence[ProvisionalFigure]) -> dict[str, str]:
    """Each marked line of the estimate and the anchor of its note."""
    return {f.line: f.anchor for f in figures}


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
    return ProvisionalFigure(PLAN4_THRESHOLD, note, PLAN4_LINE)


def _class2(result: SelfAssessment, money: Money) -> ProvisionalFigure | None:
    """Whenever the page's Class 2 line quotes the threshold; with the weekly rate when the
    line offers voluntary Class 2 (the profit is below the threshold), as that line decides
    it."""
    table = result.table
    threshold, weekly = table.class2_small_profits_threshold_pence, table.class2_weekly_pence
    year = result.input.tax_year
    if year.start_year not in CLASS2_UNCHECKED or threshold is None:
        return None
    if result.trading_profit_pence >= threshold or weekly is None:
        note = _l(
            "Class 2 National Insurance small profits threshold for %(year)s: %(threshold)s. "
            "This is the announced figure; it has not yet been checked against HMRC's "
            "published rates.",
            year=year.label,
            threshold=money(threshold),
        )
        return ProvisionalFigure(CLASS2_THRESHOLD, note, CLASS2_LINE)
    note = _l(
        "Voluntary Class 2 National Insurance for %(year)s: %(weekly)s a week (%(annual)s for "
        "the year), and the small profits threshold of %(threshold)s. These are the announced "
        "figures; they have not yet been checked against HMRC's published rates.",
        year=year.label,
        weekly=money(weekly),
        annual=money(table.class2_annual_pence or 0),
        threshold=money(threshold),
    )
    return ProvisionalFigure(CLASS2_VOLUNTARY, note, CLASS2_LINE)


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
    return ProvisionalFigure(CLASS1_FOR_MAXIMUM, note, CLASS4_MAXIMUM_LINE)


def at_main_rate(single: SingleAssetYear) -> bool:
    """A private-use asset's own pool written down at the main rate this period (its line is
    marked with the period's writing-down allowances when the rate is a hybrid one)."""
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
        at_main_rate(s) for s in allowances.singles
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
    return ProvisionalFigure(HYBRID_MAIN_RATE, note, allowances_line(period))


def _transition(spread: SpreadYear | None, money: Money) -> ProvisionalFigure | None:
    """Whenever the estimate shows a share of the transition profit: it rests on the figures
    the user entered and on a reading of the spreading rules. Only the points that bear on
    this year are named: earlier years' elections from 2024/25, this year's election when
    one was made, a cessation before the last year of the spread."""
    if spread is None:
        return None
    year = spread.tax_year
    parts = [
        _l(
            "Transition profit taxed in %(year)s: %(taxed)s, worked from the transition "
            "profit you entered from your 2023/24 return (after overlap relief): check that "
            "figure against that return.",
            year=year.label,
            taxed=money(spread.taxed_pence),
        ),
        _l(
            "The standard share (%(standard)s) assumes a fifth of it is taxed each year from "
            "2023/24 to 2027/28, or what is left; this follows HMRC's guidance, and the "
            "legislation's wording has not yet been checked.",
            standard=money(spread.standard_pence),
        ),
    ]
    if year.start_year > FIRST_SPREAD_YEAR:
        parts.append(
            _l(
                "Extra amounts you elected to be taxed in earlier years are those entered "
                "here for those years; a year you did not enter counts as none."
            )
        )
    if spread.accelerated_pence:
        parts.append(
            _l(
                "The extra %(extra)s this year is the amount you entered as elected: check "
                "it is the amount on your return.",
                extra=money(spread.accelerated_pence),
            )
        )
    if year.start_year < FIRST_SPREAD_YEAR + SPREAD_YEARS - 1:
        parts.append(
            _l(
                "It assumes the business carries on: if it stopped trading in %(year)s, all "
                "the transition profit left is taxed this year.",
                year=year.label,
            )
        )
    note = LazyString(lambda: " ".join(str(part) for part in parts))
    return ProvisionalFigure(TRANSITION_SHARE, note, TRANSITION_LINE, announced=False)
