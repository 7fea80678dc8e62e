"""Parsing of contact fields: what is accepted, how it is normalised, what is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.contacts.kinds import KIND_CODES, KINDS_OF_WORK, kind_label
from minimin.contacts.validation import (
    InvalidValue,
    normalise_email,
    normalise_phone,
    normalise_uk_postcode,
    normalise_vat_number,
    parse_date,
    parse_payment_terms,
    parse_percent,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15", "15"),
        ("12.5", "12.5"),
        ("12.5%", "12.5"),
        (" 0 ", "0"),
        ("100", "100"),
        ("33.333", "33.333"),
        ("100.000", "100.000"),
    ],
)
def test_percent_accepted(text, expected):
    assert parse_percent(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-1",
        "100.001",
        "101",
        "1000",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1e2",
        "1e999999",
        "12.3456",
        "1,5",
        "0x10",
        "٣",
        "１５",
        "15 %%",
        ".5",
        "5.",
    ],
)
def test_percent_refused(text):
    with pytest.raises(InvalidValue):
        parse_percent(text)


@given(st.decimals(min_value=0, max_value=100, places=3, allow_nan=False))
def test_percent_round_trips_every_valid_value(value):
    assert parse_percent(format(value, "f")) == value


@given(st.text(max_size=30))
def test_percent_never_raises_anything_but_invalid_value(text):
    try:
        result = parse_percent(text)
    except InvalidValue:
        return
    assert Decimal(0) <= result <= Decimal(100)


def test_payment_terms():
    assert parse_payment_terms("30") == 30
    assert parse_payment_terms("0") == 0
    for bad in ("-1", "366", "30.5", "thirty", "1e3", "", "９"):
        with pytest.raises(InvalidValue):
            parse_payment_terms(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GB980780684", "GB980780684"),
        ("gb 980 7806 84", "GB980780684"),
        ("980780684", "GB980780684"),
        ("XI980780684", "XI980780684"),
        ("DE 136 695 976", "DE136695976"),
        ("FR40303265045", "FR40303265045"),
        ("EL094259216", "EL094259216"),
        ("CHE-116.281.710 MWST", "CHE116281710MWST"),
    ],
)
def test_vat_numbers_accepted(text, expected):
    assert normalise_vat_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GB980780685",
        "980780685",
        "DE136695977",
        "ZZ123",
        "GB",
        "12",
        "GB98078068X",
        "\x00",
        "GB980780684" * 3,
        "US123456789",
    ],
)
def test_vat_numbers_refused(text):
    with pytest.raises(InvalidValue):
        normalise_vat_number(text)


def test_uk_postcodes():
    assert normalise_uk_postcode("sw1a1aa") == "SW1A 1AA"
    assert normalise_uk_postcode(" M1  1AE ") == "M1 1AE"
    assert normalise_uk_postcode("gir0aa") == "GIR 0AA"
    for bad in ("SW1A", "12345", "SW1A 1AAA", "S W 1", ""):
        with pytest.raises(InvalidValue):
            normalise_uk_postcode(bad)


def test_phone_numbers():
    assert normalise_phone("020 7946 0000") == "+44 20 7946 0000"
    assert normalise_phone("07911 123456") == "+44 7911 123456"
    assert normalise_phone("01 42 68 53 00", "FR") == "+33 1 42 68 53 00"
    for bad in ("12", "call me", "0207 946 000", "+44 20 7946 00000000"):
        with pytest.raises(InvalidValue):
            normalise_phone(bad)


def test_email_addresses():
    assert normalise_email("Jo@Example.COM") == "Jo@example.com"
    for bad in ("jo", "jo@", "@example.com", "jo@@example.com", "jo example@x.com"):
        with pytest.raises(InvalidValue):
            normalise_email(bad)


def test_dates():
    assert parse_date("2026-04-06") == date(2026, 4, 6)
    assert parse_date("06/04/2026") == date(2026, 4, 6)
    for bad in ("2026-02-30", "31/04/2026", "0001-01-01", "9999-12-31", "tomorrow", "2026-4-6x"):
        with pytest.raises(InvalidValue):
            parse_date(bad)


def test_kinds_of_work_are_a_fixed_translatable_list():
    codes = [code for code, _ in KINDS_OF_WORK]
    assert len(codes) == len(set(codes)) == len(KIND_CODES)
    for expected in (
        "commercial",
        "editorial",
        "catalogue",
        "tv_film",
        "advertising",
        "music_video",
        "runway",
        "event",
        "other",
    ):
        assert expected in KIND_CODES
    assert kind_label("tv_film") == "TV / film"
    assert kind_label("unknown-code") == "unknown-code"
