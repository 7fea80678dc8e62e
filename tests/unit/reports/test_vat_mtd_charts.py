"""Pure parts of the VAT return, MTD and chart modules, computed by hand."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from decimal import Decimal

import pytest

from minimin.core.csvsafe import safe_cell
from minimin.core.dates import TaxYear
from minimin.reports import charts, mtd, vat_return


def test_hmrc_vat_body_and_exact_json() -> None:
    boxes = {1: 30_000, 2: 0, 3: 30_000, 4: 52_345, 5: -22_345, 6: 150_000, 7: 261_700, 8: 0, 9: 0}
    body = vat_return.hmrc_body(boxes, "25A1")
    assert body["netVatDue"] == Decimal("223.45")  # absolute value of box 5
    assert body["totalValuePurchasesExVAT"] == 2617
    text = vat_return.hmrc_json(body)
    assert '"vatReclaimedCurrPeriod": 523.45' in text
    assert json.loads(text)["finalised"] is True


def test_threshold_levels() -> None:
    pos = vat_return.ThresholdPosition
    day = dt.date(2025, 5, 1)
    assert pos(day, day, 7_199_999, 9_000_000).level == "ok"
    assert pos(day, day, 7_200_000, 9_000_000).level == "approaching"  # 80 %
    assert pos(day, day, 8_100_000, 9_000_000).level == "near"  # 90 %
    assert pos(day, day, 9_000_000, 9_000_000).level == "near"  # at, not over
    assert pos(day, day, 9_000_001, 9_000_000).level == "over"


def test_mtd_thresholds_by_year() -> None:
    assert mtd.threshold_for(TaxYear(2025)) is None
    assert mtd.threshold_for(TaxYear(2026)) == 5_000_000
    assert mtd.threshold_for(TaxYear(2027)) == 3_000_000
    assert mtd.threshold_for(TaxYear(2028)) == 2_000_000
    assert mtd.threshold_for(TaxYear(2031)) == 2_000_000
    today = dt.date(2026, 6, 1)
    assert mtd.scope_year(TaxYear(2026), 5_000_001, today).in_scope
    assert not mtd.scope_year(TaxYear(2026), 5_000_000, today).in_scope  # must exceed
    assert mtd.scope_year(TaxYear(2026), 0, today).measured_year == TaxYear(2024)


def test_periodic_update_body() -> None:
    start, end = dt.date(2026, 4, 6), dt.date(2026, 7, 5)
    boxes = {20: (12_345, 0), 24: (5_000, 2_500), 28: (15_000, 0), 17: (0, 0)}
    full = mtd.periodic_update_body(start, end, 10_000_000, 0, boxes, consolidated=False)
    assert full["periodDates"] == {"periodStartDate": "2026-04-06", "periodEndDate": "2026-07-05"}
    assert full["periodIncome"]["turnover"] == Decimal("100000.00")
    assert full["periodExpenses"] == {
        "carVanTravelExpenses": Decimal("123.45"),
        "advertisingCosts": Decimal("50.00"),
        "professionalFees": Decimal("150.00"),
    }
    assert full["periodDisallowableExpenses"] == {
        "businessEntertainmentCostsDisallowable": Decimal("25.00")
    }
    small = mtd.periodic_update_body(start, end, 100_000, 0, boxes, consolidated=True)
    assert small["periodExpenses"] == {"consolidatedExpenses": Decimal("323.45")}
    assert json.loads(mtd.json_text(small))["periodExpenses"]["consolidatedExpenses"] == 323.45


def test_charts_escape_and_use_classes() -> None:
    svg = charts.bar_chart(
        ["Apr", "<May>"],
        [
            charts.Series("Income", [100_000, 250_000], "chart-income"),
            charts.Series("Expenses", [-5, 1_000], "chart-expense"),
        ],
        title="Income & expenses",
    )
    assert "&lt;May&gt;" in svg and "<May>" not in svg
    assert "Income &amp; expenses" in svg
    assert "style" not in svg and 'fill="#' not in svg
    # Two bars and the legend key, in the wide and in the narrow drawing.
    assert svg.count('class="chart-income"') == 6
    bars = charts.horizontal_bars(["<b>Agency</b>"], [123_400], title="By client")
    assert "&lt;b&gt;Agency&lt;/b&gt;" in bars and "£1k" in bars


@pytest.mark.parametrize(
    ("peak", "step", "intervals"),
    [
        (0, 100, 1),
        (450, 100, 5),
        (120_000, 25_000, 5),  # £1,200: £250 steps up to £1,250
        (500_000, 100_000, 5),  # £5,000: £1k steps, never £1,250 ones
        (480_000, 100_000, 5),
        (900_000, 200_000, 5),
        (1_200_000, 250_000, 5),
        (10_000_000, 2_000_000, 5),
    ],
)
def test_axis_steps_are_nice(peak: int, step: int, intervals: int) -> None:
    assert charts.axis_steps(peak) == (step, intervals)
    assert step * intervals >= peak


def test_every_grid_line_is_labelled_with_its_own_value() -> None:
    svg = charts.bar_chart(
        ["Apr", "May"], [charts.Series("Income", [480_000, 100_000], "chart-income")], title="t"
    )
    wide = svg[: svg.index("</svg>")]
    labels = re.findall(r'text-anchor="end">([^<]+)<', wide)
    assert labels == ["£0", "£1k", "£2k", "£3k", "£4k", "£5k"]
    grid = [float(y) for y in re.findall(r'class="chart-grid"[^>]*y1="([\d.]+)"', wide)]
    assert len(grid) == 6
    gaps = {round(a - b, 1) for a, b in itertools.pairwise(grid)}
    assert len(gaps) == 1  # evenly spaced: each line is where its label says
    assert charts.axis_label(250_000) == "£2.5k"
    assert charts.axis_label(125_000_000) == "£1.25m"
    assert charts.axis_label(75_000) == "£750"


def test_csv_cells_are_formula_safe() -> None:
    for text in ("=1+1", "+44 20", "-cmd", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("-12.50") == "-12.50"  # a real negative number stays numeric
    assert safe_cell(-1250) == -1250
    assert safe_cell("Shoot") == "Shoot"
    assert safe_cell(None) == ""
    assert safe_cell(dt.date(2025, 4, 6)) == "2025-04-06"
