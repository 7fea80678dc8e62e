"""UK business dates: Europe/London local dates, tax years, MTD and VAT periods.

Timestamps are stored in UTC; business dates (job date, invoice date, tax point) are UK local
dates. The UK tax year runs 6 April to 5 April: ``TaxYear(2025)`` is 6 Apr 2025 - 5 Apr 2026,
labelled "2025/26".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from minimin.core.user_error import UserError

UK_TZ = ZoneInfo("Europe/London")
#: Years accepted from users (and by TaxYear.parse).
MIN_YEAR = 1900
MAX_YEAR = 2100


class DateError(UserError):
    """A date that cannot be accepted."""


# --------------------------------------------------------------------------- local dates


def utc_now() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(UTC)


def uk_today(now: datetime | None = None) -> date:
    """Today's date in the UK (Europe/London), or the UK date of the aware *now*."""
    return to_uk_date(now or utc_now())


def to_uk_date(moment: datetime) -> date:
    """The Europe/London calendar date of an aware datetime (naive datetimes are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("to_uk_date needs a timezone-aware datetime")
    return moment.astimezone(UK_TZ).date()


def uk_midnight_utc(day: date) -> datetime:
    """The UTC instant at which *day* starts in the UK (23:00 UTC the day before in summer)."""
    return datetime.combine(day, time(0), tzinfo=UK_TZ).astimezone(UTC)


def uk_day_bounds(day: date) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the UK calendar day *day* (23, 24 or 25 hours long)."""
    return uk_midnight_utc(day), uk_midnight_utc(day + timedelta(days=1))


def add_days(day: date, days: int) -> date:
    """*day* plus *days* calendar days (negative goes back)."""
    return day + timedelta(days=days)


def add_months(day: date, months: int) -> date:
    """*day* plus *months* months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def end_of_month(day: date) -> date:
    """The last day of *day*'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def payment_due_date(issued: date, days: int = 30, *, end_of_month_after: bool = False) -> date:
    """When an invoice issued on *issued* falls due under "*days* days" terms, or, with
    *end_of_month_after*, "end of the month following issue" (then *days* is ignored).
    30 days is the Late Payment Act default when no terms were agreed."""
    if end_of_month_after:
        return end_of_month(add_months(issued.replace(day=1), 1))
    if days < 0:
        raise ValueError("payment terms cannot be negative")
    return add_days(issued, days)


# --------------------------------------------------------------------------- tax years

_TAX_YEAR_RE = re.compile(r"\s*(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})\s*", re.ASCII)


@dataclass(frozen=True, order=True, slots=True)
class TaxYear:
    """A UK tax year, named by the calendar year in which it starts (6 April)."""

    start_year: int

    def __post_init__(self) -> None:
        if isinstance(self.start_year, bool) or not isinstance(self.start_year, int):
            raise TypeError("start_year must be int")
        if not MIN_YEAR <= self.start_year <= MAX_YEAR:
            raise DateError(
                _l("Enter a year between %(min)d and %(max)d.", min=MIN_YEAR, max=MAX_YEAR),
                code="year_range",
            )

    @classmethod
    def containing(cls, day: date) -> TaxYear:
        """The tax year that includes *day*."""
        return cls(day.year if day >= date(day.year, 4, 6) else day.year - 1)

    @classmethod
    def current(cls, today: date | None = None) -> TaxYear:
        """The tax year of *today* (default: the UK date now)."""
        return cls.containing(today or uk_today())

    @classmethod
    def parse(cls, text: str) -> TaxYear:
        """From "2025/26" (also "2025-26", "2025/2026"); the two years must be consecutive."""
        match = _TAX_YEAR_RE.fullmatch(text or "")
        if not match:
            raise DateError(_l("Enter a tax year like 2025/26."), code="invalid")
        first, second = int(match.group(1)), match.group(2)
        expected = f"{(first + 1) % 100:02d}" if len(second) == 2 else str(first + 1)
        if second != expected:
            raise DateError(_l("Enter a tax year like 2025/26."), code="invalid")
        return cls(first)

    @classmethod
    def range(cls, first: TaxYear, last: TaxYear) -> list[TaxYear]:
        """Tax years from *first* to *last* inclusive (empty if *last* is before *first*)."""
        return [cls(y) for y in range(first.start_year, last.start_year + 1)]

    @property
    def label(self) -> str:
        """ "2025/26"."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 6)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 4, 5)

    @property
    def filing_deadline(self) -> date:
        """Online return and balancing payment: 31 January after the tax year ends."""
        return date(self.start_year + 2, 1, 31)

    @property
    def payments_on_account(self) -> tuple[date, date]:
        """Due dates of this year's two payments on account: 31 Jan in it, 31 Jul after it."""
        return date(self.start_year + 1, 1, 31), date(self.start_year + 1, 7, 31)

    @property
    def keep_records_until(self) -> date:
        """Records are kept at least 5 years after the 31 January filing deadline."""
        return date(self.start_year + 7, 1, 31)

    def days(self) -> Iterator[date]:
        """Every date in the tax year."""
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __add__(self, years: int) -> TaxYear:
        return TaxYear(self.start_year + years)

    def __sub__(self, years: int) -> TaxYear:
        return TaxYear(self.start_year - years)

    @property
    def next(self) -> TaxYear:
        return self + 1

    @property
    def previous(self) -> TaxYear:
        return self - 1

    def __str__(self) -> str:
        return self.label


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """A reporting period: ``start``..``end`` inclusive, with its filing ``due`` date."""

    start: date
    end: date
    due: date
    number: int = 0

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


#: MTD ITSA standard update periods: (start month, start day, end month, end day, due month).
_MTD_STANDARD = ((4, 6, 7, 5, 8), (7, 6, 10, 5, 11), (10, 6, 1, 5, 2), (1, 6, 4, 5, 5))
#: Elected calendar update periods (same deadlines).
_MTD_CALENDAR = ((4, 1, 6, 30, 8), (7, 1, 9, 30, 11), (10, 1, 12, 31, 2), (1, 1, 3, 31, 5))


def mtd_quarters(tax_year: TaxYear, *, calendar_quarters: bool = False) -> list[Period]:
    """The four MTD ITSA quarterly update periods of *tax_year*, each due on the 7th of the
    month after it ends (7 Aug, 7 Nov, 7 Feb, 7 May). Updates are cumulative from the start
    of the first period. With *calendar_quarters* the periods end 30 Jun/30 Sep/31 Dec/31 Mar."""
    table = _MTD_CALENDAR if calendar_quarters else _MTD_STANDARD
    periods = []
    for number, (sm, sd, em, ed, dm) in enumerate(table, start=1):
        start_year = tax_year.start_year + (1 if sm < 4 else 0)
        end_year = start_year + (1 if (em, ed) < (sm, sd) else 0)
        due_year = end_year if dm > em else end_year + 1
        periods.append(
            Period(date(start_year, sm, sd), date(end_year, em, ed), date(due_year, dm, 7), number)
        )
    return periods


def mtd_quarter_containing(day: date, *, calendar_quarters: bool = False) -> Period:
    """The MTD quarterly period that includes *day*."""
    year = TaxYear.containing(day)
    candidates = mtd_quarters(year, calendar_quarters=calendar_quarters)
    if calendar_quarters:
        # 1-5 April fall in the calendar Q1 of the tax year that starts on 6 April
        candidates += mtd_quarters(year + 1, calendar_quarters=True)[:1]
    for period in candidates:
        if day in period:
            return period
    raise AssertionError("MTD periods cover every day")  # pragma: no cover


#: Months in which VAT quarters end, by stagger.
VAT_STAGGERS = {1: (3, 6, 9, 12), 2: (4, 7, 10, 1), 3: (5, 8, 11, 2)}


def vat_return_due(period_end: date) -> date:
    """An MTD VAT return (and payment) is due one calendar month and 7 days after the period
    ends (the last day of the next month + 7 days: 31 Mar -> 7 May, 28 Feb -> 7 Apr)."""
    return end_of_month(add_months(period_end.replace(day=1), 1)) + timedelta(days=7)


def vat_quarter_containing(day: date, stagger: int) -> Period:
    """The VAT quarter including *day* for stagger 1 (ends Mar/Jun/Sep/Dec), 2 (Apr/Jul/Oct/
    Jan) or 3 (May/Aug/Nov/Feb)."""
    if stagger not in VAT_STAGGERS:
        raise ValueError("VAT stagger must be 1, 2 or 3")
    offset = stagger - 1  # quarters end in months where (month - stagger) % 3 == 0
    months_to_end = (offset - day.month) % 3
    end = end_of_month(add_months(day.replace(day=1), months_to_end))
    start = add_months(end.replace(day=1), -2)
    number = VAT_STAGGERS[stagger].index(end.month) + 1
    return Period(start, end, vat_return_due(end), number)


def vat_quarters(stagger: int, first: date, last: date) -> list[Period]:
    """The VAT quarters for *stagger* that overlap *first*..*last*, in order."""
    periods = []
    period = vat_quarter_containing(first, stagger)
    while period.start <= last:
        periods.append(period)
        period = vat_quarter_containing(period.end + timedelta(days=1), stagger)
    return periods


# --------------------------------------------------------------------------- parsing

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d+)", re.ASCII)
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d+)", re.ASCII | re.I)


def _split_date(text: str) -> tuple[str, str, str]:
    """(year, month, day) strings from ISO, UK numeric (6/4/2025) or "6 April 2025" text."""
    if match := _ISO.fullmatch(text):
        return match.group(1), match.group(2), match.group(3)
    if match := _NUMERIC.fullmatch(text):
        return match.group(3), match.group(2), match.group(1)
    if match := _WORDS.fullmatch(text):
        month = _MONTHS.get(match.group(2).lower())
        if month is None:
            raise DateError(_l("Unknown month name."), code="invalid")
        return match.group(3), str(month), match.group(1)
    raise DateError(_l("Enter a date like 6/4/2025 or 2025-04-06."), code="invalid")


def parse_uk_date(text: Any, *, min_year: int = MIN_YEAR, max_year: int = MAX_YEAR) -> date:
    """Parse a UK date: "2025-04-06" (what date inputs send), "6/4/2025", "06.04.2025",
    "6 April 2025", "6 Apr 2025". Day before month. Raises :class:`DateError` for empty
    input, garbage, a two-digit year, a year outside *min_year*..*max_year* and dates that do
    not exist ("30 February 2025 does not exist.")."""
    if not isinstance(text, str) or not text.strip():
        raise DateError(_l("Enter a date."), code="empty")
    if len(text) > 40:
        raise DateError(_l("Enter a date like 6/4/2025 or 2025-04-06."), code="invalid")
    year_s, month_s, day_s = _split_date(" ".join(text.split()))
    if len(year_s) != 4:
        raise DateError(_l("Enter the year in full, like 2025."), code="year")
    year, month, day = int(year_s), int(month_s), int(day_s)
    if not min_year <= year <= max_year:
        raise DateError(
            _l("Enter a year between %(min)d and %(max)d.", min=min_year, max=max_year),
            code="year_range",
        )
    if not 1 <= month <= 12:
        raise DateError(_l("Enter a month from 1 to 12."), code="month")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateError(
            _l("That date does not exist: the month has %(last)d days.", last=last),
            code="no_such_day",
        )
    return date(year, month, day)
