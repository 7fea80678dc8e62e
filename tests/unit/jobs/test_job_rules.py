"""Pure parts of jobs: status rules, quantities, line amounts and the repeating-row helper."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from minimin.core.money import NumberInputError
from minimin.jobs.forms import parse_action, parse_quantity, plain_decimal, prepare_formdata
from minimin.jobs.models import STATUSES
from minimin.jobs.services import USER_TRANSITIONS, line_amount_pence


def test_every_status_has_rules_and_invoiced_paid_are_never_reached_by_hand():
    assert set(USER_TRANSITIONS) == set(STATUSES)
    for source, targets in USER_TRANSITIONS.items():
        assert "invoiced" not in targets and "paid" not in targets
        assert source not in targets
    assert USER_TRANSITIONS["invoiced"] == frozenset() == USER_TRANSITIONS["paid"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", Decimal("1")),
        (" 2.5 ", Decimal("2.5")),
        ("0.125", Decimal("0.125")),
        (".5", Decimal(".5")),
        ("100000", Decimal("100000")),
    ],
)
def test_quantities(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("NaN", "not_finite"),
        ("sNaN", "not_finite"),
        ("-Infinity", "not_finite"),
        ("1e5", "exponent"),
        ("-1", "negative"),
        ("1.0001", "precision"),
        ("100000.001", "range"),
        ("100001", "range"),
        ("1,000", "invalid"),
        ("½", "invalid"),
        ("1" * 21, "too_long"),
    ],
)
def test_bad_quantities(text, code):
    with pytest.raises(NumberInputError) as info:
        parse_quantity(text)
    assert info.value.code == code


@given(
    quantity=st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
    unit=st.integers(min_value=0, max_value=10_000_000),
)
def test_line_amount_is_half_up_of_the_exact_product(quantity, unit):
    exact = quantity * unit
    amount = line_amount_pence(quantity, unit)
    assert abs(Decimal(amount) - exact) <= Decimal("0.5")
    if exact - int(exact) == Decimal("0.5"):
        assert amount == int(exact) + 1


def test_line_amount_examples():
    assert line_amount_pence(Decimal("2.5"), 3333) == 8333  # 8332.5 → up
    assert line_amount_pence(Decimal("0.5"), 1) == 1
    assert line_amount_pence(Decimal("1.5"), 45050) == 67575


def test_actions():
    assert parse_action("save") == ("save", None, None)
    assert parse_action("add_line") == ("add", "line", None)
    assert parse_action("remove_date:3") == ("remove", "date", 3)
    assert parse_action("remove_date:99999") == ("remove", "date", None)
    assert parse_action("rm -rf") == ("save", None, None)
    assert parse_action(None) == ("save", None, None)


def test_prepare_formdata_renumbers_drops_blank_lines_and_removes_rows():
    data = MultiDict(
        [
            ("title", "x"),
            ("action", "remove_line:2"),
            ("dates-0-day", "2026-01-01"),
            ("dates-5-day", "2026-01-02"),
            ("fee_lines-0-kind", "fixed"),
            ("fee_lines-0-unit_amount", "10"),
            ("fee_lines-1-kind", "fixed"),
            ("fee_lines-1-unit_amount", " "),
            ("fee_lines-2-kind", "hourly"),
            ("fee_lines-2-unit_amount", "20"),
            ("fee_lines-7-kind", "usage"),
            ("fee_lines-7-unit_amount", "30"),
            ("fee_lines-99999999-kind", "fixed"),
        ]
    )
    result = prepare_formdata(data, "remove_line:2")
    assert result.get("title") == "x" and "action" not in result
    assert result.get("dates-1-day") == "2026-01-02"
    # While the form is being edited a blank line stays (one just added, not yet filled in).
    assert [result.get(f"fee_lines-{n}-unit_amount") for n in range(4)] == ["10", " ", "30", None]
    assert result.get("fee_lines-2-kind") == "usage"
    # On save, blank lines are dropped and the rest renumbered.
    saved = prepare_formdata(data, "save")
    assert [saved.get(f"fee_lines-{n}-unit_amount") for n in range(4)] == ["10", "20", "30", None]
    assert saved.get("fee_lines-1-kind") == "hourly"


def test_plain_decimal():
    assert plain_decimal(Decimal("15.000")) == "15"
    assert plain_decimal(Decimal("12.500")) == "12.5"
    assert plain_decimal(Decimal("0.000")) == "0"
    assert plain_decimal(Decimal("1E+2")) == "100"
    assert plain_decimal(None) == ""
