"""SA103F categories, disallowable warnings and the allowable amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minimin.expenses import categories
from minimin.expenses.models import compute_figures


def test_every_box_from_17_to_30_has_a_category() -> None:
    assert {c.box for c in categories.CATEGORIES} == set(range(17, 31))
    assert len(categories.CODES) == len(set(categories.CODES))
    assert categories.get("entertainment").disallowable
    assert categories.get("depreciation").disallowable and categories.get("depreciation").box == 29
    assert categories.get(categories.COMMISSION).box == 28


@pytest.mark.parametrize(
    ("category", "supplier", "description", "expected"),
    [
        ("other", "Zara", "Black dress", ["clothing"]),
        ("other", "", "New shoes for the shoot", ["clothing"]),
        ("other", "Toni & Guy", "Haircut", ["grooming"]),
        ("other", "", "Manicure before casting", ["grooming"]),
        ("advertising", "The Ivy", "Lunch with client", ["entertainment"]),
        ("entertainment", "", "", ["entertainment"]),
        ("depreciation", "", "", ["depreciation"]),
        ("grooming", "", "haircut", ["grooming"]),
        ("travel", "Trainline", "Address to casting", []),
        ("office", "Dresser & Co", "Printer ink", []),  # no match inside a longer word
        ("other", "", "", []),
        # A shop's name alone raises nothing: Boots sells make-up, Zara sells more than dresses.
        ("other", "Boots", "Make-up kit for shoots", []),
        ("other", "Boots", "", []),
        ("other", "Zara", "", []),
        ("other", "Boots", "Ankle boots for the catalogue shoot", ["clothing"]),
        ("clothing", "Boots", "", ["clothing"]),
    ],
)
def test_warnings(category: str, supplier: str, description: str, expected: list[str]) -> None:
    assert categories.warning_codes(category, supplier, description) == expected
    for warning in categories.warnings_for(category, supplier, description):
        assert str(warning.reason)


def _figures(**over: object) -> tuple[int, int, int]:
    args: dict = {
        "amount_pence": 12000,
        "vat_pence": 2000,
        "vat_reclaimable": False,
        "business_percent": Decimal(100),
        "category": "office",
        "warnings_confirmed": False,
    }
    args.update(over)
    return compute_figures(**args)


def test_allowable_is_amount_times_business_share() -> None:
    assert _figures(business_percent=Decimal("33.333")) == (4000, 0, 4000)


def test_reclaimed_vat_is_not_also_a_cost() -> None:
    assert _figures(vat_reclaimable=True) == (10000, 2000, 10000)
    assert _figures(vat_reclaimable=True, business_percent=Decimal(50)) == (5000, 1000, 5000)


def test_disallowable_categories_allow_nothing() -> None:
    assert _figures(category="entertainment", warnings_confirmed=True)[2] == 0
    assert _figures(category="depreciation")[2] == 0
    assert _figures(category="clothing")[2] == 0
    assert _figures(category="clothing", warnings_confirmed=True)[2] == 12000
