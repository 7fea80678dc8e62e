"""What the page shows beside the payment timeline: from the estimate alone (2025/26)."""

from __future__ import annotations

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment.compute import OtherIncome, SAInput, self_assessment
from minimin.reports.selfassessment.timeline import timeline_extras

Y = TaxYear(2025)


def test_no_salary_no_class4_maximum_and_late_costs_for_each_payment():
    # Profit £60,000: three payments (balancing and two on account), four late costs each;
    # payments on account carry interest only.
    extras = timeline_extras(self_assessment(SAInput(Y, 60_000_00)))
    assert extras.class4_maximum is None
    assert [len(costs) for costs in extras.late] == [4, 4, 4]
    assert all(c.penalties.payment_pence == 0 for c in extras.late[1])
    assert extras.reduce_to_nil_interest is not None
    assert extras.reduce_to_nil_interest.shortfall_each_pence == 6_944_30


def test_over_state_pension_age_has_no_class4_maximum():
    data = SAInput(
        Y, 40_000_00, salary_pence=30_000_00, other=OtherIncome(over_state_pension_age=True)
    )
    assert timeline_extras(self_assessment(data)).class4_maximum is None


def test_small_bill_has_no_payments_on_account_to_reduce():
    # Profit £15,000: 2,430 x 20% + 2,430 x 6% = £631.80, under £1,000.
    extras = timeline_extras(self_assessment(SAInput(Y, 15_000_00)))
    assert extras.reduce_to_nil_interest is None
    assert len(extras.late) == 1
