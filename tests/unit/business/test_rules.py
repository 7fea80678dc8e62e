"""Pure rules: identifiers, masks, the flat rate and numbering."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.business import rules
from minimin.business.rules import InvalidValue


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_postcodes(text, expected):
    assert rules.normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "XX1 1XX", "SW1A", "12345", "SW1A 1AAA", "Q1 1AA", "SW1A\x001AA", "ＳＷ１Ａ １ＡＡ"],
)
def test_bad_postcodes(text):
    with pytest.raises(InvalidValue):
        rules.normalise_postcode(text)


def test_phone_numbers():
    assert rules.normalise_phone("020 7123 4567") == "+442071234567"
    assert rules.normalise_phone("+44 (0)7911 123456") == "+447911123456"
    assert rules.normalise_phone("+33 1 42 68 53 00") == "+33142685300"
    assert rules.display_phone("+442071234567") == "020 7123 4567"
    assert rules.display_phone("+33142685300") == "+33 1 42 68 53 00"
    for bad in ("12345", "phone me", "+44 20 7123", "0" * 40):
        with pytest.raises(InvalidValue):
            rules.normalise_phone(bad)


def test_vat_numbers():
    assert rules.normalise_vat_number("GB980780684") == "GB980780684"
    assert rules.normalise_vat_number("980 7806 84") == "GB980780684"
    assert rules.normalise_vat_number("gb 980-7806-84") == "GB980780684"
    for bad in ("GB980780685", "GB98078068", "FR980780684", "", "GB980780684X"):
        with pytest.raises(InvalidValue):
            rules.normalise_vat_number(bad)


def test_utr():
    assert rules.normalise_utr("19558 39661") == "1955839661"
    with pytest.raises(InvalidValue) as info:
        rules.normalise_utr("12345")
    assert info.value.code == "utr_length"
    with pytest.raises(InvalidValue) as info:
        rules.normalise_utr("1955839662")
    assert info.value.code == "utr_check"


def test_bank_identifiers():
    assert rules.normalise_sort_code("60-16-13") == "601613"
    assert rules.format_sort_code("601613") == "60-16-13"
    assert rules.normalise_account_number("3192 6819") == "31926819"
    assert rules.normalise_iban("gb29 nwbk 6016 1331 9268 19") == "GB29NWBK60161331926819"
    assert rules.format_iban("GB29NWBK60161331926819") == "GB29 NWBK 6016 1331 9268 19"
    assert rules.normalise_bic("nwbk gb 2l") == "NWBKGB2L"
    for fn, bad in [
        (rules.normalise_sort_code, "60161"),
        (rules.normalise_sort_code, "６０１６１３"),
        (rules.normalise_account_number, "1234567"),
        (rules.normalise_iban, "GB29NWBK60161331926818"),
        (rules.normalise_bic, "NWBK"),
    ]:
        with pytest.raises(InvalidValue):
            fn(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.com", "https://example.com"),
        ("http://example.com/x", "http://example.com/x"),
        ("HTTPS://Example.com", "HTTPS://Example.com"),
    ],
)
def test_websites(text, expected):
    assert rules.normalise_website(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "ftp://example.com",
        "data:text/html,x",
        "http://",
        "https://user:pw@example.com",
        "exa mple.com",
        "http://localhost",
        "//evil.com/x",
        "http://[::1",
    ],
)
def test_bad_websites(text):
    with pytest.raises(InvalidValue):
        rules.normalise_website(text)


def test_mask():
    assert rules.mask("31926819") == "••••6819"
    assert rules.mask("601613", 2) == "••••13"
    assert rules.mask("123") == "••••"
    assert rules.mask(None) == ""


@given(st.text(min_size=5, max_size=40))
def test_mask_never_shows_more_than_the_tail(value):
    masked = rules.mask(value)
    assert masked.startswith("••••")
    assert len(masked) <= 8


def test_effective_flat_rate():
    rate = rules.effective_flat_rate
    assert rate(Decimal("14.5"), limited_cost_trader=False, first_year=False) == Decimal("14.5")
    assert rate(Decimal("14.5"), limited_cost_trader=False, first_year=True) == Decimal("13.5")
    assert rate(Decimal("14.5"), limited_cost_trader=True, first_year=False) == Decimal("16.5")
    assert rate(None, limited_cost_trader=True, first_year=True) == Decimal("15.5")
    assert rate(None, limited_cost_trader=False, first_year=False) is None


def test_next_number_rules():
    rules.check_next_number(42, 41)
    rules.check_next_number(1, 0)
    rules.check_next_number(1000, 41)
    for requested, issued, code in [
        (41, 41, "number_below_issued"),
        (3, 41, "number_below_issued"),
        (0, 0, "number_positive"),
    ]:
        with pytest.raises(InvalidValue) as info:
            rules.check_next_number(requested, issued)
        assert info.value.code == code
