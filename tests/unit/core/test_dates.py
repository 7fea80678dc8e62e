"""UK dates: tax years, local dates around the clock changes, MTD and VAT periods, parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.core.dates import (
    DateError,
    TaxYear,
    add_days,
    add_months,
    mtd_quarter_containing,
    mtd_quarters,
    parse_uk_date,
    payment_due_date,
    to_uk_date,
    uk_day_bounds,
    uk_midnight_utc,
    uk_today,
    vat_quarter_containing,
    vat_quarters,
    vat_return_due,
)

days = st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31))


# --------------------------------------------------------------------------- tax years


def test_tax_year_2025_26():
    year = TaxYear(2025)
    assert year.label == "2025/26"
    assert str(year) == "2025/26"
    assert year.start == date(2025, 4, 6)
    assert year.end == date(2026, 4, 5)
    assert year.filing_deadline == date(2027, 1, 31)
    assert year.payments_on_account == (date(2026, 1, 31), date(2026, 7, 31))
    assert year.keep_records_until == date(2032, 1, 31)


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (date(2025, 4, 5), 2024),
        (date(2025, 4, 6), 2025),
        (date(2026, 1, 1), 2025),
        (date(2026, 4, 5), 2025),
        (date(2026, 4, 6), 2026),
    ],
)
def test_tax_year_containing_boundaries(day, start_year):
    assert TaxYear.containing(day) == TaxYear(start_year)
    assert day in TaxYear(start_year)
    assert day not in TaxYear(start_year + 1)


def test_tax_year_parse():
    assert TaxYear.parse("2025/26") == TaxYear(2025)
    assert TaxYear.parse(" 2025-26 ") == TaxYear(2025)
    assert TaxYear.parse("2025/2026") == TaxYear(2025)
    assert TaxYear.parse("2099/00") == TaxYear(2099)
    assert TaxYear(2099).label == "2099/00"


@pytest.mark.parametrize(
    "text", ["2025/27", "2025", "25/26", "", "abcd/ef", "2025/2027", "3000/01"]
)
def test_tax_year_parse_refuses(text):
    with pytest.raises(DateError):
        TaxYear.parse(text)


def test_tax_year_range_and_arithmetic():
    years = TaxYear.range(TaxYear(2023), TaxYear(2025))
    assert [y.label for y in years] == ["2023/24", "2024/25", "2025/26"]
    assert TaxYear(2025).next == TaxYear(2026)
    assert TaxYear(2025).previous == TaxYear(2024)
    assert TaxYear(2024) < TaxYear(2025)
    assert sum(1 for _ in TaxYear(2023).days()) == 366  # includes 29 Feb 2024
    assert TaxYear.range(TaxYear(2025), TaxYear(2024)) == []
    with pytest.raises(DateError):
        TaxYear(1800)


# Days whose tax year has a neighbour on each side inside the supported range (1900-2100).
inner_days = st.dates(min_value=date(1901, 4, 6), max_value=date(2099, 4, 5))


@given(inner_days)
def test_every_day_is_in_exactly_one_tax_year(day):
    year = TaxYear.containing(day)
    assert year.start <= day <= year.end
    assert day not in year.next and day not in year.previous
    assert TaxYear.parse(year.label) == year


def test_current_tax_year_uses_the_given_day():
    assert TaxYear.current(date(2025, 4, 6)) == TaxYear(2025)
    assert TaxYear.current() == TaxYear.containing(uk_today())


# --------------------------------------------------------------------------- local dates


def test_uk_date_around_midnight_in_summer_and_winter():
    # 23:30 UTC on 30 June is 00:30 BST on 1 July
    assert to_uk_date(datetime(2025, 6, 30, 23, 30, tzinfo=UTC)) == date(2025, 7, 1)
    # 23:30 UTC in January is still the same day (GMT)
    assert to_uk_date(datetime(2025, 1, 30, 23, 30, tzinfo=UTC)) == date(2025, 1, 30)
    assert uk_today(datetime(2025, 4, 5, 23, 30, tzinfo=UTC)) == date(2025, 4, 6)
    assert to_uk_date(datetime(2025, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=5)))) == date(
        2024, 12, 31
    )
    with pytest.raises(ValueError):
        to_uk_date(datetime(2025, 1, 1))  # naive


def test_uk_midnight_in_utc_and_day_length():
    assert uk_midnight_utc(date(2025, 7, 1)) == datetime(2025, 6, 30, 23, 0, tzinfo=UTC)
    assert uk_midnight_utc(date(2025, 1, 1)) == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    start, end = uk_day_bounds(date(2025, 3, 30))  # clocks go forward: 23 hours
    assert end - start == timedelta(hours=23)
    start, end = uk_day_bounds(date(2025, 10, 26))  # clocks go back: 25 hours
    assert end - start == timedelta(hours=25)


@given(days)
def test_midnight_round_trips_to_the_same_uk_date(day):
    assert to_uk_date(uk_midnight_utc(day)) == day
    assert to_uk_date(uk_midnight_utc(day) - timedelta(microseconds=1)) == day - timedelta(days=1)


def test_add_days_months_and_payment_terms():
    assert add_days(date(2025, 12, 31), 1) == date(2026, 1, 1)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)
    assert payment_due_date(date(2025, 1, 15)) == date(2025, 2, 14)
    assert payment_due_date(date(2025, 1, 15), 14) == date(2025, 1, 29)
    assert payment_due_date(date(2025, 1, 15), 0) == date(2025, 1, 15)
    assert payment_due_date(date(2025, 1, 15), end_of_month_after=True) == date(2025, 2, 28)
    assert payment_due_date(date(2025, 12, 1), end_of_month_after=True) == date(2026, 1, 31)
    with pytest.raises(ValueError):
        payment_due_date(date(2025, 1, 15), -1)


# --------------------------------------------------------------------------- MTD and VAT periods


def test_mtd_standard_quarters_2025_26():
    quarters = mtd_quarters(TaxYear(2025))
    assert [(q.start, q.end, q.due) for q in quarters] == [
        (date(2025, 4, 6), date(2025, 7, 5), date(2025, 8, 7)),
        (date(2025, 7, 6), date(2025, 10, 5), date(2025, 11, 7)),
        (date(2025, 10, 6), date(2026, 1, 5), date(2026, 2, 7)),
        (date(2026, 1, 6), date(2026, 4, 5), date(2026, 5, 7)),
    ]
    assert [q.number for q in quarters] == [1, 2, 3, 4]


def test_mtd_calendar_quarters():
    quarters = mtd_quarters(TaxYear(2026), calendar_quarters=True)
    assert [(q.start, q.end, q.due) for q in quarters] == [
        (date(2026, 4, 1), date(2026, 6, 30), date(2026, 8, 7)),
        (date(2026, 7, 1), date(2026, 9, 30), date(2026, 11, 7)),
        (date(2026, 10, 1), date(2026, 12, 31), date(2027, 2, 7)),
        (date(2027, 1, 1), date(2027, 3, 31), date(2027, 5, 7)),
    ]
    assert mtd_quarter_containing(date(2026, 4, 3), calendar_quarters=True).start == date(
        2026, 4, 1
    )


@given(days, st.booleans())
def test_every_day_is_in_one_mtd_quarter(day, calendar_quarters):
    period = mtd_quarter_containing(day, calendar_quarters=calendar_quarters)
    assert period.start <= day <= period.end
    assert period.due > period.end


@pytest.mark.parametrize(
    ("stagger", "day", "start", "end", "due"),
    [
        (1, date(2025, 2, 10), date(2025, 1, 1), date(2025, 3, 31), date(2025, 5, 7)),
        (1, date(2025, 12, 31), date(2025, 10, 1), date(2025, 12, 31), date(2026, 2, 7)),
        (2, date(2025, 1, 15), date(2024, 11, 1), date(2025, 1, 31), date(2025, 3, 7)),
        (2, date(2025, 4, 30), date(2025, 2, 1), date(2025, 4, 30), date(2025, 6, 7)),
        (3, date(2025, 2, 28), date(2024, 12, 1), date(2025, 2, 28), date(2025, 4, 7)),
        (3, date(2024, 2, 29), date(2023, 12, 1), date(2024, 2, 29), date(2024, 4, 7)),
        (3, date(2025, 3, 1), date(2025, 3, 1), date(2025, 5, 31), date(2025, 7, 7)),
    ],
)
def test_vat_quarters_by_stagger(stagger, day, start, end, due):
    period = vat_quarter_containing(day, stagger)
    assert (period.start, period.end, period.due) == (start, end, due)


def test_vat_quarters_list_and_due_dates():
    quarters = vat_quarters(1, date(2025, 1, 1), date(2025, 12, 31))
    assert [q.end for q in quarters] == [
        date(2025, 3, 31),
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
    ]
    assert vat_return_due(date(2025, 3, 31)) == date(2025, 5, 7)
    with pytest.raises(ValueError):
        vat_quarter_containing(date(2025, 1, 1), 4)


@given(days, st.sampled_from([1, 2, 3]))
def test_vat_quarters_tile_the_calendar(day, stagger):
    period = vat_quarter_containing(day, stagger)
    assert day in period
    following = vat_quarter_containing(period.end + timedelta(days=1), stagger)
    assert following.start == period.end + timedelta(days=1)
    assert period.end.month in {1: (3, 6, 9, 12), 2: (4, 7, 10, 1), 3: (5, 8, 11, 2)}[stagger]


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-06", date(2025, 4, 6)),
        ("6/4/2025", date(2025, 4, 6)),
        ("06/04/2025", date(2025, 4, 6)),
        ("06.04.2025", date(2025, 4, 6)),
        ("6 April 2025", date(2025, 4, 6)),
        ("6th Apr 2025", date(2025, 4, 6)),
        ("29/2/2024", date(2024, 2, 29)),
        ("  1 sept  2025 ", date(2025, 9, 1)),
    ],
)
def test_parse_uk_date_accepts(text, expected):
    assert parse_uk_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("30/2/2025", "no_such_day"),
        ("29/2/2025", "no_such_day"),
        ("31 April 2025", "no_such_day"),
        ("2025-02-30", "no_such_day"),
        ("0/1/2025", "no_such_day"),
        ("1/13/2025", "month"),
        ("1/1/1899", "year_range"),
        ("1/1/2101", "year_range"),
        ("1/1/25", "year"),
        ("1/1/99999", "year"),
        ("tomorrow", "invalid"),
        ("1 Foo 2025", "invalid"),
        ("2025-04-06T00:00", "invalid"),
    ],
)
def test_parse_uk_date_refuses(text, code):
    with pytest.raises(DateError) as info:
        parse_uk_date(text)
    assert info.value.code == code
    assert str(info.value)


def test_thirty_february_message_is_clear():
    with pytest.raises(DateError, match="does not exist: the month has 28 days"):
        parse_uk_date("30/02/2025")


@given(days)
def test_iso_and_uk_forms_round_trip(day):
    assert parse_uk_date(day.isoformat()) == day
    assert parse_uk_date(day.strftime("%d/%m/%Y")) == day
