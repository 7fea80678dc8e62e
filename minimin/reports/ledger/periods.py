"""Periods and bases of the ledger: the cash and accruals bases, sterling, the longest range a
report accepts, and the check every statement makes of its period first."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from minimin.core.user_error import UserError

CASH = "cash"
ACCRUALS = "accruals"
BASES = (CASH, ACCRUALS)
GBP = "GBP"
#: The longest range a report accepts (a little over 20 years of history).
MAX_RANGE_DAYS = 366 * 21


class PeriodError(UserError):
    """A period that makes no sense."""


def check_period(start: date, end: date, basis: str = CASH) -> None:
    """Raise :class:`PeriodError` for an end before the start, an absurd range or an unknown
    basis."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise PeriodError(_l("Enter a start date and an end date."), code="missing")
    if end < start:
        raise PeriodError(_l("The end date is before the start date."), code="end_before_start")
    if (end - start).days > MAX_RANGE_DAYS:
        raise PeriodError(_l("Choose a period of at most 21 years."), code="too_long")
    if basis not in BASES:
        raise PeriodError(_l("Choose the cash basis or the accruals basis."), code="basis")
