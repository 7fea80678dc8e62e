"""Payments on account at exactly 80%, Scottish 2026/27 bands and Class 2 by the small
profits threshold: cases worked by hand.

Sources: DOMAIN.md (payments on account need MORE than 80% at source to be excused; Class 2
treated as paid at or above the small profits threshold). Scottish 2026/27 bands: Scottish
Budget of 13 January 2026 as ICAEW summarised it (starter to £16,537, basic to £29,526,
intermediate to £43,662, higher to £75,000, advanced to £125,140); the Scottish Parliament's
table of 2026/27 liabilities (£20,000: £1,446; £30,000: £3,451; £60,000: £13,182) agrees
with the worked figures below. Class 2 for 2026/27 (£3.65 a week, threshold £7,105) is from
a secondary summary, not a gov.uk page: unverified against HMRC.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from minimin.core.dates import TaxYear
from minimin.reports.tax import EstimateInput, estimate
from minimin.reports.tax_tables import SCOTLAND, table_for

Y2526 = TaxYear(2025)
Y2627 = TaxYear(2026)


def pounds(value: str) -> int:
    return int(Decimal(value) * 100)


# ----------------------------------------------------------------- payments on account at 80%


def test_exactly_80_percent_at_source_still_needs_payments_on_account():
    # Salary £60,000 (2025/26): tax 37,700 x 20% + 9,730 x 40% = 7,540 + 3,892 = £11,432.
    # 80% of it is £9,145.60 collected by PAYE: the bill of £2,286.40 still needs
    # payments on account of £1,143.20 each.
    result = estimate(
        EstimateInput(
            Y2526, 0, salary_pence=pounds("60000"), tax_paid_at_source_pence=pounds("9145.60")
        )
    )
    assert result.income_tax_pence == pounds("11432")
    assert result.self_assessment_pence == pounds("2286.40")
    assert result.payments_on_account_required
    assert result.payment_on_account_pence == pounds("1143.20")


def test_a_penny_over_80_percent_at_source_excuses_them():
    result = estimate(
        EstimateInput(
            Y2526, 0, salary_pence=pounds("60000"), tax_paid_at_source_pence=pounds("9145.61")
        )
    )
    assert result.self_assessment_pence == pounds("2286.39")
    assert not result.payments_on_account_required
    assert result.payment_on_account_pence == 0


def test_under_80_percent_at_source_needs_them():
    # Same income, £9,000 at source (78.7%): bill £2,432, £1,216 on account twice.
    result = estimate(
        EstimateInput(
            Y2526, 0, salary_pence=pounds("60000"), tax_paid_at_source_pence=pounds("9000")
        )
    )
    assert result.payments_on_account_required
    assert result.payment_on_account_pence == pounds("1216")


# ---------------------------------------------------------------- Scottish bands 2026/27


@pytest.mark.parametrize(
    ("gross", "tax"),
    [
        # Taxable 7,430: 3,967 x 19% = 753.73 + 3,463 x 20% = 692.60.
        ("20000", "1446.33"),
        # Taxable 17,430: 753.73 + 12,989 x 20% = 2,597.80 + 474 x 21% = 99.54.
        ("30000", "3451.07"),
        # Taxable 47,430: 753.73 + 2,597.80 + 14,136 x 21% = 2,968.56 + 16,338 x 42% = 6,861.96.
        ("60000", "13182.05"),
        # The starter band's top (£16,537): 3,967 x 19%.
        ("16537", "753.73"),
        # The first pound of the intermediate band (£29,527): 753.73 + 2,597.80 + 0.21.
        ("29527", "3351.74"),
        # Below the allowance: nothing.
        ("12570", "0"),
    ],
)
def test_scottish_bands_2026_27(gross, tax):
    result = estimate(EstimateInput(Y2627, pounds(gross), regime=SCOTLAND))
    assert result.income_tax_pence == pounds(tax)


def test_scottish_2026_27_band_names_and_limits():
    bands = table_for(Y2627).bands_for(SCOTLAND)
    assert [b.name for b in bands] == [
        "starter",
        "basic",
        "intermediate",
        "higher",
        "advanced",
        "top",
    ]
    # On taxable income (after the £12,570 allowance).
    assert [b.upper_pence for b in bands] == [
        pounds("3967"),
        pounds("16956"),
        pounds("31092"),
        pounds("62430"),
        pounds("125140"),
        None,
    ]


def test_scottish_2026_27_at_80000_reaches_the_advanced_rate():
    # Taxable 67,430: 753.73 + 2,597.80 + 2,968.56 + 31,338 x 42% = 13,161.96
    # + 5,000 x 45% = 2,250: £21,732.05 (the Parliament's table: £21,732).
    result = estimate(EstimateInput(Y2627, pounds("80000"), regime=SCOTLAND))
    assert result.income_tax_pence == pounds("21732.05")
    assert result.income_tax_bands[-1].name == "advanced"


# ---------------------------------------------------------------------------- Class 2


@pytest.mark.parametrize(
    ("year", "profit", "treated", "offer"),
    [
        # 2026/27: £3.65 x 52 = £189.80, threshold £7,105.
        (Y2627, "7104", False, "189.80"),
        (Y2627, "7105", True, None),
        (Y2627, "40000", True, None),
        # 2025/26: £3.50 x 52 = £182, threshold £6,845.
        (Y2526, "6844", False, "182"),
        (Y2526, "6845", True, None),
        # A loss: below the threshold, voluntary Class 2 offered.
        (Y2526, "-500", False, "182"),
    ],
)
def test_class2_is_offered_only_below_the_small_profits_threshold(year, profit, treated, offer):
    result = estimate(EstimateInput(year, pounds(profit)))
    assert result.class2_treated_as_paid is treated
    assert result.class2_offer_pence == (pounds(offer) if offer else None)


def test_class2_2026_27_table():
    table = table_for(Y2627)
    assert table.class2_weekly_pence == 365
    assert table.class2_small_profits_threshold_pence == pounds("7105")
    assert table.class2_annual_pence == pounds("189.80")
