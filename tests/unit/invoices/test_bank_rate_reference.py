"""The Bank Rate table and the reference rate every late-payment claim shows.

Figures checked against reports of the Bank of England's decisions: cut from 4.00% to 3.75%
on 18 December 2025, held at 3.75% on 5 February 2026 (the last decision the table was
checked against; DOMAIN.md's "3.75% on 30 June 2026" is not verified here).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from minimin.core.money import Money
from minimin.invoices import base_rates
from minimin.invoices.late_payment import claim_on, reference_date, statutory_rate


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2025, 8, 6), "4.25"),
        (date(2025, 8, 7), "4.00"),
        (date(2025, 12, 17), "4.00"),
        (date(2025, 12, 18), "3.75"),
        (date(2025, 12, 31), "3.75"),
        (date(2026, 2, 5), "3.75"),
    ],
)
def test_bank_rate_on_the_day(day, rate):
    assert base_rates.bank_rate_on(day) == Decimal(rate)


@pytest.mark.parametrize(
    ("due", "reference", "annual"),
    [
        # Due January to June: the rate on the previous 31 December.
        (date(2026, 1, 1), date(2025, 12, 31), "11.75"),
        (date(2026, 6, 30), date(2025, 12, 31), "11.75"),
        # Due July to December 2025: the rate on 30 June 2025 (4.25%), not the December cut.
        (date(2025, 12, 31), date(2025, 6, 30), "12.25"),
        (date(2025, 7, 1), date(2025, 6, 30), "12.25"),
    ],
)
def test_reference_rate_by_due_date(due, reference, annual):
    assert reference_date(due) == reference
    assert statutory_rate(base_rates.bank_rate_on(reference)) == Decimal(annual)


def test_claim_shows_its_reference_rate_and_date():
    # £1,000 due 15 Jan 2026, 30 days late on 14 Feb 2026: 3.75% + 8% = 11.75% a year;
    # 1,000 x 11.75% x 30 / 365 = 117.50 x 30 / 365 = 9.6575... -> £9.66; compensation £70.
    claim = claim_on(Money.of("1000"), date(2026, 1, 15), date(2026, 2, 14))
    assert claim.reference_rate == Decimal("3.75")
    assert claim.reference_date == date(2025, 12, 31)
    assert claim.annual_rate == Decimal("11.75")
    assert claim.days_late == 30
    assert claim.interest == Money.of("9.66")
    assert claim.total == Money.of("79.66")


def test_claim_before_the_cut_keeps_its_rate_for_life():
    # £2,000 due 10 Dec 2025: reference 30 Jun 2025 (4.25%), 12.25% a year; 73 days is a
    # fifth of a year: 2,000 x 12.25% / 5 = £49.00, even though the rate fell on 18 Dec.
    claim = claim_on(Money.of("2000"), date(2025, 12, 10), date(2026, 2, 21))
    assert claim.days_late == 73
    assert claim.annual_rate == Decimal("12.25")
    assert claim.interest == Money.of("49.00")


def test_table_is_oldest_first_and_its_checked_date_is_after_the_last_change():
    days = [day for day, _ in base_rates.BANK_RATE_CHANGES]
    assert days == sorted(days)
    assert base_rates.is_checked(days[-1])
    assert not base_rates.is_checked(date(2026, 6, 30))
