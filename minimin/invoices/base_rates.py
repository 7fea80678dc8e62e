"""Bank of England Bank Rate history (per cent), for statutory late-payment interest.

One versioned table: add a row when the Bank changes the rate (docs/reports.md, "Statutory
interest: keeping the Bank Rate table"). The Late Payment Act uses the rate in force on 30 June
or 31 December (see :func:`late_payment.reference_date`), so a cut announced in December
changes the rate of every debt falling due from the next 1 January.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

#: (effective from, Bank Rate %), oldest first.
BANK_RATE_CHANGES: tuple[tuple[date, Decimal], ...] = (
    (date(2020, 3, 19), Decimal("0.10")),
    (date(2021, 12, 16), Decimal("0.25")),
    (date(2022, 2, 3), Decimal("0.50")),
    (date(2022, 3, 17), Decimal("0.75")),
    (date(2022, 5, 5), Decimal("1.00")),
    (date(2022, 6, 16), Decimal("1.25")),
    (date(2022, 8, 4), Decimal("1.75")),
    (date(2022, 9, 22), Decimal("2.25")),
    (date(2022, 11, 3), Decimal("3.00")),
    (date(2022, 12, 15), Decimal("3.50")),
    (date(2023, 2, 2), Decimal("4.00")),
    (date(2023, 3, 23), Decimal("4.25")),
    (date(2023, 5, 11), Decimal("4.50")),
    (date(2023, 6, 22), Decimal("5.00")),
    (date(2023, 8, 3), Decimal("5.25")),
    (date(2024, 8, 1), Decimal("5.00")),
    (date(2024, 11, 7), Decimal("4.75")),
    (date(2025, 2, 6), Decimal("4.50")),
    (date(2025, 5, 8), Decimal("4.25")),
    (date(2025, 8, 7), Decimal("4.00")),
    (date(2025, 12, 18), Decimal("3.75")),
)

#: The last day the table was checked against the Bank's decisions (5 February 2026: held at
#: 3.75%). A reference date after it is shown with a
#: warning that the table may be out of date.
CHECKED_THROUGH = date(2026, 2, 5)


def bank_rate_on(day: date) -> Decimal:
    """The Bank Rate in force on *day* (the earliest recorded rate before the table starts)."""
    rate = BANK_RATE_CHANGES[0][1]
    for since, value in BANK_RATE_CHANGES:
        if since <= day:
            rate = value
    return rate


def is_checked(day: date) -> bool:
    """True when the table was checked against the Bank's history up to *day*."""
    return day <= CHECKED_THROUGH
