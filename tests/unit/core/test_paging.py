"""The one page-number parser every paged list uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.core.paging import MAX_PAGE, page_number, parse_page


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("7", 7),
        (" 7 ", 7),
        ("007", 7),
        ("0", 1),
        ("-3", 1),
        ("²", 1),
        ("٣", 1),
        ("３", 1),
        ("1e3", 1),
        ("NaN", 1),
        ("Infinity", 1),
        ("", 1),
        ("\x00", 1),
        (str(MAX_PAGE), MAX_PAGE),
        (str(MAX_PAGE + 1), MAX_PAGE),
        ("9" * 5000, MAX_PAGE),
        (None, 1),
    ],
)
def test_parse_page(raw: object, expected: int) -> None:
    assert parse_page(raw) == expected


def test_page_number_reads_the_page_argument() -> None:
    assert page_number({"page": "4"}) == 4
    assert page_number({}) == 1
    assert page_number({"p": "4"}, name="p") == 4


@given(st.text(max_size=40))
def test_any_text_is_a_page_in_range(raw: str) -> None:
    assert 1 <= parse_page(raw) <= MAX_PAGE
