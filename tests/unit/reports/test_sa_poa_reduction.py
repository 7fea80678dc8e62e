"""Claims to reduce payments on account (SA303): cases worked by hand.

Rules in minimin/reports/selfassessment/poa_reduction.py: each payment reduced to half of the
expected bill (never increased); interest on the shortfall against half of the actual bill (at
most the original payment) from each due date to payment, at Bank Rate + 4% (7.75% with Bank
Rate at 3.75%, minimin/invoices/base_rates.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from minimin.reports.selfassessment.poa_reduction import interest_if_too_low, reduced_payments

# Payments on account for 2026/27: 31 January 2027 and 31 July 2027; balancing 31 January 2028.
DUE = (date(2027, 1, 31), date(2027, 7, 31))
BALANCING = date(2028, 1, 31)


def test_reduced_to_half_of_the_expected_bill():
    # Last year's bill £8,000: £4,000 each. Expected £5,000: £2,500 each, £3,000 less paid.
    claim = reduced_payments(4_000_00, 5_000_00)
    assert claim.reduced_each_pence == 2_500_00
    assert claim.saved_now_pence == 3_000_00


def test_a_claim_never_increases_the_payments():
    assert reduced_payments(4_000_00, 12_000_00).reduced_each_pence == 4_000_00
    assert reduced_payments(4_000_00, -1_00).reduced_each_pence == 0


def test_claim_right_or_too_high_costs_no_interest():
    claim = reduced_payments(4_000_00, 5_000_00)
    assert interest_if_too_low(claim, 5_000_00, DUE, BALANCING).interest_pence == 0
    assert interest_if_too_low(claim, 3_000_00, DUE, BALANCING).interest_pence == 0


def test_claim_too_low_pays_interest_on_the_difference_from_each_date():
    # Reduced to £2,500 each; the actual bill is £7,000, so £3,500 each was due: £1,000 short
    # on each. First: 365 days (1 Feb 2027 to 31 Jan 2028) x 7.75% = 77.50. Second: 184 days
    # (1 Aug 2027 to 31 Jan 2028): 1,000 x 7.75% x 184/365 = 39.068.
    claim = reduced_payments(4_000_00, 5_000_00)
    result = interest_if_too_low(claim, 7_000_00, DUE, BALANCING)
    assert result.shortfall_each_pence == 1_000_00
    assert result.first_interest_pence == 77_50
    assert result.second_interest_pence == 39_06
    assert result.interest_pence == 116_56


def test_shortfall_never_counts_above_the_original_payment():
    # Reduced to nil; the actual bill £20,000 would be £10,000 each, but only the original
    # £4,000 was ever due: interest on £4,000 = 310.00 + 156.273.
    claim = reduced_payments(4_000_00, 0)
    result = interest_if_too_low(claim, 20_000_00, DUE, BALANCING)
    assert result.should_have_paid_each_pence == 4_000_00
    assert result.interest_pence == 310_00 + 156_27


def test_negative_payment_is_refused():
    with pytest.raises(ValueError):
        reduced_payments(-1, 0)
