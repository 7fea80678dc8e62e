"""Relief for a trading loss against other income. Pure: no Flask, no database.

* **Sideways relief** (ITA 2007 s.64): a loss set against the total income of the year of the
  loss or the year before, all of that year's income (it cannot be limited to keep the
  personal allowance). The limit on income tax reliefs (ITA 2007 s.24A, HMRC helpsheet HS204
  and BIM85700, stored copies) caps it at the greater of £50,000 and 25% of adjusted total
  income; the cap does not apply to the part set against profits of the same trade.
* **Early years relief** (ITA 2007 s.72): a loss made in the tax year a trade starts or the
  next three is carried back against total income of the three years before the loss year,
  earliest first, each year all or nothing; the same cap applies per year.

Adjusted total income is total income less gross pension contributions (and payroll
giving): the caller works it out. Amounts in pence as given (income is in whole pounds
on the return, so the caller rounds it first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from minimin.core.dates import TaxYear

CAP_FLOOR_PENCE = 50_000_00
CAP_PERCENT = 25
EARLY_YEARS = 4
CARRY_BACK_YEARS = 3


@dataclass(frozen=True)
class Relief:
    used_pence: int
    left_pence: int


@dataclass(frozen=True)
class EarlyYearsRelief:
    used: tuple[tuple[TaxYear, int], ...]
    left_pence: int

    @property
    def used_pence(self) -> int:
        return sum(amount for _, amount in self.used)


def relief_cap(adjusted_total_income_pence: int) -> int:
    """The limit on income tax reliefs: the greater of £50,000 and 25% of adjusted total
    income."""
    return max(CAP_FLOOR_PENCE, max(adjusted_total_income_pence, 0) * CAP_PERCENT // 100)


def sideways_relief(
    loss_pence: int,
    total_income_pence: int,
    adjusted_total_income_pence: int,
    same_trade_profit_pence: int = 0,
) -> Relief:
    """A loss set against one year's total income, of which *same_trade_profit_pence* is
    profit of the same trade (not capped)."""
    if loss_pence < 0 or total_income_pence < 0 or same_trade_profit_pence < 0:
        raise ValueError("loss and income cannot be negative")
    if same_trade_profit_pence > total_income_pence:
        raise ValueError("the trade's profit is part of total income")
    uncapped = min(loss_pence, same_trade_profit_pence)
    other = total_income_pence - same_trade_profit_pence
    capped = min(loss_pence - uncapped, other, relief_cap(adjusted_total_income_pence))
    used = uncapped + capped
    return Relief(used, loss_pence - used)


def early_years_relief(
    loss_pence: int,
    loss_year: TaxYear,
    trade_started: TaxYear,
    total_income: Mapping[TaxYear, int],
    adjusted_total_income: Mapping[TaxYear, int] | None = None,
) -> EarlyYearsRelief:
    """A loss of one of the trade's first four tax years carried back against total income of
    the three years before, earliest first. *adjusted_total_income* defaults to the total
    income. A loss of a later year gets none (all of it left)."""
    if loss_pence < 0:
        raise ValueError("a loss cannot be negative")
    if not trade_started <= loss_year < trade_started + EARLY_YEARS:
        return EarlyYearsRelief((), loss_pence)
    ati = adjusted_total_income or total_income
    left = loss_pence
    used: list[tuple[TaxYear, int]] = []
    for back in range(CARRY_BACK_YEARS, 0, -1):
        year = loss_year - back
        income = total_income.get(year, 0)
        relief = sideways_relief(left, income, ati.get(year, income))
        if relief.used_pence:
            used.append((year, relief.used_pence))
        left = relief.left_pence
    return EarlyYearsRelief(tuple(used), left)
